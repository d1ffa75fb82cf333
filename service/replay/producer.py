"""Publish entries to raw-entries with kafka-python: key = entry id, timestamp = event time."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import structlog
from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError
from kafka.producer.future import FutureRecordMetadata
from tenacity import RetryError
from tqdm import tqdm

from schemas.entries import RawEntry
from schemas.topics import RAW_ENTRIES
from service.kafka.config import kafka_python_config
from service.kafka.retry import call_with_retry, gave_up, retrying, unreachable
from service.replay.schedule import Pacing, send_offsets
from service.settings import Settings

log = structlog.get_logger(__name__)

FLUSH_STEP_S = 5.0


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
        max_block_ms=10_000,  # send() blocks at most this long; the retry layer reports it
    )


@dataclass(frozen=True)
class Event:
    key: bytes | None
    value: bytes
    timestamp_ms: int | None = None
    partition: int | None = None  # None: the key's partition


Sent = list[tuple[Event, FutureRecordMetadata]]


def publish(
    settings: Settings,
    entries: Sequence[RawEntry],
    pacing: Pacing,
    *,
    raw_payloads: Iterable[tuple[bytes | None, bytes]] = (),
    progress: bool | None = None,
) -> int:
    """Send the entries on schedule (plus any raw key/value pairs, e.g. for testing bad input).

    An unreachable broker is waited out (and reported) for Settings.broker_retry_timeout_s;
    events the producer gave up on are sent again. Returns the number of events sent; raises
    BrokerUnavailable after that time, or the error of an event the broker refused.
    """
    topic = RAW_ENTRIES.full_name(settings.topic_prefix)
    producer = call_with_retry(
        settings, "connecting the replay producer", lambda: create_producer(settings)
    )
    show = sys.stderr.isatty() if progress is None else progress
    due = send_offsets([e.event_time for e in entries], pacing)
    start = time.monotonic()
    sent: Sent = []
    try:
        for entry, at in tqdm(
            list(zip(entries, due, strict=True)), desc="replay", unit="entry", disable=not show
        ):
            delay = start + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the replay itself, not waiting for a result
            sent.append(_send(settings, producer, topic, _event(entry)))
        for key, value in raw_payloads:
            sent.append(_send(settings, producer, topic, Event(key, value)))
        _deliver(settings, producer, topic, sent)
    finally:
        producer.close(timeout=10)
    log.info(
        "replay_done", topic=topic, events=len(sent), seconds=round(time.monotonic() - start, 3)
    )
    return len(sent)


def send_events(settings: Settings, topic: str, events: Sequence[Event]) -> int:
    """Send events as they are to `topic` and wait until the broker took each (retried as in
    publish); returns the number sent."""
    producer = call_with_retry(
        settings, "connecting the producer", lambda: create_producer(settings)
    )
    try:
        _deliver(settings, producer, topic, [_send(settings, producer, topic, e) for e in events])
    finally:
        producer.close(timeout=10)
    return len(events)


def _event(entry: RawEntry) -> Event:
    return Event(
        entry.entry_id.encode("utf-8"),
        entry.model_dump_json().encode("utf-8"),
        int(entry.event_time.timestamp() * 1000),
    )


def _send(
    settings: Settings, producer: KafkaProducer, topic: str, event: Event
) -> tuple[Event, FutureRecordMetadata]:
    future = call_with_retry(
        settings,
        "sending an event",
        lambda: producer.send(
            topic,
            key=event.key,
            value=event.value,
            timestamp_ms=event.timestamp_ms,
            partition=event.partition,
        ),
    )
    return event, future


def _deliver(settings: Settings, producer: KafkaProducer, topic: str, sent: Sent) -> None:
    """Until every event is acknowledged. The same event may be written twice when the broker
    took it but its answer was lost: entries are processed idempotently by id."""
    try:
        for attempt in retrying(settings, "delivering the replay"):
            with attempt:
                _flush(producer, [future for _, future in sent])
                failed = [(event, f.exception) for event, f in sent if f.failed()]
                if failed:
                    error = failed[0][1]
                    if not unreachable(error):
                        raise error  # refused for good (e.g. too large): no retry helps
                    sent = [_send(settings, producer, topic, event) for event, _ in failed]
                    raise error
    except RetryError as exc:
        raise gave_up(settings, "delivering the replay", exc) from exc.last_attempt.exception()


def _flush(producer: KafkaProducer, futures: list[FutureRecordMetadata]) -> None:
    """Flush; a step without any acknowledgement counts as a failed attempt (so the wait for an
    unreachable broker is reported), a step with progress just goes on."""
    done = sum(f.is_done for f in futures)
    while True:
        try:
            producer.flush(timeout=FLUSH_STEP_S)
            return
        except KafkaTimeoutError:
            now = sum(f.is_done for f in futures)
            if now == done:
                raise KafkaTimeoutError(
                    f"{len(futures) - now} events unacknowledged for {FLUSH_STEP_S:.0f}s"
                ) from None
            done = now
