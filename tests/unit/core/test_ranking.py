"""service.core.ranking: query parameters, rankings, windows, pages, and merging shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.api import QuotesQuery, ShareQuery, SpeakersQuery, WindowKind
from schemas.quotes import CanonicalQuote, QuoteKind, QuoteReport
from schemas.speakers import SpeakerSeries, SpeakerUpdate
from service.core.ranking import (
    BadQuery,
    check_points,
    parse_query,
    quote_page,
    quote_share,
    speaker_page,
    speaker_share,
)
from service.core.windows import SeriesSpecs, WindowSpec, add_to_series

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)
SPECS = SeriesSpecs(
    hopping=WindowSpec(3_600, 300, grace_s=3_600, expires_s=86_400),
    tumbling=WindowSpec(86_400, 86_400, grace_s=3_600, expires_s=7 * 86_400),
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def speaker(
    speaker_id: str, *minutes: float, distinct: int = 1
) -> tuple[SpeakerUpdate, SpeakerSeries]:
    """A speaker with one counted report at each of `minutes` (after T0)."""
    series: SpeakerSeries | None = None
    for offset, m in enumerate(minutes):
        series = add_to_series(series, speaker_id, at(m), offset, SPECS)
    assert series is not None
    update = SpeakerUpdate(
        speaker_id=speaker_id,
        speaker=speaker_id.title(),
        distinct_quotes=distinct,
        occurrences=len(minutes),
        first_seen=at(min(minutes)),
        last_seen=at(max(minutes)),
        outlets=["Example Times"],
        latest_quotes=[],
        windows=[],
    )
    return update, series


# Putin is quoted most overall, but Zelensky most in the last hour before 14:00.
HELD = [
    speaker("putin", 0, 5, 10, 15, 20),
    speaker("zelensky", 110, 115, 120),
    speaker("trump", 30, 119),
    speaker("peskov", 45, 50, distinct=2),
]


def page(query: SpeakersQuery, *shares_of: list) -> list[str]:
    as_of = max(u.last_seen for held in shares_of for u, _ in held)
    shares = [
        speaker_share(f"w{i}", held, ShareQuery(**query.model_dump(), as_of=as_of), SPECS)
        for i, held in enumerate(shares_of)
    ]
    result = speaker_page(shares, query, SPECS, as_of)
    return [f"{r.rank}:{r.speaker_id}" for r in result.items]


# --- parameters -----------------------------------------------------------------------------


def test_defaults_rank_by_total_twenty_per_page() -> None:
    query = parse_query(SpeakersQuery, [])

    assert (query.window, query.limit, query.offset) == (WindowKind.TOTAL, 20, 0)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([("limit", "0")], "limit"),
        ([("limit", "101")], "limit"),
        ([("limit", "ten")], "limit"),
        ([("offset", "-1")], "offset"),
        ([("window", "weekly")], "window"),
        ([("sort", "name")], "sort: unknown parameter"),
        ([("limit", "3"), ("limit", "4")], "more than once"),
    ],
)
def test_bad_speaker_parameters_are_rejected_with_the_reason(
    params: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(BadQuery, match=message):
        parse_query(SpeakersQuery, params)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([("since", "2025-03-13T12:00:00")], "since"),  # no time zone: ambiguous
        ([("since", "yesterday")], "since"),
        ([("speaker", "no spaces allowed")], "speaker"),
    ],
)
def test_bad_quote_parameters_are_rejected(params: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(BadQuery, match=message):
        parse_query(QuotesQuery, params)


def test_a_series_longer_than_the_windows_kept_is_rejected() -> None:
    check_points(SpeakersQuery(window=WindowKind.HOPPING, points=300), SPECS)
    with pytest.raises(BadQuery, match="at most 300"):
        check_points(SpeakersQuery(window=WindowKind.HOPPING, points=301), SPECS)
    with pytest.raises(BadQuery, match="at most 8"):
        check_points(SpeakersQuery(window=WindowKind.TUMBLING, points=9), SPECS)


# --- rankings -------------------------------------------------------------------------------


def test_total_ranks_by_occurrences_then_distinct_quotes_then_id() -> None:
    assert page(SpeakersQuery(), HELD) == ["1:putin", "2:zelensky", "3:peskov", "4:trump"]


def test_hopping_ranks_by_the_last_hour_before_as_of() -> None:
    # as_of 14:00 (Zelensky's last report): the current window is [13:05, 14:05).
    ranking = page(SpeakersQuery(window=WindowKind.HOPPING), HELD)

    assert ranking[:2] == ["1:zelensky", "2:trump"]


def test_pages_continue_the_ranks() -> None:
    assert page(SpeakersQuery(limit=2, offset=1), HELD) == ["2:zelensky", "3:peskov"]


def test_the_series_counts_consecutive_windows_up_to_as_of() -> None:
    query = SpeakersQuery(window=WindowKind.HOPPING, points=3)
    as_of = at(120)
    share = speaker_share("w", HELD, ShareQuery(**query.model_dump(), as_of=as_of), SPECS)

    result = speaker_page([share], query, SPECS, as_of)

    zelensky = next(r for r in result.items if r.speaker_id == "zelensky")
    # Windows [12:55, 13:55), [13:00, 14:00), [13:05, 14:05): 13:50 and 13:55 fall in all
    # that contain them, 14:00 only in the last.
    assert zelensky.series == [1, 2, 3]
    assert result.series.first_start == at(55)
    assert (result.window.start, result.window.end) == (at(65), at(125))


def test_a_speaker_whose_every_quote_was_retracted_is_not_ranked() -> None:
    retracted, _ = speaker("whitlow", 10)
    held = [*HELD, (retracted.model_copy(update={"occurrences": 0, "distinct_quotes": 0}), None)]

    share = speaker_share("w", held, ShareQuery(as_of=at(120)), SPECS)

    assert "whitlow" not in [r.speaker_id for r in share.items]
    assert share.total == len(HELD)


def test_an_empty_cluster_gives_an_empty_page() -> None:
    share = speaker_share("w", [], ShareQuery(), SPECS)

    result = speaker_page([share], SpeakersQuery(), SPECS, None)

    assert (result.total, result.items, result.as_of) == (0, [], None)


@given(
    st.lists(st.sampled_from([0, 1]), min_size=len(HELD), max_size=len(HELD)),
    st.sampled_from(list(WindowKind)),
    st.integers(1, 4),
    st.integers(0, 4),
)
def test_shares_from_two_workers_merge_into_the_single_worker_ranking(
    owners: list[int], window: WindowKind, limit: int, offset: int
) -> None:
    query = SpeakersQuery(window=window, limit=limit, offset=offset)
    split = [[h for h, o in zip(HELD, owners, strict=True) if o == w] for w in (0, 1)]

    assert page(query, *split) == page(query, HELD)


# --- quotes ---------------------------------------------------------------------------------


def quote(quote_id: str, speaker_id: str, minutes: float) -> CanonicalQuote:
    return CanonicalQuote(
        quote_id=quote_id,
        text=f"words of {quote_id}",
        kind=QuoteKind.FULL,
        speaker=speaker_id.title(),
        speaker_id=speaker_id,
        occurrences=1,
        reports=[QuoteReport(entry_id="e", outlet="Example Times", event_time=at(minutes))],
        outlets=["Example Times"],
        first_seen=at(minutes),
        last_seen=at(minutes),
    )


QUOTES = [quote("q1", "putin", 0), quote("q2", "putin", 30), quote("q3", "trump", 20)]


def test_quotes_filter_by_speaker_and_since_newest_first() -> None:
    query = QuotesQuery(speaker="putin", since=at(0))

    result = quote_page([quote_share("w", QUOTES, query)], query)

    assert [q.quote_id for q in result.items] == ["q2", "q1"]
    assert result.total == 2


def test_quote_pages_merge_across_workers() -> None:
    query = QuotesQuery(limit=2, offset=1)
    shares = [quote_share("a", QUOTES[:1], query), quote_share("b", QUOTES[1:], query)]

    result = quote_page(shares, query)

    assert [q.quote_id for q in result.items] == ["q3", "q1"]
    assert result.total == 3
