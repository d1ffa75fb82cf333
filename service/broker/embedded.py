"""Start, find, stop and reset the embedded Apache Kafka: one KRaft node on loopback.

Everything lives under <state dir>/kafka/: the data (kept across stop and start, wiped by
reset), server.properties, the broker's log, its ports and cluster id (node.json, so a restart
comes back on the same address) and a pid file. A pid is signalled only after its command line
shows it is this state dir's broker: a stale pid file never stops another process.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from service.broker.config import (
    LOOPBACK,
    Listener,
    NodeLayout,
    log4j_properties,
    render_properties,
    server_properties,
)
from service.broker.install import BrokerError, Runtime, find_runtime
from service.processes import alive, stop_pid

__all__ = ["BrokerError", "BrokerHandle", "Listener", "free_port", "start_broker"]

log = structlog.get_logger(__name__)

DEFAULT_HEAP = "512m"
READY_TIMEOUT_S = 90.0  # a first start on a slow, shared machine; usually 3-6 s
STOP_TIMEOUT_S = 30.0  # a clean shutdown flushes and closes every log; SIGKILL after that
MAIN_CLASS = "kafka.Kafka"
_HEAP = re.compile(r"^\d+[kKmMgG]$")


@dataclass(frozen=True)
class BrokerHandle:
    pid: int
    port: int
    log_path: Path
    data_dir: Path

    @property
    def bootstrap_servers(self) -> str:
        return f"{LOOPBACK}:{self.port}"


@dataclass(frozen=True)
class _Paths:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def log4j(self) -> Path:
        return self.root / "log4j.properties"

    @property
    def log(self) -> Path:
        return self.root / "broker.log"

    @property
    def console(self) -> Path:
        return self.root / "broker.out"  # the JVM's own output: start-up failures, crashes

    @property
    def node(self) -> Path:
        return self.root / "node.json"

    @property
    def pid(self) -> Path:
        return self.root / "broker.pid"


def _paths(state_dir: Path) -> _Paths:
    return _Paths(state_dir.resolve() / "kafka")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((LOOPBACK, port)) == 0


def _is_our_broker(pid: int, paths: _Paths) -> bool:
    """The process runs kafka.Kafka with this state dir's server.properties."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return MAIN_CLASS.encode() in argv and str(paths.properties).encode() in argv


def _read_node(paths: _Paths) -> dict[str, object]:
    try:
        return dict(json.loads(paths.node.read_text()))
    except (OSError, ValueError, TypeError):
        return {}


def running_broker(state_dir: Path) -> BrokerHandle | None:
    """The broker this state dir started, if it is still alive (a stale pid file is removed)."""
    paths = _paths(state_dir)
    try:
        pid = int(paths.pid.read_text().strip())
    except (OSError, ValueError):
        return None
    node = _read_node(paths)
    if alive(pid) and _is_our_broker(pid, paths) and "port" in node:
        return BrokerHandle(pid, int(str(node["port"])), paths.log, paths.data)
    paths.pid.unlink(missing_ok=True)
    return None


def _cluster_id() -> str:
    """Kafka's Uuid text form: 16 random bytes in URL-safe base64, unpadded. Like Kafka's own
    Uuid.randomUuid, never one starting with "-": a command line would take it for an option."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def _pick_port(wanted: int | None, remembered: object) -> int:
    if wanted:
        return wanted
    if isinstance(remembered, int) and not _port_open(remembered):
        # Clients know the broker by its port: come back on it if nothing else took it. Like
        # Kafka's own listener, ignore connections of the last run still in TIME_WAIT.
        with contextlib.suppress(OSError), socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((LOOPBACK, remembered))
            return remembered
    return free_port()


def _format_storage(runtime: Runtime, paths: _Paths, cluster_id: str, scram: Sequence[str]) -> None:
    """Lay out a new data dir (KRaft's `kafka-storage format`), once."""
    args = [
        str(runtime.java), "-Xmx256m", f"-Dlog4j.configuration=file:{paths.log4j}",
        "-cp", runtime.classpath, "kafka.tools.StorageTool", "format",
        f"--cluster-id={cluster_id}", "-c", str(paths.properties), "--ignore-formatted",
    ]  # fmt: skip
    for credential in scram:
        args += ["--add-scram", credential]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        output = done.stdout + done.stderr
        for credential in scram:  # never echo a password
            output = output.replace(credential, "SCRAM-…=[redacted]")
        tail = "\n".join(line for line in output.splitlines() if not line.startswith("["))[-1500:]
        raise BrokerError(f"formatting {paths.data} failed (exit {done.returncode}):\n{tail}")


def start_broker(
    state_dir: Path,
    port: int | None = None,
    *,
    heap: str = DEFAULT_HEAP,
    listeners: Sequence[Listener] = (),
    properties: Mapping[str, str] | None = None,
    scram_credentials: Sequence[str] = (),
    advertised_port: int | None = None,
    ready_timeout_s: float = READY_TIMEOUT_S,
) -> BrokerHandle:
    """Start Apache Kafka in the background, or return the one this state dir already runs.

    heap: the JVM's -Xmx (e.g. 512m). listeners/properties: extra listeners and broker settings
    (a secured listener in the tests). scram_credentials: SCRAM users created when the storage
    is formatted (`SCRAM-SHA-512=[name=...,password=...]`). advertised_port: the port clients
    are told to use, when they reach the broker through a proxy (the outage tests cut it).
    """
    existing = running_broker(state_dir)
    if existing:
        log.info("broker_already_running", pid=existing.pid, port=existing.port)
        return existing
    if not _HEAP.match(heap):
        raise BrokerError(f"heap must look like 512m or 1g, not {heap!r}")
    runtime = find_runtime()
    paths = _paths(state_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    node = _read_node(paths)
    port = _pick_port(port, node.get("port"))
    controller = _pick_port(None, node.get("controller_port"))
    cluster_id = str(node.get("cluster_id") or _cluster_id())
    layout = NodeLayout(
        paths.data, port, controller, advertised_port or port, listeners, properties or {}
    )
    paths.properties.write_text(render_properties(server_properties(layout)))
    paths.log4j.write_text(log4j_properties(paths.log))
    paths.node.write_text(
        json.dumps({"port": port, "controller_port": controller, "cluster_id": cluster_id})
    )
    if not (paths.data / "meta.properties").exists():
        _format_storage(runtime, paths, cluster_id, scram_credentials)
    t0 = time.monotonic()
    proc = _launch(runtime, paths, heap)
    _wait_ready(proc, paths, port, ready_timeout_s)
    paths.pid.write_text(str(proc.pid))
    log.info(
        "broker_started",
        pid=proc.pid,
        bootstrap_servers=f"{LOOPBACK}:{port}",
        kafka=runtime.kafka_version,
        seconds=round(time.monotonic() - t0, 2),
        data_dir=str(paths.data),
    )
    return BrokerHandle(proc.pid, port, paths.log, paths.data)


def _launch(runtime: Runtime, paths: _Paths, heap: str) -> subprocess.Popen[bytes]:
    command = [
        str(runtime.java),
        f"-Xmx{heap}",
        "-Xms64m",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-XX:+ExitOnOutOfMemoryError",  # a broker out of heap is restarted, not left limping
        "-Djava.awt.headless=true",
        f"-Dlog4j.configuration=file:{paths.log4j}",
        f"-Dkafka.logs.dir={paths.root}",
        "-cp",
        runtime.classpath,
        MAIN_CLASS,
        str(paths.properties),
    ]
    with paths.console.open("ab") as console:
        return subprocess.Popen(
            command,
            stdout=console,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop it cleanly
        )


def _wait_ready(proc: subprocess.Popen[bytes], paths: _Paths, port: int, timeout_s: float) -> None:
    """The client listener accepts connections only once the broker has started."""
    deadline = time.monotonic() + timeout_s
    while not _port_open(port):
        if proc.poll() is not None:
            raise BrokerError(
                f"Kafka exited with {proc.returncode} while starting; see {paths.log} "
                f"and {paths.console}"
            )
        if time.monotonic() > deadline:
            stop_pid(proc.pid)
            raise BrokerError(
                f"Kafka did not listen on {port} within {timeout_s:.0f}s; see {paths.log}"
            )
        time.sleep(0.05)


def stop_broker(state_dir: Path, timeout_s: float = STOP_TIMEOUT_S) -> bool:
    """Stop this state dir's broker (SIGTERM: a clean shutdown; SIGKILL after timeout_s).
    Its data stays. True if one was running."""
    handle = running_broker(state_dir)
    if handle is None:
        return False
    stop_pid(handle.pid, timeout_s)
    _paths(state_dir).pid.unlink(missing_ok=True)
    log.info("broker_stopped", pid=handle.pid)
    return True


def reset_broker(state_dir: Path) -> bool:
    """Stop the broker if it runs and delete its data, log and ports. True if there was any."""
    stop_broker(state_dir)
    root = _paths(state_dir).root
    if not root.exists():
        return False
    shutil.rmtree(root)
    log.info("broker_reset", removed=str(root))
    return True
