"""Folds that build table rows from quote occurrences: canonical quotes and speaker tallies.

Both folds are idempotent by occurrence id where the row can remember it, so that an occurrence
delivered twice (at-least-once delivery) is counted once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.quotes import CanonicalQuote, QuoteOccurrence
from schemas.speakers import SpeakerUpdate, WindowCount

LATEST_QUOTES = 5
MAX_WINDOWS = 60


def add_occurrence(quote: CanonicalQuote | None, occ: QuoteOccurrence) -> CanonicalQuote:
    """Record one occurrence of a quote. An occurrence already recorded is not counted again,
    but the entry that carried it is linked (a repeated paragraph in another entry)."""
    if quote is None:
        return CanonicalQuote(
            quote_id=occ.quote_id,
            text=occ.text,
            kind=occ.kind,
            speaker=occ.speaker,
            speaker_id=occ.speaker_id,
            occurrences=1,
            occurrence_ids=[occ.occurrence_id],
            entry_ids=[occ.entry_id],
            outlets=[occ.outlet],
            first_seen=occ.event_time,
            last_seen=occ.event_time,
        )
    known = occ.occurrence_id in quote.occurrence_ids
    # The earliest report's wording is the canonical text, whatever order reports arrive in.
    earliest = occ.event_time < quote.first_seen
    ids = quote.occurrence_ids if known else [*quote.occurrence_ids, occ.occurrence_id]
    return quote.model_copy(
        update={
            "text": occ.text if earliest else quote.text,
            "occurrences": len(ids),
            "occurrence_ids": ids,
            "entry_ids": sorted({*quote.entry_ids, occ.entry_id}),
            "outlets": sorted({*quote.outlets, occ.outlet}),
            "first_seen": min(quote.first_seen, occ.event_time),
            "last_seen": max(quote.last_seen, occ.event_time),
        }
    )


def is_first_occurrence(quote: CanonicalQuote, occ: QuoteOccurrence) -> bool:
    """True for the occurrence that introduced the quote: it adds a distinct quote to a tally."""
    return quote.occurrence_ids[0] == occ.occurrence_id


def window_start(moment: datetime, window_s: float) -> datetime:
    epoch = moment.timestamp()
    return datetime.fromtimestamp(epoch - epoch % window_s, tz=UTC)


def _add_to_windows(
    windows: list[WindowCount], moment: datetime, window_s: float
) -> list[WindowCount]:
    start = window_start(moment, window_s)
    counts = {w.start: w for w in windows}
    current = counts.get(start)
    counts[start] = WindowCount(
        start=start,
        end=start + timedelta(seconds=window_s),
        occurrences=(current.occurrences if current else 0) + 1,
    )
    return [counts[k] for k in sorted(counts)][-MAX_WINDOWS:]


def add_to_tally(
    tally: SpeakerUpdate | None, occ: QuoteOccurrence, *, new_quote: bool, window_s: float
) -> SpeakerUpdate:
    """Count one occurrence for its speaker (the caller guarantees it was not counted before)."""
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
        )
    latest = tally.latest_quotes
    if new_quote and occ.event_time >= tally.last_seen:
        latest = [occ.text, *latest][:LATEST_QUOTES]
    elif new_quote and len(latest) < LATEST_QUOTES:
        latest = [*latest, occ.text]
    return tally.model_copy(
        update={
            # A longer name is the fuller one ("Vladimir Putin" over "Putin").
            "speaker": occ.speaker if len(occ.speaker) > len(tally.speaker) else tally.speaker,
            "distinct_quotes": tally.distinct_quotes + (1 if new_quote else 0),
            "occurrences": tally.occurrences + 1,
            "first_seen": min(tally.first_seen, occ.event_time),
            "last_seen": max(tally.last_seen, occ.event_time),
            "outlets": sorted({*tally.outlets, occ.outlet}),
            "latest_quotes": latest,
            "windows": _add_to_windows(tally.windows, occ.event_time, window_s),
        }
    )
