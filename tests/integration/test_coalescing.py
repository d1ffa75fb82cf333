"""Coalesced table writes on Apache Kafka: repeated keys cost fewer changelog and output records,
and the service ends in the same state as when every update is written at once."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from schemas.topics import CANONICAL_QUOTES, SPEAKER_UPDATES
from service.kafka.config import kafka_python_config
from service.replay.source import read_entries
from service.settings import Settings
from service.sink.state import final_state
from tests.integration.conftest import Broker, settings_for
from tests.integration.service_runs import SEEDS, replay_and_wait, worker_and_sink

pytestmark = pytest.mark.integration

# The tables that coalesce (service/stream/tables.py), by their changelog's name.
TABLES = ("gathering", "canonical-quotes", "speaker-tallies", "speaker-series")


def topics_of(settings: Settings) -> dict[str, str]:
    """Short name -> topic, for the coalesced outputs and the coalescing tables' changelogs."""
    outputs = {
        t.name: t.full_name(settings.topic_prefix) for t in (SPEAKER_UPDATES, CANONICAL_QUOTES)
    }
    changelogs = {f"{t}-changelog": f"{settings.app_id}-{t}-changelog" for t in TABLES}
    return {**outputs, **changelogs}


def read_topics(settings: Settings) -> dict[str, list[tuple[bytes, Any]]]:
    """Every record of those topics, end to end: short name -> [(key, JSON value)]."""
    names = topics_of(settings)
    consumer = KafkaConsumer(**kafka_python_config(settings), enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in names.values()
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        short = {topic: name for name, topic in names.items()}
        found: dict[str, list[tuple[bytes, Any]]] = defaultdict(list)
        left = {tp for tp, end in ends.items() if end > 0}
        while left:
            for tp, records in consumer.poll(timeout_ms=1000, max_records=5000).items():
                for record in records:
                    value = json.loads(record.value) if record.value is not None else None
                    found[short[tp.topic]].append((record.key, value))
                if consumer.position(tp) >= ends[tp]:
                    left.discard(tp)
        return found
    finally:
        consumer.close()


def latest_rows(records: list[tuple[bytes, Any]]) -> dict[bytes, Any]:
    """The last value per key, as a compacted topic keeps it: a table row without the input
    offsets it applied (those depend on the order the mentions happened to arrive in)."""
    latest = {}
    for key, value in records:
        latest[key] = value["row"] if isinstance(value, dict) and "row" in value else value
    return latest


def test_coalescing_writes_fewer_records_and_ends_in_the_same_state(
    broker: Broker, tmp_path: Path
) -> None:
    entries = read_entries(SEEDS)
    states, records = {}, {}

    for label, interval_s in (("write-through", 0.0), ("coalesced", 1.0)):
        settings = settings_for(broker, tmp_path / label).with_overrides(
            coalesce_interval_s=interval_s
        )
        with worker_and_sink(settings) as children:
            replay_and_wait(settings, entries, children)
        states[label] = final_state(settings)
        records[label] = read_topics(settings)

    assert states["coalesced"] == states["write-through"]
    through, coalesced = records["write-through"], records["coalesced"]
    for topic in ("canonical-quotes-changelog", "speaker-tallies-changelog"):
        assert latest_rows(coalesced[topic]) == latest_rows(through[topic]), topic
    counts = {topic: (len(coalesced[topic]), len(through[topic])) for topic in through}
    for topic, (fewer, every) in counts.items():
        assert fewer <= every, f"{topic}: {fewer} records coalesced, {every} written through"
    # The seeds repeat speakers and quotes within an entry: some updates must have been folded.
    assert counts["speaker-updates"][0] < counts["speaker-updates"][1], counts
    assert sum(c for c, _ in counts.values()) < sum(e for _, e in counts.values()), counts
