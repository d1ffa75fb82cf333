"""`liveblog follow` on a real broker: a live blog that changes between polls is published as
3, then 1, then 1 entries onto raw-entries, and a restart publishes nothing again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from schemas.entries import RawEntry
from schemas.topics import FOLLOW_STATE, RAW_ENTRIES
from service.kafka.config import kafka_python_config
from service.settings import Settings
from tests.pages_server import Pages, Reply, fixture, pages_server

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[tuple[str, Pages]]:
    with pages_server() as served:
        yield served


def follow_once(settings: Settings, url: str) -> str:
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
        [sys.executable, "-m", "service", "follow", "--once", url],
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
    consumer = KafkaConsumer(**kafka_python_config(settings), enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list[tuple[bytes, bytes]] = []
        left = {tp for tp, end in ends.items() if end > 0}
        while left:
            for tp, batch in consumer.poll(timeout_ms=1000).items():
                records += [(r.key, r.value) for r in batch]
                if consumer.position(tp) >= ends[tp]:
                    left.discard(tp)
        return records
    finally:
        consumer.close()


def test_a_changing_live_blog_is_published_3_then_1_then_1_and_a_restart_publishes_nothing(
    settings: Settings, server: tuple[str, Pages]
) -> None:
    base, pages = server
    url = f"{base}/live"
    raw = RAW_ENTRIES.full_name(settings.topic_prefix)
    pages_in_turn = ["liveblog-3.html", "liveblog-4.html", "liveblog-4-edited.html"]

    said = []
    counts = []
    for name in pages_in_turn:
        pages.serve("/live", Reply(fixture(name)))
        said.append(follow_once(settings, url))
        counts.append(len(read_all(settings, raw)))
    again = follow_once(settings, url)

    assert said == ["published 3 entries", "published 1 entry", "published 1 entry"]
    assert counts == [3, 4, 5]
    assert again == "published 0 entries"
    records = read_all(settings, raw)
    assert len(records) == 5
    entries = [RawEntry.model_validate_json(value) for _, value in records]
    assert all(
        key == entry.entry_id.encode() for (key, _), entry in zip(records, entries, strict=True)
    )
    edited = [e for e in entries if "Kasimir Wolde" in e.text()]
    assert len(edited) == 1 and edited[0].updated_time is not None
    state = read_all(settings, FOLLOW_STATE.full_name(settings.topic_prefix))
    latest = {key: json.loads(value) for key, value in state}
    assert len(latest) == 4
    assert latest[edited[0].entry_id.encode()]["digest"] == edited[0].content_digest()
