"""Run service roles (worker, sink) as child processes, and stop them cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import structlog

from service.settings import Settings

log = structlog.get_logger(__name__)


def alive(pid: int) -> bool:
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
        if not alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def check(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{tail}")


def child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "LIVEBLOG_BOOTSTRAP_SERVERS": settings.bootstrap_servers or "",
            "LIVEBLOG_TOPIC_PREFIX": settings.topic_prefix,
            "LIVEBLOG_PARTITIONS": str(settings.partitions),
            "LIVEBLOG_OUT_DIR": str(settings.out_dir),
            "LIVEBLOG_STATE_DIR": str(settings.state_dir),
            "LIVEBLOG_APP_ID": settings.app_id,
            "LIVEBLOG_WEB_PORT": str(settings.web_port),
            "LIVEBLOG_LOG_FORMAT": "json",
            "LIVEBLOG_MAX_ENTRY_BYTES": str(settings.max_entry_bytes),
            "LIVEBLOG_MAX_MESSAGE_BYTES": str(settings.max_message_bytes),
            "LIVEBLOG_BROKER_RETRY_TIMEOUT_S": str(settings.broker_retry_timeout_s),
            "LIVEBLOG_SINK_RETRY_TIMEOUT_S": str(settings.sink_retry_timeout_s),
            "LIVEBLOG_COALESCE_INTERVAL_S": str(settings.coalesce_interval_s),
            **security_env(settings),
        }
    )
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    return env


def security_env(settings: Settings) -> dict[str, str]:
    """The security settings as LIVEBLOG_* variables (a child reads them like the parent)."""
    optional = {
        "LIVEBLOG_SASL_USERNAME": settings.sasl_username,
        "LIVEBLOG_SASL_PASSWORD": (
            settings.sasl_password.get_secret_value() if settings.sasl_password else None
        ),
        "LIVEBLOG_SSL_CAFILE": settings.ssl_cafile,
        "LIVEBLOG_SSL_CERTFILE": settings.ssl_certfile,
        "LIVEBLOG_SSL_KEYFILE": settings.ssl_keyfile,
    }
    return {
        "LIVEBLOG_SECURITY_PROTOCOL": settings.security_protocol.value,
        "LIVEBLOG_SASL_MECHANISM": settings.sasl_mechanism.value,
        "LIVEBLOG_SSL_CHECK_HOSTNAME": str(settings.ssl_check_hostname).lower(),
        **{name: str(value) for name, value in optional.items() if value is not None},
    }


def spawn(name: str, args: list[str], settings: Settings) -> Child:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.state_dir / f"{name}.log"
    with log_path.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service", *args],
            env=child_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    log.info("process_started", name=name, pid=proc.pid, log=str(log_path))
    return Child(name, proc, log_path)


def stop_child(child: Child) -> None:
    stop_pid(child.proc.pid, timeout_s=15)
    log.info("process_stopped", name=child.name, pid=child.proc.pid)
