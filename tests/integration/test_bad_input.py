"""Bad events interleaved with good ones on a real broker: every bad one is dead-lettered with a
reason, the worker keeps running, and every good one gets its verdict."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from itertools import zip_longest

import pytest

from schemas.entries import RawEntry
from schemas.topics import RAW_ENTRIES
from service.progress import wait_until_processed
from service.replay.producer import create_producer
from service.replay.source import read_entries
from service.settings import Settings
from tests.integration.service_runs import SEEDS, rows, worker_and_sink

pytestmark = pytest.mark.integration

TEN_MB = 10 * 1024 * 1024


def _variant(entry: RawEntry, **changes: object) -> bytes:
    return json.dumps({**json.loads(entry.model_dump_json()), **changes}).encode("utf-8")


def _without(entry: RawEntry, field: str) -> bytes:
    data = json.loads(entry.model_dump_json())
    del data[field]
    return json.dumps(data).encode("utf-8")


# key -> (value from a good entry, expected error type); one per category of issue 6.
BAD: dict[str, tuple[Callable[[RawEntry], bytes], str]] = {
    "malformed-json": (lambda e: e.model_dump_json().encode()[:-7], "invalid_json"),
    "not-an-object": (lambda e: b'["an", "array"]', "not_an_object"),
    "wrong-type": (lambda e: _variant(e, position="first"), "validation_error"),
    "missing-field": (lambda e: _without(e, "event_time"), "validation_error"),
    "unknown-version": (lambda e: _variant(e, schema_version=2), "unknown_schema_version"),
    "invalid-utf8": (lambda e: b"\xff\xfe" + e.model_dump_json().encode(), "invalid_utf8"),
    "ten-mb-text": (lambda e: _variant(e, paragraphs=["word " * (TEN_MB // 5)]), "too_large"),
    "empty-text": (lambda e: _variant(e, paragraphs=[""]), "validation_error"),
    "no-paragraphs": (lambda e: _variant(e, paragraphs=[]), "validation_error"),
    "control-chars": (lambda e: _variant(e, headline="Talks\x00 end\x1b[2J"), "validation_error"),
    "empty-value": (lambda e: b"", "invalid_json"),
}


def _wait_for_dead_letters(settings: Settings, count: int, timeout_s: float = 120) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while True:
        dead = rows(settings, "dead_letters")
        if len(dead) >= count or time.monotonic() > deadline:
            return dead
        time.sleep(0.25)  # polling interval of the condition above


def _send_interleaved(settings: Settings, good: list[RawEntry], bad: dict[str, bytes]) -> None:
    """good, bad, good, bad, ...: a bad event must not hold up the good ones after it."""
    topic = RAW_ENTRIES.full_name(settings.topic_prefix)
    events = [(e.entry_id, e.model_dump_json().encode()) for e in good]
    mixed = [x for pair in zip_longest(events, bad.items()) for x in pair if x is not None]
    producer = create_producer(settings)
    try:
        futures = [producer.send(topic, key=key.encode(), value=value) for key, value in mixed]
        producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=30)  # the broker took every event, the 10 MB one included
    finally:
        producer.close(timeout=10)


def test_bad_events_are_dead_lettered_and_good_ones_processed(settings: Settings) -> None:
    good = read_entries(SEEDS)[:8]
    bad = {key: make(good[0]) for key, (make, _) in BAD.items()}

    with worker_and_sink(settings) as children:
        _send_interleaved(settings, good, bad)
        wait_until_processed(settings, {e.entry_id for e in good}, children, timeout_s=180)
        dead = _wait_for_dead_letters(settings, len(bad))
        assert all(child.proc.poll() is None for child in children), "a process stopped"

    by_key = {base64.b64decode(d["key_base64"]).decode(): d for d in dead}
    assert set(by_key) == set(bad)
    for key, (_, error_type) in BAD.items():
        letter = by_key[key]
        assert (letter["error_type"], letter["stage"]) == (error_type, "validate_entries"), key
        assert letter["reason"].strip(), key
        assert letter["value_sha256"] == hashlib.sha256(bad[key]).hexdigest(), key
        if not letter["value_truncated"]:
            assert base64.b64decode(letter["value_base64"]) == bad[key], key
    assert by_key["ten-mb-text"]["value_truncated"]
    assert by_key["ten-mb-text"]["value_size"] == len(bad["ten-mb-text"]) > TEN_MB
    verdicts = {v["entry_id"] for v in rows(settings, "entry_verdicts")}
    assert verdicts == {e.entry_id for e in good}
