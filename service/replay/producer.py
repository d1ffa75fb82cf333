"""Publish entries to raw-entries with kafka-python: key = entry id, timestamp = event time."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence

import structlog
from kafka import KafkaProducer
from tqdm import tqdm

from schemas.entries import RawEntry
from schemas.topics import RAW_ENTRIES
from service.kafka_config import kafka_python_config
from service.replay.schedule import Pacing, send_offsets
from service.settings import Settings

log = structlog.get_logger(__name__)


def create_producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(
        **kafka_python_config(settings),
        client_id="liveblog-replay",
        acks="all",
        retries=10,
        retry_backoff_ms=200,
        linger_ms=10,
        max_request_size=settings.max_message_bytes,
        max_in_flight_requests_per_connection=1,  # keep per-partition order across retries
    )


def publish(
    settings: Settings,
    entries: Sequence[RawEntry],
    pacing: Pacing,
    *,
    raw_payloads: Iterable[tuple[bytes | None, bytes]] = (),
    progress: bool | None = None,
) -> int:
    """Send the entries on schedule (plus any raw key/value pairs, e.g. for testing bad input).

    Returns the number of events sent; raises if any send failed after retries.
    """
    topic = RAW_ENTRIES.full_name(settings.topic_prefix)
    producer = create_producer(settings)
    show = sys.stderr.isatty() if progress is None else progress
    due = send_offsets([e.event_time for e in entries], pacing)
    start = time.monotonic()
    futures = []
    try:
        for entry, at in tqdm(
            list(zip(entries, due, strict=True)), desc="replay", unit="entry", disable=not show
        ):
            delay = start + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the replay itself, not waiting for a result
            futures.append(
                producer.send(
                    topic,
                    key=entry.entry_id.encode("utf-8"),
                    value=entry.model_dump_json().encode("utf-8"),
                    timestamp_ms=int(entry.event_time.timestamp() * 1000),
                )
            )
        for key, value in raw_payloads:
            futures.append(producer.send(topic, key=key, value=value))
        producer.flush()
        for future in futures:
            future.get(timeout=30)  # surfaces any delivery error
    finally:
        producer.close(timeout=10)
    log.info(
        "replay_done", topic=topic, events=len(futures), seconds=round(time.monotonic() - start, 3)
    )
    return len(futures)
