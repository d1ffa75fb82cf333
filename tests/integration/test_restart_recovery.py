"""A worker killed mid-stream and restarted ends with exactly the tables of an uninterrupted run:
Faust restores every table from its changelog up to the high watermark Kafka reports, and the
transport's fixes (service/stream/transport.py) keep events from being skipped or half applied.
"""

from __future__ import annotations

import os
import random
import signal
from pathlib import Path

import pytest

from service.processes import Child
from service.progress import processed_entry_ids, wait_until_processed
from service.replay.producer import publish
from service.replay.schedule import Pacing, looped
from service.replay.source import read_entries
from service.settings import Settings
from service.sink.state import final_state
from tests.integration.conftest import Broker, settings_for
from tests.integration.service_runs import (
    SEEDS,
    replay_and_wait,
    rows,
    spawn_worker,
    wait_until,
    worker_and_sink,
)

pytestmark = pytest.mark.integration


def test_worker_killed_mid_stream_recovers_every_table_value(
    broker: Broker, tmp_path: Path
) -> None:
    entries = read_entries(SEEDS)
    first, second = entries[: len(entries) // 2], entries[len(entries) // 2 :]
    clean = settings_for(broker, tmp_path / "clean")
    with worker_and_sink(clean) as children:
        replay_and_wait(clean, entries, children)
    crashed = settings_for(broker, tmp_path / "crashed")

    with worker_and_sink(crashed) as children:
        replay_and_wait(crashed, first, children)
        publish(crashed, second, Pacing(), progress=False)
        worker = children[0]
        worker.proc.send_signal(signal.SIGKILL)  # mid-stream: the second half is in flight
        worker.proc.wait(timeout=10)
        children[0] = spawn_worker(crashed)
        wait_until_processed(crashed, {e.entry_id for e in entries}, children, timeout_s=180)

    assert rows(crashed, "dead_letters") == []
    assert final_state(crashed) == final_state(clean)


# CI kills a few times; bench/crash.py (or LIVEBLOG_TEST_KILLS=20) does the full exercise.
KILLS = int(os.environ.get("LIVEBLOG_TEST_KILLS", "3"))


def _kill_and_restart(settings: Settings, children: list[Child]) -> None:
    worker = children[0]
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait(timeout=10)
    children[0] = spawn_worker(settings)


def _wait_for_verdicts(
    settings: Settings, ids: set[str], count: int, children: list[Child]
) -> None:
    def enough() -> bool:
        return len(processed_entry_ids(settings) & ids) >= count

    wait_until(f"{count} verdicts", enough, children, poll_s=0.05)


def test_worker_killed_at_random_points_loses_and_doubles_nothing(
    broker: Broker, tmp_path: Path
) -> None:
    entries = list(looped(read_entries(SEEDS), 4))
    ids = {e.entry_id for e in entries}
    clean = settings_for(broker, tmp_path / "clean")
    with worker_and_sink(clean) as children:
        replay_and_wait(clean, entries, children)
    crashed = settings_for(broker, tmp_path / "crashed")
    rng = random.Random(20)

    with worker_and_sink(crashed) as children:
        publish(crashed, entries, Pacing(), progress=False)
        for _ in range(KILLS):
            # Each kill waits until the restarted worker has made some progress (a few more
            # verdicts), then strikes somewhere inside the stream.
            target = len(processed_entry_ids(crashed) & ids) + rng.randint(1, 12)
            if target >= len(entries):
                break
            _wait_for_verdicts(crashed, ids, target, children)
            _kill_and_restart(crashed, children)
        wait_until_processed(crashed, ids, children, timeout_s=240)

    # A replay that fails is dead-lettered, and its outputs are then missing or counted anew.
    assert rows(crashed, "dead_letters") == []
    assert final_state(crashed) == final_state(clean)
