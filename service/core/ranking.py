"""Rankings and pages of the query API, and their query parameters: pure functions.

A ranked list spans every worker. Each worker ranks the speakers it holds and returns its top
`offset + limit` (a share); the worker answering the request merges the shares and cuts the
page. Any speaker on the global page is within the top `offset + limit` of its own worker, so
the merge is exact. Every worker ranks at the same `as_of` (the latest event time any of them
has seen), so "the current window" means the same window everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from schemas.api import (
    ApiError,
    QuotePage,
    QuoteShare,
    QuotesQuery,
    RankedSpeaker,
    SeriesAxis,
    ShareQuery,
    SpeakerDetail,
    SpeakerPage,
    SpeakerShare,
    SpeakersQuery,
    WindowInfo,
    WindowKind,
    WindowSeries,
)
from schemas.quotes import CanonicalQuote
from schemas.speakers import SpeakerSeries, SpeakerUpdate
from service.core.windows import (
    SeriesSpecs,
    WindowSpec,
    recent_counts,
    series_start,
    stored_windows,
    window_count,
)

Q = TypeVar("Q", bound=BaseModel)


class BadQuery(ValueError):
    """Query parameters that cannot be answered; the message says why."""


def parse_query(model: type[Q], params: Iterable[tuple[str, str]]) -> Q:
    """Validate query parameters (given as pairs, so repeats can be told apart)."""
    values: dict[str, str] = {}
    for name, value in params:
        if name in values:
            raise BadQuery(f"parameter {name!r} is given more than once")
        values[name] = value
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False):
            where = ".".join(str(p) for p in err["loc"]) or "query"
            msg = "unknown parameter" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{where}: {msg}")
        raise BadQuery("; ".join(problems)) from exc


def error_body(status: int, error: str, detail: str) -> ApiError:
    return ApiError(status=status, error=error, detail=detail)


def series_spec(kind: WindowKind, specs: SeriesSpecs) -> WindowSpec:
    """The windows a series is drawn from: the ranked kind, hopping when ranking by total."""
    return specs.tumbling if kind is WindowKind.TUMBLING else specs.hopping


def check_points(query: SpeakersQuery, specs: SeriesSpecs) -> None:
    """A series longer than the windows kept would be padded with made-up zeros."""
    limit = series_spec(query.window, specs).max_points
    if query.points > limit:
        raise BadQuery(f"points: at most {limit} windows of this kind are kept")


def window_info(kind: WindowKind, specs: SeriesSpecs, as_of: datetime | None) -> WindowInfo:
    if kind is WindowKind.TOTAL:
        return WindowInfo(kind=kind)
    spec = series_spec(kind, specs)
    info = WindowInfo(kind=kind, size_s=spec.size_s, step_s=spec.step_s, grace_s=spec.grace_s)
    if as_of is None:
        return info
    start = series_start(spec, as_of, 1)
    return info.model_copy(update={"start": start, "end": start + timedelta(seconds=spec.size_s)})


def series_axis(query: SpeakersQuery, specs: SeriesSpecs, as_of: datetime | None) -> SeriesAxis:
    spec = series_spec(query.window, specs)
    kind = WindowKind.TUMBLING if spec is specs.tumbling else WindowKind.HOPPING
    return SeriesAxis(
        kind=kind,
        size_s=spec.size_s,
        step_s=spec.step_s,
        first_start=series_start(spec, as_of, query.points) if as_of else None,
        points=query.points,
    )


def latest_time(times: Iterable[datetime | None]) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def speaker_row(
    update: SpeakerUpdate,
    series: SpeakerSeries | None,
    query: SpeakersQuery,
    specs: SeriesSpecs,
    as_of: datetime,
) -> RankedSpeaker:
    """One speaker as a ranking row (rank 1 until the list is ranked)."""
    spec = series_spec(query.window, specs)
    counts = (series.tumbling if spec is specs.tumbling else series.hopping) if series else {}
    in_window = (
        update.occurrences
        if query.window is WindowKind.TOTAL
        else window_count(counts, spec, as_of)
    )
    return RankedSpeaker(
        rank=1,
        speaker_id=update.speaker_id,
        speaker=update.speaker,
        speaker_type=update.speaker_type,
        occurrences=update.occurrences,
        distinct_quotes=update.distinct_quotes,
        window_occurrences=in_window,
        first_seen=update.first_seen,
        last_seen=update.last_seen,
        outlets=update.outlets,
        series=recent_counts(counts, spec, as_of, query.points),
    )


def rank_key(row: RankedSpeaker) -> tuple[int, int, int, str]:
    return (-row.window_occurrences, -row.occurrences, -row.distinct_quotes, row.speaker_id)


def ranked(rows: Iterable[RankedSpeaker], start: int = 0) -> list[RankedSpeaker]:
    """Rows sorted by rank_key and numbered from start + 1."""
    ordered = sorted(rows, key=rank_key)
    return [r.model_copy(update={"rank": start + i + 1}) for i, r in enumerate(ordered)]


def speaker_share(
    worker: str,
    held: Iterable[tuple[SpeakerUpdate, SpeakerSeries | None]],
    query: ShareQuery,
    specs: SeriesSpecs,
) -> SpeakerShare:
    """This worker's top `offset + limit` speakers, ranked at the query's as_of. A speaker
    whose every quote was retracted (a corrected attribution) is no longer ranked."""
    pairs = [(u, s) for u, s in held if u.occurrences > 0]
    as_of = query.as_of or latest_time(u.last_seen for u, _ in pairs)
    if as_of is None:
        return SpeakerShare(worker=worker, total=0, items=[])
    rows = ranked(speaker_row(u, s, query, specs, as_of) for u, s in pairs)
    return SpeakerShare(worker=worker, total=len(rows), items=rows[: query.offset + query.limit])


def speaker_page(
    shares: Sequence[SpeakerShare],
    query: SpeakersQuery,
    specs: SeriesSpecs,
    as_of: datetime | None,
) -> SpeakerPage:
    """The requested page of the merged ranking."""
    everything = ranked(row for share in shares for row in share.items)
    page = everything[query.offset : query.offset + query.limit]
    return SpeakerPage(
        as_of=as_of,
        window=window_info(query.window, specs, as_of),
        series=series_axis(query, specs, as_of),
        total=sum(share.total for share in shares),
        offset=query.offset,
        limit=query.limit,
        items=page,
    )


def _quote_key(quote: CanonicalQuote) -> tuple[float, str]:
    return (-quote.last_seen.timestamp(), quote.quote_id)


def matches(quote: CanonicalQuote, query: QuotesQuery) -> bool:
    if query.speaker is not None and quote.speaker_id != query.speaker:
        return False
    return query.since is None or quote.last_seen >= query.since


def quote_share(worker: str, held: Iterable[CanonicalQuote], query: QuotesQuery) -> QuoteShare:
    """This worker's top `offset + limit` matching quotes, most recently reported first."""
    found = sorted((q for q in held if matches(q, query)), key=_quote_key)
    return QuoteShare(worker=worker, total=len(found), items=found[: query.offset + query.limit])


def quote_page(shares: Sequence[QuoteShare], query: QuotesQuery) -> QuotePage:
    merged = sorted((q for share in shares for q in share.items), key=_quote_key)
    return QuotePage(
        speaker=query.speaker,
        since=query.since,
        total=sum(share.total for share in shares),
        offset=query.offset,
        limit=query.limit,
        items=merged[query.offset : query.offset + query.limit],
    )


def window_series(kind: WindowKind, spec: WindowSpec, counts: dict[float, int]) -> WindowSeries:
    return WindowSeries(
        kind=kind,
        size_s=spec.size_s,
        step_s=spec.step_s,
        grace_s=spec.grace_s,
        expires_s=spec.expires_s,
        windows=stored_windows(counts, spec),
    )


def speaker_detail(
    update: SpeakerUpdate, series: SpeakerSeries | None, specs: SeriesSpecs, served_by: str
) -> SpeakerDetail:
    return SpeakerDetail(
        speaker_id=update.speaker_id,
        speaker=update.speaker,
        speaker_type=update.speaker_type,
        distinct_quotes=update.distinct_quotes,
        occurrences=update.occurrences,
        first_seen=update.first_seen,
        last_seen=update.last_seen,
        outlets=update.outlets,
        latest_quotes=update.latest_quotes,
        late_reports=series.late if series else 0,
        hopping=window_series(WindowKind.HOPPING, specs.hopping, series.hopping if series else {}),
        tumbling=window_series(
            WindowKind.TUMBLING, specs.tumbling, series.tumbling if series else {}
        ),
        served_by=served_by,
        resolved=update.resolved,
        resolved_to=update.resolved_to,
        merged_from=update.merged_from,
        candidates=update.candidates,
    )
