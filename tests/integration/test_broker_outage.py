"""The broker stops in the middle of a replay, once cleanly (SIGTERM) and once killed (SIGKILL),
and comes back on the same data dir and address: the replay, the worker and the sink carry on by
themselves, and the outputs equal those of an undisturbed run, nothing lost or doubled.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemas.entries import RawEntry
from service.broker.embedded import BrokerHandle, running_broker, start_broker, stop_broker
from service.processes import alive
from service.progress import processed_entry_ids, wait_until_processed
from service.replay.producer import publish
from service.replay.schedule import Pacing, PacingMode
from service.replay.source import read_entries
from service.settings import Settings
from service.sink.state import final_state
from tests.integration.conftest import Broker, settings_for
from tests.integration.service_runs import SEEDS, replay_and_wait, wait_until, worker_and_sink

pytestmark = pytest.mark.integration

ROUNDS = 2  # the seeds replayed in a loop: the second round repeats every entry (idempotent)
RATE = 1.0  # entries/s: a round of the 28 seeds lasts ~28 s, the restarts fall inside the loop


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Path]:
    """A broker of this test's own, which it stops and starts again."""
    state_dir = tmp_path / "broker"
    start_broker(state_dir)
    try:
        yield state_dir
    finally:
        stop_broker(state_dir)


def _replay_in_a_loop(settings: Settings, entries: list[RawEntry]) -> threading.Thread:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(ROUNDS):
                publish(settings, entries, Pacing(PacingMode.RATE, rate=RATE), progress=False)
        except BaseException as exc:
            errors.append(exc)
            raise

    thread = threading.Thread(target=run, name="replay", daemon=True)
    thread.errors = errors  # type: ignore[attr-defined]
    thread.start()
    return thread


def _stop_and_restart(state_dir: Path, sig: signal.Signals) -> BrokerHandle:
    handle = running_broker(state_dir)
    assert handle is not None
    os.kill(handle.pid, sig)
    deadline = time.monotonic() + 60
    while alive(handle.pid):
        assert time.monotonic() < deadline, f"broker still up 60 s after {sig.name}"
        time.sleep(0.1)  # polling interval of the condition above
    restarted = start_broker(state_dir, handle.port)
    assert restarted.pid != handle.pid and restarted.port == handle.port
    return restarted


def test_replay_survives_broker_restarts_with_complete_and_unduplicated_outputs(
    broker: Broker, own_broker: Path, tmp_path: Path
) -> None:
    entries = read_entries(SEEDS)
    ids = {e.entry_id for e in entries}
    clean = settings_for(broker, tmp_path / "clean")
    with worker_and_sink(clean) as children:
        replay_and_wait(clean, entries, children)
    handle = running_broker(own_broker)
    assert handle is not None
    settings = settings_for(Broker(handle.bootstrap_servers), tmp_path / "restarts")

    with worker_and_sink(settings) as children:
        replay = _replay_in_a_loop(settings, entries)
        for sig, progress in ((signal.SIGTERM, 3), (signal.SIGKILL, 8)):
            wait_until(
                f"{progress} verdicts",
                lambda n=progress: len(processed_entry_ids(settings)) >= n,
                children,
            )
            _stop_and_restart(own_broker, sig)
        assert replay.is_alive(), "the replay ended before the restarts were over"
        wait_until_processed(settings, ids, children, timeout_s=240)
        replay.join(timeout=180)
        assert not replay.is_alive() and not replay.errors  # type: ignore[attr-defined]
        assert all(child.proc.poll() is None for child in children), "a process stopped"
        # The second round's repeats leave the outputs as they were (they are upserts by id).
        wait_until_processed(settings, ids, children, timeout_s=60)

    assert final_state(settings) == final_state(clean)
