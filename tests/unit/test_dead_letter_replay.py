"""service.replay.dead_letters: which dead letters a replay re-sends, and how one is listed."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.dead_letters import DeadLetter
from service.replay.dead_letters import describe, select

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)


def letter(
    value: bytes = b'{"entry_id": "e1"}',
    *,
    stage: str = "validate_entries",
    at: datetime = T0,
    offset: int = 0,
) -> DeadLetter:
    return DeadLetter.of(
        source_topic="liveblog.raw-entries",
        partition=0,
        offset=offset,
        key=b"e1",
        value=value,
        stage=stage,
        error_type="processing_error",
        reason="TimeoutError: no answer\nin time",
        failed_at=at,
    )


def test_since_keeps_the_letters_that_failed_at_or_after_it() -> None:
    early, on_time, late = letter(b"1", at=T0.replace(hour=11)), letter(b"2"), letter(b"3")

    chosen = select(
        [early, on_time, late.model_copy(update={"failed_at": T0.replace(hour=13)})], since=T0
    )

    assert [d.value_preview for d in chosen] == ["2", "3"]


def test_stage_keeps_the_letters_of_that_stage() -> None:
    letters = [letter(b"1"), letter(b"2", stage="gather_verdicts")]

    chosen = select(letters, stage="gather_verdicts")

    assert [d.value_preview for d in chosen] == ["2"]


def test_an_event_dead_lettered_twice_is_re_sent_once() -> None:
    letters = [letter(offset=3), letter(offset=9, at=T0.replace(hour=14))]

    chosen = select(letters)

    assert [d.offset for d in chosen] == [3]


def test_a_letter_is_described_in_one_line() -> None:
    line = describe(letter())

    assert line == (
        "2025-03-13T12:00:00+00:00  validate_entries  processing_error  permanent/1  "
        "liveblog.raw-entries:0:0  TimeoutError: no answer in time"
    )
