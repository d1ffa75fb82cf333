"""A worker configured for another partition count than its topics have refuses to start, in one
line (dedup ownership is key hash modulo the count)."""

from __future__ import annotations

import pytest

from schemas.topics import RAW_ENTRIES
from service.kafka.admin import ensure_topics
from service.processes import stop_child
from service.settings import Settings
from tests.integration.service_runs import spawn_worker, wait_until

pytestmark = pytest.mark.integration


def test_worker_refuses_to_start_on_topics_with_another_partition_count(
    settings: Settings,
) -> None:
    ensure_topics(settings)  # 4 partitions
    worker = spawn_worker(settings.with_overrides(partitions=2))

    try:
        wait_until("the worker to refuse", lambda: worker.proc.poll() is not None, [], 90)
    finally:
        stop_child(worker)

    output = worker.log_path.read_text()
    topic = RAW_ENTRIES.full_name(settings.topic_prefix)
    assert worker.proc.returncode == 2
    assert "Traceback" not in output
    [error] = [line for line in output.splitlines() if line.startswith("error:")]
    assert f"topic {topic} has 4 partitions, expected 2" in error
    assert output.splitlines()[-1] == error
