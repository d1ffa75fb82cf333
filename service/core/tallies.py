"""Folds that build table rows from quote occurrences: canonical quotes and speaker tallies.

Whether an occurrence is new (to be counted) is decided by the agent, from an event-time
windowed record of the occurrences seen and the input offset each row last applied, so that
an occurrence delivered twice (at-least-once delivery) is counted once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.quotes import MAX_OUTLETS, MAX_REPORTS, CanonicalQuote, QuoteOccurrence, QuoteReport
from schemas.speakers import RecentQuote, SpeakerUpdate, WindowCount

LATEST_QUOTES = 5
MAX_WINDOWS = 60


def add_occurrence(
    quote: CanonicalQuote | None, occ: QuoteOccurrence, *, new: bool = True
) -> CanonicalQuote:
    """Record one report of a quote. A new occurrence is counted; a known one (a repeated
    paragraph in another entry, or the same event delivered again) only adds where it was
    reported. Whether it is new is the caller's to know (the row keeps no list of them)."""
    report = QuoteReport(entry_id=occ.entry_id, outlet=occ.outlet, event_time=occ.event_time)
    if quote is None:
        return CanonicalQuote(
            quote_id=occ.quote_id,
            text=occ.text,
            kind=occ.kind,
            speaker=occ.speaker,
            speaker_id=occ.speaker_id,
            occurrences=1,
            reports=[report],
            outlets=[occ.outlet],
            first_seen=occ.event_time,
            last_seen=occ.event_time,
            corrected=occ.corrected,
        )
    # The earliest report's wording is the canonical text, whatever order reports arrive in
    # (ties broken by the text itself, so equal times cannot depend on arrival order).
    earliest = (occ.event_time, occ.text) < (quote.first_seen, quote.text)
    return quote.model_copy(
        update={
            "text": occ.text if earliest else quote.text,
            "kind": occ.kind if earliest else quote.kind,
            "speaker": _fuller_name(quote.speaker, occ.speaker),
            "occurrences": quote.occurrences + (1 if new else 0),
            "reports": _earliest_reports(quote.reports, report),
            "outlets": sorted({*quote.outlets, occ.outlet})[:MAX_OUTLETS],
            "first_seen": min(quote.first_seen, occ.event_time),
            "last_seen": max(quote.last_seen, occ.event_time),
            "corrected": quote.corrected or occ.corrected,
        }
    )


def retract_occurrence(
    quote: CanonicalQuote, occ: QuoteOccurrence, *, uncount: bool
) -> CanonicalQuote | None:
    """An entry no longer reports `occ` (its new version dropped it): its report goes, and
    the occurrence's count when no entry carries it any more (`uncount`, the caller's to
    know). None: the quote has no occurrence left.

    Outlets and first/last seen are recomputed from the reports while they are all known
    (fewer than MAX_REPORTS); past that they keep what they were."""
    occurrences = quote.occurrences - (1 if uncount else 0)
    if occurrences <= 0:
        return None
    reports = [r for r in quote.reports if r.entry_id != occ.entry_id]
    update: dict[str, object] = {"occurrences": occurrences, "reports": reports, "corrected": True}
    if reports and len(quote.reports) < MAX_REPORTS:
        update |= {
            "outlets": sorted({r.outlet for r in reports}),
            "first_seen": min(r.event_time for r in reports),
            "last_seen": max(r.event_time for r in reports),
        }
    return quote.model_copy(update=update)


def settled_marks(marks: list[list], offset: int, applied: int, by: int) -> list[list]:
    """The "already counted" marks that stand, given the input `offset` being processed and
    the last offset its row `applied`; item `by` of a mark is the offset that counted it.

    A mark and its row go to two changelogs, and a kill can land between the two writes: a
    mark this very event wrote, for a row that never applied it, is no count yet."""
    if offset <= applied:
        return marks
    return [m for m in marks if m[by] != offset]


def _earliest_reports(reports: list[QuoteReport], report: QuoteReport) -> list[QuoteReport]:
    """The earliest MAX_REPORTS entries of all seen: the same set in any arrival order."""
    if any(r.entry_id == report.entry_id for r in reports):
        return reports
    merged = sorted([*reports, report], key=lambda r: (r.event_time, r.entry_id))
    return merged[:MAX_REPORTS]


def _fuller_name(a: str | None, b: str | None) -> str | None:
    """The longer name is the fuller one ("Vladimir Putin" over "Putin"); ties alphabetical."""
    names = [n for n in (a, b) if n]
    return max(names, key=lambda n: (len(n), n)) if names else None


def window_start(moment: datetime, window_s: float) -> datetime:
    epoch = moment.timestamp()
    return datetime.fromtimestamp(epoch - epoch % window_s, tz=UTC)


def _add_to_windows(
    windows: list[WindowCount], moment: datetime, window_s: float, delta: int = 1
) -> list[WindowCount]:
    start = window_start(moment, window_s)
    counts = {w.start: w for w in windows}
    current = counts.get(start)
    occurrences = (current.occurrences if current else 0) + delta
    if occurrences > 0:
        counts[start] = WindowCount(
            start=start, end=start + timedelta(seconds=window_s), occurrences=occurrences
        )
    else:
        counts.pop(start, None)
    return [counts[k] for k in sorted(counts)][-MAX_WINDOWS:]


def move_occurrence(
    tally: SpeakerUpdate, counted_at: datetime, earliest: datetime, window_s: float
) -> SpeakerUpdate:
    """An occurrence counted at `counted_at` turned out to have an earlier report, at
    `earliest`: its count moves to the earlier report's window. Counting every occurrence at
    its earliest report makes windows independent of the order in which copies arrive."""
    windows = _add_to_windows(tally.windows, counted_at, window_s, delta=-1)
    return tally.model_copy(update={"windows": _add_to_windows(windows, earliest, window_s)})


def _recent(latest: list[RecentQuote], occ: QuoteOccurrence) -> list[RecentQuote]:
    """Top quotes by their latest report time. A function of the set of reports seen, not of
    their arrival order, so every partitioning and replay gives the same list."""
    mine = RecentQuote(
        quote_id=occ.quote_id,
        text=occ.text,
        event_time=occ.event_time,
        outlet=occ.outlet,
        entry_id=occ.entry_id,
    )
    by_quote = {q.quote_id: q for q in latest}
    held = by_quote.get(occ.quote_id)
    if held is None or (mine.event_time, mine.entry_id) > (held.event_time, held.entry_id):
        by_quote[occ.quote_id] = mine
    ranked = sorted(by_quote.values(), key=lambda q: (q.event_time, q.quote_id), reverse=True)
    return ranked[:LATEST_QUOTES]


def add_to_tally(
    tally: SpeakerUpdate | None,
    occ: QuoteOccurrence,
    *,
    count: bool,
    new_quote: bool,
    window_s: float,
) -> SpeakerUpdate:
    """Fold one report of a quote into its speaker's tally.

    Counts (occurrences, distinct quotes, windows) change only when `count` is set: the caller
    guarantees each occurrence is counted once. Everything else (outlets, first/last seen,
    recent quotes) is a set-like merge, so every report of an occurrence may pass through.
    """
    if occ.speaker_id is None or occ.speaker is None:
        raise ValueError("only attributed occurrences are tallied")
    if tally is None:
        tally = SpeakerUpdate(
            speaker_id=occ.speaker_id,
            speaker=occ.speaker,
            speaker_type=occ.speaker_type,
            distinct_quotes=0,
            occurrences=0,
            first_seen=occ.event_time,
            last_seen=occ.event_time,
            outlets=[],
            latest_quotes=[],
            windows=[],
            surname_key=occ.surname_key,
        )
    counts: dict[str, object] = {}
    if count:
        counts = {
            "distinct_quotes": tally.distinct_quotes + (1 if new_quote else 0),
            "occurrences": tally.occurrences + 1,
            "windows": _add_to_windows(tally.windows, occ.event_time, window_s),
        }
    name = _fuller_name(tally.speaker, occ.speaker) or tally.speaker
    return tally.model_copy(
        update={
            "speaker": name,
            "first_seen": min(tally.first_seen, occ.event_time),
            "last_seen": max(tally.last_seen, occ.event_time),
            "outlets": sorted({*tally.outlets, occ.outlet}),
            "latest_quotes": _recent(tally.latest_quotes, occ),
            "surname_key": tally.surname_key or occ.surname_key,
            **counts,
        }
    )


def take_back(
    tally: SpeakerUpdate,
    occ: QuoteOccurrence,
    *,
    counted_at: datetime,
    quote_gone: bool,
    window_s: float,
) -> SpeakerUpdate:
    """Take one counted occurrence back (no entry reports it any more): its count, its window
    (where it was counted), and the quote itself when `quote_gone` (no occurrence left)."""
    latest = tally.latest_quotes
    if quote_gone:
        latest = [q for q in latest if q.quote_id != occ.quote_id]
    return tally.model_copy(
        update={
            "occurrences": max(0, tally.occurrences - 1),
            "distinct_quotes": max(0, tally.distinct_quotes - (1 if quote_gone else 0)),
            "windows": _add_to_windows(tally.windows, counted_at, window_s, delta=-1),
            "latest_quotes": latest,
        }
    )


def merge_tallies(tally: SpeakerUpdate, other: SpeakerUpdate) -> SpeakerUpdate:
    """`tally` with another id's counts added (a surname-only row resolved to this speaker).

    Each input counted its occurrences once under its own id; the sum is the same whatever
    order either was built in. Recent quotes: the newest of both (each already holds the
    newest of its own, so the newest of the union are among them)."""
    by_quote = {q.quote_id: q for q in tally.latest_quotes}
    for quote in other.latest_quotes:
        held = by_quote.get(quote.quote_id)
        if held is None or (quote.event_time, quote.entry_id) > (held.event_time, held.entry_id):
            by_quote[quote.quote_id] = quote
    latest = sorted(by_quote.values(), key=lambda q: (q.event_time, q.quote_id), reverse=True)
    windows = {w.start: w for w in tally.windows}
    for window in other.windows:
        held_window = windows.get(window.start)
        if held_window is not None:
            window = window.model_copy(
                update={"occurrences": held_window.occurrences + window.occurrences}
            )
        windows[window.start] = window
    return tally.model_copy(
        update={
            "distinct_quotes": tally.distinct_quotes + other.distinct_quotes,
            "occurrences": tally.occurrences + other.occurrences,
            "first_seen": min(tally.first_seen, other.first_seen),
            "last_seen": max(tally.last_seen, other.last_seen),
            "outlets": sorted({*tally.outlets, *other.outlets}),
            "latest_quotes": latest[:LATEST_QUOTES],
            "windows": [windows[k] for k in sorted(windows)][-MAX_WINDOWS:],
        }
    )
