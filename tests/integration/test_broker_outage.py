"""The broker goes away in the middle of a replay and comes back on the same address: the
replay, the worker and the sink carry on, and the outputs equal those of an undisturbed run.

A dedicated embedded broker is reached through a proxy that drops every connection and refuses
new ones for the outage (see tests/integration/outage.py for why not a broker restart).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from schemas.entries import RawEntry
from service.broker.embedded import free_port, start_broker, stop_pid
from service.progress import processed_entry_ids, wait_until_processed
from service.replay.producer import publish
from service.replay.schedule import Pacing, PacingMode
from service.replay.source import read_entries
from service.settings import BrokerFlavour, Settings
from service.sink.state import final_state
from tests.integration.conftest import Broker, settings_for
from tests.integration.outage import Proxy, proxied
from tests.integration.service_runs import SEEDS, replay_and_wait, worker_and_sink

pytestmark = pytest.mark.integration

OUTAGE_S = 12.0  # longer than the session timeout: the groups must rebalance afterwards


@pytest.fixture
def outage_broker(tmp_path: Path) -> Iterator[tuple[Broker, Proxy]]:
    listen = free_port()
    handle = start_broker(tmp_path / "broker", advertised_port=listen)
    try:
        with proxied(listen, handle.port) as proxy:
            yield Broker(f"127.0.0.1:{listen}", BrokerFlavour.TANSU), proxy
    finally:
        stop_pid(handle.pid)


def _wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout_s:.0f}s")
        time.sleep(0.1)  # polling interval of the condition above


def _replay_in_background(settings: Settings, entries: list[RawEntry]) -> threading.Thread:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            publish(settings, entries, Pacing(PacingMode.RATE, rate=2.0), progress=False)
        except BaseException as exc:
            errors.append(exc)
            raise

    thread = threading.Thread(target=run, name="replay", daemon=True)
    thread.errors = errors  # type: ignore[attr-defined]
    thread.start()
    return thread


def test_replay_survives_a_broker_outage_with_complete_and_unduplicated_outputs(
    outage_broker: tuple[Broker, Proxy],
    tmp_path: Path,
) -> None:
    broker, proxy = outage_broker
    entries = read_entries(SEEDS)
    clean = settings_for(broker, tmp_path / "clean")
    with worker_and_sink(clean) as children:
        replay_and_wait(clean, entries, children)
    settings = settings_for(broker, tmp_path / "outage")
    ids = {e.entry_id for e in entries}

    with worker_and_sink(settings) as children:
        replay = _replay_in_background(settings, entries)  # 28 entries at 2/s: ~14 s
        _wait_for(lambda: len(processed_entry_ids(settings)) >= 3, 120, "first verdicts")
        proxy.cut()
        cut_at = time.monotonic()
        time.sleep(OUTAGE_S)  # the outage itself: its length is the scenario, not a wait
        assert len(processed_entry_ids(settings)) < len(ids), "replay finished before the outage"
        proxy.start()
        back_at = time.monotonic()
        wait_until_processed(settings, ids, children, timeout_s=240)
        recovered_s = time.monotonic() - back_at
        replay.join(timeout=120)
        assert not replay.is_alive() and not replay.errors  # type: ignore[attr-defined]
        assert all(child.proc.poll() is None for child in children), "a process stopped"

    print(f"outage {back_at - cut_at:.1f}s; all processed {recovered_s:.1f}s after it ended")
    assert final_state(settings) == final_state(clean)
