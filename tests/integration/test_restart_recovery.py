"""A worker killed mid-stream and restarted ends with exactly the tables of an uninterrupted run.

On Tansu this is the test of the ListOffsets workaround: without the tansu:// transport's exact
high watermarks, changelog recovery stops one batch short and the restarted tallies come out low.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from service.progress import wait_until_processed
from service.replay.producer import publish
from service.replay.schedule import Pacing
from service.replay.source import read_entries
from tests.integration.conftest import Broker, settings_for
from tests.integration.service_runs import (
    SEEDS,
    final_state,
    replay_and_wait,
    spawn_worker,
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

    assert final_state(crashed) == final_state(clean)
