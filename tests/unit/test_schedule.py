"""service.replay.schedule: when each replayed event is due, and looped passes for load tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.entries import DocumentKind, RawEntry
from service.replay.schedule import Pacing, PacingMode, looped, send_offsets
from service.replay.source import read_entries

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)


def times(*minutes: float) -> list[datetime]:
    return [T0 + timedelta(minutes=m) for m in minutes]


def entry(entry_id: str, minutes: float) -> RawEntry:
    return RawEntry(
        entry_id=entry_id,
        document_id="doc",
        outlet="Example Times",
        kind=DocumentKind.LIVEBLOG,
        position=0,
        event_time=T0 + timedelta(minutes=minutes),
        paragraphs=[f"Paragraph of {entry_id}."],
    )


# --- send_offsets ---------------------------------------------------------------------------


def test_fast_pacing_sends_everything_at_once() -> None:
    offsets = send_offsets(times(0, 30, 5), Pacing())

    assert offsets == [0.0, 0.0, 0.0]


def test_fixed_rate_spaces_events_evenly() -> None:
    offsets = send_offsets(times(0, 0, 90, 1), Pacing(PacingMode.RATE, rate=4))

    assert offsets == [0.0, 0.25, 0.5, 0.75]


def test_realtime_replays_event_time_gaps() -> None:
    offsets = send_offsets(times(0, 1, 3), Pacing(PacingMode.REALTIME))

    assert offsets == [0.0, 60.0, 180.0]


def test_realtime_divides_gaps_by_the_speedup() -> None:
    offsets = send_offsets(times(0, 1, 3), Pacing(PacingMode.REALTIME, speedup=60))

    assert offsets == pytest.approx([0.0, 1.0, 3.0])


def test_realtime_sends_out_of_order_events_at_once_rather_than_in_the_past() -> None:
    offsets = send_offsets(times(10, 0, 12), Pacing(PacingMode.REALTIME, speedup=2))

    assert offsets == [0.0, 0.0, 60.0]


@pytest.mark.parametrize("mode", list(PacingMode))
def test_no_events_means_no_offsets(mode: PacingMode) -> None:
    pacing = Pacing(mode, rate=1.0 if mode is PacingMode.RATE else None)

    assert send_offsets([], pacing) == []


@pytest.mark.parametrize("rate", [None, 0, -1.5])
def test_fixed_rate_without_a_positive_rate_is_rejected(rate: float | None) -> None:
    with pytest.raises(ValueError, match="rate"):
        Pacing(PacingMode.RATE, rate=rate)


@pytest.mark.parametrize("speedup", [0, -2])
def test_non_positive_speedup_is_rejected(speedup: float) -> None:
    with pytest.raises(ValueError, match="speed-up"):
        Pacing(PacingMode.REALTIME, speedup=speedup)


# --- looped ---------------------------------------------------------------------------------


def test_one_loop_is_the_entries_unchanged() -> None:
    entries = [entry("a", 0), entry("b", 10)]

    assert list(looped(entries, 1)) == entries


def test_first_pass_comes_first_and_unchanged() -> None:
    entries = [entry("a", 0), entry("b", 10)]

    out = list(looped(entries, 3))

    assert out[:2] == entries
    assert len(out) == 6


def test_later_passes_get_fresh_unique_ids() -> None:
    entries = [entry("a", 0), entry("b", 10)]

    out = list(looped(entries, 3))

    assert len({e.entry_id for e in out}) == len(out)
    assert len({e.document_id for e in out[2:]} & {e.document_id for e in entries}) == 0


def test_later_passes_are_shifted_after_the_previous_pass() -> None:
    entries = [entry("a", 0), entry("b", 10)]

    out = list(looped(entries, 3))

    passes = [out[0:2], out[2:4], out[4:6]]
    for before, after in itertools.pairwise(passes):
        assert min(e.event_time for e in after) > max(e.event_time for e in before)
        gaps = [b.event_time - a.event_time for a, b in zip(before, after, strict=True)]
        assert len(set(gaps)) == 1


def test_looped_copies_keep_their_content() -> None:
    entries = [entry("a", 0)]

    _, copy = list(looped(entries, 2))

    assert copy.paragraphs == entries[0].paragraphs
    assert copy.outlet == entries[0].outlet


def test_looping_zero_times_is_rejected() -> None:
    with pytest.raises(ValueError, match="loops"):
        list(looped([entry("a", 0)], 0))


def test_looping_no_entries_gives_none() -> None:
    assert list(looped([], 3)) == []


def test_looped_entries_are_valid_raw_entries() -> None:
    entries = read_entries(Path(__file__).resolve().parents[2] / "seeds")[:3]

    out = list(looped(entries, 2))

    for entry in out:
        assert RawEntry.model_validate_json(entry.model_dump_json()) == entry
