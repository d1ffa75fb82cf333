"""Helpers to run the service as real processes against a broker and read what the sink wrote."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from schemas.entries import RawEntry
from service.broker.embedded import free_port
from service.kafka.admin import ensure_topics
from service.kafka.topic_reader import read_topic
from service.processes import Child, spawn, stop_child
from service.progress import wait_until_processed
from service.replay.producer import publish
from service.replay.schedule import Pacing
from service.settings import Settings
from service.sink.runner import db_path
from service.sink.writers import read_rows

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def spawn_worker(settings: Settings, number: int = 0) -> Child:
    """A worker process; each has its own state folder and HTTP port, as on separate hosts."""
    own = settings.with_overrides(
        state_dir=settings.state_dir / f"worker-{number}", web_port=free_port()
    )
    return spawn("worker", ["worker"], own)


@contextmanager
def worker_and_sink(settings: Settings, workers: int = 1) -> Iterator[list[Child]]:
    ensure_topics(settings)
    children = [spawn_worker(settings, n) for n in range(workers)]
    children.append(spawn("sink", ["sink"], settings))
    try:
        yield children
    finally:
        for child in children:
            stop_child(child)


def replay_and_wait(settings: Settings, entries: list[RawEntry], children: list[Child]) -> None:
    publish(settings, entries, Pacing(), progress=False)
    wait_until_processed(settings, {e.entry_id for e in entries}, children, timeout_s=180)


def rows(settings: Settings, table: str) -> list[dict]:
    return list(read_rows(db_path(settings), table))


def wait_until(
    what: str,
    condition: Callable[[], bool],
    children: list[Child],
    timeout_s: float = 180,
    poll_s: float = 0.2,
) -> None:
    """Until `condition` holds; fails when a process died or after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        for child in children:
            child.check()
        assert time.monotonic() < deadline, f"{what}: not after {timeout_s} s"
        time.sleep(poll_s)  # polling interval of the condition above


def follow_once(settings: Settings, *urls: str) -> str:
    """One run of `liveblog follow --once` in its own process (each run is a restart)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LIVEBLOG_BOOTSTRAP_SERVERS": settings.bootstrap_servers or "",
        "LIVEBLOG_TOPIC_PREFIX": settings.topic_prefix,
        "LIVEBLOG_PARTITIONS": str(settings.partitions),
        "LIVEBLOG_STATE_DIR": str(settings.state_dir),
        "LIVEBLOG_FOLLOW_HOST_GAP_S": "0",
        "LIVEBLOG_LOG_FORMAT": "json",
    }
    done = subprocess.run(
        [sys.executable, "-m", "service", "follow", "--once", *urls],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def read_all(settings: Settings, topic: str) -> list[tuple[bytes, bytes]]:
    """Every record of a topic now, in offset order per partition."""
    return [(r.key, r.value) for r in read_topic(settings, topic, "liveblog-tests")]
