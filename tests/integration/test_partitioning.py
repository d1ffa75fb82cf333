"""Dedup state is partitioned, not funnelled: the results do not depend on how many partitions
or workers share the work."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.replay.source import read_entries
from service.sink.state import final_state
from tests.integration.conftest import Broker, settings_for
from tests.integration.service_runs import SEEDS, replay_and_wait, worker_and_sink

pytestmark = pytest.mark.integration

LAYOUTS = {
    "1 partition, 1 worker": (1, 1),
    "4 partitions, 1 worker": (4, 1),
    "4 partitions, 2 workers": (4, 2),
}


def test_outputs_are_identical_with_1_or_4_partitions_and_1_or_2_workers(
    broker: Broker, tmp_path: Path
) -> None:
    entries = read_entries(SEEDS)
    states = {}

    for label, (partitions, workers) in LAYOUTS.items():
        settings = settings_for(broker, tmp_path / f"p{partitions}w{workers}")
        settings = settings.with_overrides(partitions=partitions)
        with worker_and_sink(settings, workers=workers) as children:
            replay_and_wait(settings, entries, children)
        states[label] = final_state(settings)

    reference = states["1 partition, 1 worker"]
    for label, state in states.items():
        assert state == reference, f"{label} differs from one partition and one worker"
