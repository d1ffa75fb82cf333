"""Run service roles (worker, sink) as child processes, and stop them cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import structlog
from pydantic import AliasChoices, SecretStr

from service.settings import LogFormat, Settings, env_name

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
    """The environment of a child process: every setting as the variable it is read from, so
    the child runs with exactly the parent's settings (an unset one is removed, whatever the
    parent's own environment says). Children log JSON: their output goes to a file."""
    env = dict(os.environ)
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        for name in alias.choices if isinstance(alias, AliasChoices) else [env_name(field)]:
            env.pop(str(name), None)
        value = _env_value(getattr(settings, field))
        if value is not None:
            env[env_name(field)] = value
    env["LIVEBLOG_LOG_FORMAT"] = LogFormat.JSON.value
    return env


def _env_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


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
