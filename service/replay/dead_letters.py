"""Dead letters: read them back from their topic, choose some, and re-send their events.

After the cause of a failure is fixed, `liveblog dead-letters replay` sends each chosen event
again, key and value as they were, to the partition of the topic it was read from, so the same
stage takes it up again. Every stage is idempotent by id, so replaying is too: an event that
was processed in the meantime changes nothing, and one that fails again is dead-lettered again.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import structlog
from pydantic import ValidationError

from schemas.dead_letters import DeadLetter
from schemas.topics import DEAD_LETTERS
from service.kafka.retry import call_with_retry
from service.kafka.topic_reader import read_topic
from service.replay.producer import Event, send_events
from service.settings import Settings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Replayed:
    sent: int
    skipped_truncated: int  # only the head of those events was kept: they cannot be re-sent


def read_dead_letters(settings: Settings) -> list[DeadLetter]:
    """Every dead letter on the topic now, oldest first per partition (no consumer group)."""
    return call_with_retry(settings, "reading dead letters", lambda: list(_read(settings)))


def _read(settings: Settings) -> Iterator[DeadLetter]:
    topic = DEAD_LETTERS.full_name(settings.topic_prefix)
    for record in read_topic(settings, topic, "liveblog-dead-letters"):
        yield from _decoded(record.value, record.partition, record.offset)


def _decoded(value: bytes, partition: int, offset: int) -> list[DeadLetter]:
    try:
        return [DeadLetter.model_validate_json(value)]
    except ValidationError:  # not a dead letter (written by hand?): nothing to re-send
        log.warning("dead_letter_unreadable", partition=partition, offset=offset)
        return []


def select(
    letters: Iterable[DeadLetter], *, since: datetime | None = None, stage: str | None = None
) -> list[DeadLetter]:
    """The letters that failed at or after `since` in `stage`, each original event once (the
    same event may have been dead-lettered more than once: redelivered, or replayed before)."""
    chosen: dict[tuple[str, str | None, str | None], DeadLetter] = {}
    for letter in letters:
        if since is not None and letter.failed_at < since:
            continue
        if stage is not None and letter.stage != stage:
            continue
        chosen.setdefault((letter.source_topic, letter.key_base64, letter.value_sha256), letter)
    return list(chosen.values())


def replay_dead_letters(settings: Settings, letters: Iterable[DeadLetter]) -> Replayed:
    """Send each letter's event again to the partition it was read from; wait for the acks."""
    letters = list(letters)
    whole = [letter for letter in letters if not letter.value_truncated]
    for topic, batch in _by_topic(whole).items():
        send_events(settings, topic, [_event(letter) for letter in batch])
    log.info("dead_letters_replayed", sent=len(whole), skipped=len(letters) - len(whole))
    return Replayed(len(whole), len(letters) - len(whole))


def _by_topic(letters: list[DeadLetter]) -> dict[str, list[DeadLetter]]:
    topics: dict[str, list[DeadLetter]] = {}
    for letter in letters:
        topics.setdefault(letter.source_topic, []).append(letter)
    return topics


def _event(letter: DeadLetter) -> Event:
    key = base64.b64decode(letter.key_base64) if letter.key_base64 is not None else None
    # Its own partition: dedup probes are sent to the shard that owns them, not by key.
    return Event(key, letter.original_value(), partition=letter.partition)


def describe(letter: DeadLetter) -> str:
    """One line for a person: when, which stage, what kind of failure (permanent or transient,
    and after how many tries), where the event was read, and why."""
    reason = " ".join(letter.reason.split())[:160]
    return (
        f"{letter.failed_at.isoformat()}  {letter.stage}  {letter.error_type}  "
        f"{letter.failure.value}/{letter.attempts}  "
        f"{letter.source_topic}:{letter.partition}:{letter.offset}  {reason}"
    )
