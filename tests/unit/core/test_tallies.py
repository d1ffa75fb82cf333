"""service.core.tallies: canonical quotes and speaker tallies folded from quote occurrences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.quotes import MAX_REPORTS, CanonicalQuote, QuoteKind, QuoteOccurrence
from schemas.speakers import SpeakerUpdate
from service.core.tallies import (
    LATEST_QUOTES,
    add_occurrence,
    add_to_tally,
    move_occurrence,
)

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)
DAY = 86_400.0


def occurrence(
    occurrence_id: str,
    *,
    minutes: float = 0,
    quote_id: str = "q:1",
    entry_id: str | None = None,
    outlet: str = "Example Times",
    text: str = "We will not give up",
    speaker: str | None = "Vladimir Putin",
    speaker_id: str | None = "vladimir-putin",
) -> QuoteOccurrence:
    return QuoteOccurrence(
        occurrence_id=occurrence_id,
        quote_id=quote_id,
        entry_id=entry_id or f"entry-{occurrence_id}",
        document_id="doc",
        outlet=outlet,
        event_time=T0 + timedelta(minutes=minutes),
        text=text,
        start=0,
        end=len(text),
        kind=QuoteKind.FULL,
        speaker=speaker,
        speaker_id=speaker_id,
    )


def fold_quote(*occurrences: QuoteOccurrence) -> CanonicalQuote:
    """As the agent folds them: an occurrence id seen before is not new."""
    quote: CanonicalQuote | None = None
    seen: set[str] = set()
    for occ in occurrences:
        quote = add_occurrence(quote, occ, new=occ.occurrence_id not in seen)
        seen.add(occ.occurrence_id)
    assert quote is not None
    return quote


def entries(quote: CanonicalQuote) -> list[str]:
    return [r.entry_id for r in quote.reports]


def tally_of(*occurrences: QuoteOccurrence, window_s: float = DAY) -> SpeakerUpdate:
    """Count each occurrence once; an occurrence is a new quote when its quote_id is new."""
    tally: SpeakerUpdate | None = None
    seen: set[str] = set()
    for occ in occurrences:
        tally = add_to_tally(
            tally, occ, count=True, new_quote=occ.quote_id not in seen, window_s=window_s
        )
        seen.add(occ.quote_id)
    assert tally is not None
    return tally


# --- add_occurrence -------------------------------------------------------------------------


def test_first_occurrence_creates_the_canonical_quote() -> None:
    occ = occurrence("o:1", outlet="Reuters")

    quote = add_occurrence(None, occ)

    assert (quote.quote_id, quote.text, quote.speaker_id) == ("q:1", occ.text, "vladimir-putin")
    assert quote.occurrences == 1
    assert entries(quote) == [occ.entry_id]
    assert quote.outlets == ["Reuters"]
    assert quote.first_seen == quote.last_seen == occ.event_time


def test_each_new_occurrence_is_counted() -> None:
    quote = fold_quote(occurrence("o:1"), occurrence("o:2", minutes=5), occurrence("o:3"))

    assert quote.occurrences == 3
    assert entries(quote) == ["entry-o:1", "entry-o:3", "entry-o:2"]  # by event time, then id


def test_occurrence_already_recorded_is_not_counted_twice() -> None:
    once = fold_quote(occurrence("o:1"), occurrence("o:2", minutes=5))

    twice = add_occurrence(once, occurrence("o:2", minutes=5), new=False)

    assert twice == once


def test_known_occurrence_in_a_new_entry_links_the_entry_and_outlet_without_counting() -> None:
    first = fold_quote(occurrence("o:1", entry_id="blog-1", outlet="NYT"))

    again = add_occurrence(
        first, occurrence("o:1", minutes=30, entry_id="copy-1", outlet="Syn"), new=False
    )

    assert again.occurrences == 1
    assert entries(again) == ["blog-1", "copy-1"]
    assert again.outlets == ["NYT", "Syn"]


def test_reports_and_outlets_stay_sorted_and_unique() -> None:
    quote = fold_quote(
        occurrence("o:1", entry_id="z", outlet="Zeta"),
        occurrence("o:2", entry_id="a", outlet="Alpha"),
        occurrence("o:3", entry_id="z", outlet="Zeta"),
    )

    assert entries(quote) == ["a", "z"]
    assert quote.outlets == ["Alpha", "Zeta"]


def test_a_quote_reported_everywhere_keeps_its_earliest_reports_and_every_count() -> None:
    arrivals = [occurrence(f"o:{n}", minutes=-n, entry_id=f"e{n:04d}") for n in range(300)]

    quote = fold_quote(*arrivals)

    assert quote.occurrences == 300
    assert entries(quote) == [f"e{n:04d}" for n in range(299, 299 - MAX_REPORTS, -1)]


def test_earliest_wording_is_the_text_even_when_it_arrives_last() -> None:
    later = occurrence("o:2", minutes=60, text="we will NOT give up")
    earlier = occurrence("o:1", minutes=0, text="We will not give up")

    quote = fold_quote(later, earlier)

    assert quote.text == "We will not give up"


def test_first_and_last_seen_span_all_occurrences_whatever_the_order() -> None:
    quote = fold_quote(
        occurrence("o:2", minutes=30), occurrence("o:3", minutes=90), occurrence("o:1", minutes=0)
    )

    assert quote.first_seen == T0
    assert quote.last_seen == T0 + timedelta(minutes=90)


ARRIVALS = [
    occurrence("o:1", minutes=0, text="We will not give up", outlet="A", entry_id="e1"),
    occurrence("o:2", minutes=15, text="we will not give up!", outlet="B", entry_id="e2"),
    occurrence("o:3", minutes=40, text="We will not give up.", outlet="A", entry_id="e3"),
    occurrence("o:2", minutes=15, text="we will not give up!", outlet="C", entry_id="e4"),
    occurrence("o:4", minutes=-5, text="WE will not give up", outlet="D", entry_id="e5"),
]


@settings(max_examples=60, deadline=None)
@given(st.permutations(ARRIVALS))
def test_canonical_quote_does_not_depend_on_arrival_order(
    arrivals: list[QuoteOccurrence],
) -> None:
    quote = fold_quote(*arrivals)

    assert quote == fold_quote(*ARRIVALS)
    assert quote.text == "WE will not give up"


def test_canonical_text_for_simultaneous_reports_does_not_depend_on_arrival_order() -> None:
    a = occurrence("o:1", minutes=0, text="We will not give up", entry_id="e1")
    b = occurrence("o:2", minutes=0, text="we will NOT give up", entry_id="e2")

    one_way, other_way = fold_quote(a, b), fold_quote(b, a)

    assert one_way.text == other_way.text


# --- add_to_tally ---------------------------------------------------------------------------


def test_first_counted_occurrence_starts_the_speaker_tally() -> None:
    occ = occurrence("o:1", outlet="Reuters")

    tally = add_to_tally(None, occ, count=True, new_quote=True, window_s=DAY)

    assert (tally.speaker_id, tally.speaker) == ("vladimir-putin", "Vladimir Putin")
    assert (tally.occurrences, tally.distinct_quotes) == (1, 1)
    assert tally.outlets == ["Reuters"]
    assert tally.first_seen == tally.last_seen == occ.event_time


def test_tally_counts_occurrences_and_distinct_quotes_separately() -> None:
    tally = tally_of(
        occurrence("o:1", quote_id="q:1"),
        occurrence("o:2", quote_id="q:1", minutes=5),
        occurrence("o:3", quote_id="q:2", minutes=10, text="The talks are over"),
    )

    assert tally.occurrences == 3
    assert tally.distinct_quotes == 2


def test_report_not_to_be_counted_changes_no_counts() -> None:
    tally = tally_of(occurrence("o:1"))

    again = add_to_tally(
        tally, occurrence("o:1", outlet="Other"), count=False, new_quote=False, window_s=DAY
    )

    assert (again.occurrences, again.distinct_quotes) == (1, 1)
    assert again.windows == tally.windows
    assert again.outlets == ["Example Times", "Other"]


def test_events_within_one_window_share_it() -> None:
    tally = tally_of(occurrence("o:1", minutes=0), occurrence("o:2", minutes=60))

    assert [w.occurrences for w in tally.windows] == [2]


def test_events_25_hours_apart_land_in_two_daily_windows() -> None:
    tally = tally_of(occurrence("o:1", minutes=0), occurrence("o:2", minutes=25 * 60))

    assert [w.occurrences for w in tally.windows] == [1, 1]
    assert all(w.end - w.start == timedelta(days=1) for w in tally.windows)
    assert tally.windows[0].end <= tally.windows[1].start


def test_windows_are_tumbling_aligned_to_the_window_size() -> None:
    tally = tally_of(occurrence("o:1", minutes=17), window_s=3600)

    window = tally.windows[0]
    assert window.start <= T0 + timedelta(minutes=17) < window.end
    assert window.start.timestamp() % 3600 == 0


def test_windows_are_kept_oldest_first_whatever_the_arrival_order() -> None:
    tally = tally_of(occurrence("o:2", minutes=3 * 24 * 60), occurrence("o:1", minutes=0))

    starts = [w.start for w in tally.windows]
    assert starts == sorted(starts)
    assert len(starts) == 2


def test_outlets_are_sorted_and_unique() -> None:
    tally = tally_of(
        occurrence("o:1", outlet="Zeta"),
        occurrence("o:2", outlet="Alpha"),
        occurrence("o:3", outlet="Zeta"),
    )

    assert tally.outlets == ["Alpha", "Zeta"]


def test_fuller_speaker_name_wins() -> None:
    tally = tally_of(
        occurrence("o:1", speaker="Putin"), occurrence("o:2", speaker="Vladimir Putin")
    )

    assert tally.speaker == "Vladimir Putin"


def test_latest_quotes_hold_at_most_five_newest_first() -> None:
    occs = [
        occurrence(f"o:{i}", quote_id=f"q:{i}", minutes=i * 10, text=f"Quote number {i}")
        for i in range(LATEST_QUOTES + 3)
    ]

    tally = tally_of(*occs)

    texts = [q.text for q in tally.latest_quotes]
    assert len(texts) == LATEST_QUOTES
    assert texts == [f"Quote number {i}" for i in reversed(range(3, LATEST_QUOTES + 3))]


def test_an_older_quote_arriving_late_does_not_push_out_newer_ones() -> None:
    newer = [
        occurrence(f"o:{i}", quote_id=f"q:{i}", minutes=100 + i, text=f"Newer {i}")
        for i in range(LATEST_QUOTES)
    ]
    old = occurrence("o:old", quote_id="q:old", minutes=0, text="Old quote")

    tally = tally_of(*newer, old)

    assert "Old quote" not in [q.text for q in tally.latest_quotes]
    assert tally.first_seen == T0


@pytest.mark.parametrize(("speaker", "speaker_id"), [(None, None), ("Putin", None), (None, "p")])
def test_unattributed_occurrence_cannot_be_tallied(
    speaker: str | None, speaker_id: str | None
) -> None:
    occ = occurrence("o:1", speaker=speaker, speaker_id=speaker_id)

    with pytest.raises(ValueError, match="attributed"):
        add_to_tally(None, occ, count=True, new_quote=True, window_s=DAY)


def test_moving_an_occurrence_to_its_earlier_report_gives_the_in_order_windows() -> None:
    early, late = occurrence("o:1", minutes=0), occurrence("o:1", minutes=25 * 60)
    in_order = tally_of(early)
    counted_late = tally_of(late)

    moved = move_occurrence(counted_late, late.event_time, early.event_time, DAY)

    assert moved.windows == in_order.windows
    assert moved.occurrences == in_order.occurrences == 1


def test_moving_within_one_window_changes_nothing() -> None:
    tally = tally_of(occurrence("o:1", minutes=30), occurrence("o:2", minutes=40))

    moved = move_occurrence(tally, T0 + timedelta(minutes=40), T0 + timedelta(minutes=10), DAY)

    assert moved.windows == tally.windows
