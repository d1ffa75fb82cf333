"""Entries written in transactions are processed, and the commits pass over the markers.

Each committed transaction leaves a control record in the partition: an offset no consumer is
ever given. To the worker that looks like a record fetched and never delivered, which it reads
again (service/stream/transport.py); the gap is still there after that, so it is let through
and the commit passes over it. Without that, every marker would be read again for ever and the
input's commits would stop at the first one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer, TopicPartition

from schemas.topics import RAW_ENTRIES
from service.kafka.config import kafka_python_config
from service.progress import processed_entry_ids
from service.replay.source import read_entries
from service.settings import Settings
from tests.integration.conftest import Broker, settings_for
from tests.integration.service_runs import SEEDS, rows, wait_until, worker_and_sink

pytestmark = pytest.mark.integration


def send_in_transactions(settings: Settings, entries: list) -> dict[TopicPartition, int]:
    """One transaction per entry; returns the offset after the last entry of each partition."""
    topic = RAW_ENTRIES.full_name(settings.topic_prefix)
    producer = KafkaProducer(
        **kafka_python_config(settings), transactional_id=f"{settings.app_id}-tx"
    )
    producer.init_transactions()
    after: dict[TopicPartition, int] = {}
    try:
        for entry in entries:
            producer.begin_transaction()
            sent = producer.send(
                topic, key=entry.entry_id.encode(), value=entry.model_dump_json().encode()
            )
            producer.commit_transaction()
            meta = sent.get(timeout=10)
            tp = TopicPartition(topic, meta.partition)
            after[tp] = max(after.get(tp, 0), meta.offset + 1)
    finally:
        producer.close(timeout=10)
    return after


def committed(settings: Settings, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    admin = KafkaAdminClient(**kafka_python_config(settings))
    try:
        found = admin.list_group_offsets({settings.app_id: partitions}).get(settings.app_id, {})
        return {tp: found[tp].offset for tp in partitions if tp in found}
    finally:
        admin.close()


def test_entries_written_in_transactions_are_processed_and_committed(
    broker: Broker, tmp_path: Path
) -> None:
    settings = settings_for(broker, tmp_path)
    entries = read_entries(SEEDS)[:16]
    ids = {e.entry_id for e in entries}

    with worker_and_sink(settings) as children:
        after = send_in_transactions(settings, entries)
        wait_until("every verdict", lambda: ids <= processed_entry_ids(settings), children)
        partitions = sorted(after, key=lambda tp: tp.partition)
        wait_until(
            "commits past the last entry of each partition",
            lambda: all(
                committed(settings, partitions).get(tp, -1) >= end for tp, end in after.items()
            ),
            children,
        )

    assert len(after) > 1  # several partitions, each with markers between its entries
    assert rows(settings, "dead_letters") == []
