"""Where followed entries go: raw-entries, each remembered on the compacted follow-state topic
once the broker has acknowledged it; or, with --print, JSON lines on stdout (remembered in
memory for that run only)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Protocol, TextIO

import structlog
from pydantic import ValidationError

from schemas.entries import RawEntry
from schemas.follow import FollowState
from schemas.topics import FOLLOW_STATE, RAW_ENTRIES
from service.follow.state import Published
from service.kafka.retry import call_with_retry
from service.kafka.topic_reader import read_topic
from service.replay.producer import Event, send_events
from service.settings import Settings

log = structlog.get_logger(__name__)


class Publisher(Protocol):
    published: Published

    def publish(self, entries: Sequence[RawEntry]) -> None:
        """Send the entries; once sent for good, remember each in `published`."""


class PrintPublisher:
    """RawEntry JSON lines on a stream (no broker); remembered for this run only."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.published = Published()

    def publish(self, entries: Sequence[RawEntry]) -> None:
        for entry in entries:
            self.out.write(entry.model_dump_json() + "\n")
        self.out.flush()
        now = datetime.now(UTC)
        for entry in entries:
            self.published.remember(FollowState.of(entry, now))


class KafkaPublisher:
    """Entries onto raw-entries (key = entry id, timestamp = event time); then, once every one
    is acknowledged, their versions onto follow-state. A crash in between publishes those
    entries again after a restart: the pipeline processes entries idempotently by id and
    version, so a repeat changes nothing, where a lost entry would be lost for good."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.published = Published(read_follow_state(settings))
        log.info("follow_state_loaded", entries=len(self.published))

    def publish(self, entries: Sequence[RawEntry]) -> None:
        if not entries:
            return
        prefix = self.settings.topic_prefix
        send_events(
            self.settings, RAW_ENTRIES.full_name(prefix), [_entry_event(e) for e in entries]
        )
        now = datetime.now(UTC)
        states = [FollowState.of(e, now) for e in entries]
        send_events(
            self.settings, FOLLOW_STATE.full_name(prefix), [_state_event(s) for s in states]
        )
        for state in states:
            self.published.remember(state)


def _entry_event(entry: RawEntry) -> Event:
    timestamp = int(entry.event_time.timestamp() * 1000)
    return Event(entry.entry_id.encode(), entry.model_dump_json().encode(), timestamp)


def _state_event(state: FollowState) -> Event:
    return Event(state.entry_id.encode(), state.model_dump_json().encode())


def read_follow_state(settings: Settings) -> list[FollowState]:
    """Every record of the follow-state topic, read to its end now (no consumer group)."""
    return call_with_retry(settings, "reading follow state", lambda: list(_read(settings)))


def _read(settings: Settings) -> Iterator[FollowState]:
    topic = FOLLOW_STATE.full_name(settings.topic_prefix)
    for record in read_topic(settings, topic, "liveblog-follow-state"):
        if record.value is None:
            continue  # a tombstone: nothing remembered
        try:
            yield FollowState.model_validate_json(record.value)
        except ValidationError:
            log.warning("follow_state_unreadable", partition=record.partition, offset=record.offset)
