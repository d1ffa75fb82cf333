"""Which entries carry each quote occurrence, from its reports and retractions: whether it
counts, and which report is its earliest.

An occurrence (one quote in one paragraph's wording) can be carried by several entries: a
repeated paragraph, a syndicated copy. It counts while at least one entry carries it; an
entry's new version that no longer has it retracts that entry's report only.

The worker keeps this as a mark per occurrence and event-time window (a JSON object):
{"entries": {entry id: [event time (epoch s), start, end, paragraph index or -1, document
id, outlet, input offset, carried (1) or retracted (0)]}}. Marks of several windows merge
entry by entry, the record with the larger input offset winning, so a retraction outlives
the report it takes back and a later report outlives the retraction, in whichever window
each was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas.quotes import MAX_REPORTS, QuoteOccurrence

Record = list[Any]  # see the module docstring
_OFFSET, _CARRIED = 6, 7


@dataclass(frozen=True)
class OccurrenceStep:
    """What one report or retraction of an occurrence changes.

    count: +1 the occurrence counts from now, -1 its count is taken back, 0 neither.
    publish: the row to publish on `quotes` (its earliest report); None: publish none.
    withdrawn: no entry carries it any more (a tombstone on `quotes`).
    mark: the mark to store; None: the stored marks stand.
    """

    count: int
    publish: QuoteOccurrence | None
    withdrawn: bool
    mark: dict[str, Any] | None


def _record(occ: QuoteOccurrence, offset: int, carried: bool) -> Record:
    index = -1 if occ.paragraph_index is None else occ.paragraph_index
    at = occ.event_time.timestamp()
    return [at, occ.start, occ.end, index, occ.document_id, occ.outlet, offset, int(carried)]


def merged(marks: Iterable[Mapping[str, Any] | list[Any]]) -> dict[str, Record]:
    """Every entry's latest record over the marks of all windows read."""
    entries: dict[str, Record] = {}
    for mark in marks:
        for entry_id, record in _entries_of(mark).items():
            held = entries.get(entry_id)
            if held is None or record[_OFFSET] > held[_OFFSET]:
                entries[entry_id] = record
    return entries


def _entries_of(mark: Mapping[str, Any] | list[Any]) -> Mapping[str, Record]:
    # A mark of the earlier format, [event time, entry id, start, counting offset], named only
    # the earliest report: that entry carries it (its end, paragraph and outlet unknown).
    if isinstance(mark, list):
        at, entry_id, start, offset = mark[:4]
        return {entry_id: [at, start, None, None, None, None, offset, 1]}
    return mark.get("entries", {})


def _as_before(entries: dict[str, Record], offset: int, applied: int) -> dict[str, Record]:
    """The records as they were before the event at `offset`. A record this very event wrote,
    for a row that never applied it (a kill between the two writes), is no change yet."""
    if offset <= applied:
        return entries
    return {
        entry_id: [*record[:_CARRIED], 1 - record[_CARRIED]]
        if record[_OFFSET] == offset
        else record
        for entry_id, record in entries.items()
    }


def _carriers(entries: Mapping[str, Record]) -> list[tuple[float, str, int]]:
    """(event time, entry id, start) of each entry that carries it, earliest first."""
    return sorted((r[0], e, r[1]) for e, r in entries.items() if r[_CARRIED])


def _bounded(entries: dict[str, Record]) -> dict[str, Record]:
    """At most MAX_REPORTS carriers (the earliest) and as many retractions are remembered."""
    carried = sorted((r[0], e) for e, r in entries.items() if r[_CARRIED])[:MAX_REPORTS]
    gone = sorted(((r[_OFFSET], e) for e, r in entries.items() if not r[_CARRIED]), reverse=True)
    keep = {e for _, e in carried} | {e for _, e in gone[:MAX_REPORTS]}
    return {e: entries[e] for e in sorted(keep)}


def report(
    marks: Iterable[Mapping[str, Any] | list[Any]], occ: QuoteOccurrence, offset: int, applied: int
) -> OccurrenceStep:
    """An entry reports the occurrence (input `offset`; its row last applied `applied`).

    The report is published when it is the earliest so far, or is the earliest sent again (a
    replay re-sends the row, which a kill may have lost between storing the mark and sending)."""
    stored = merged(marks)
    before = _as_before(stored, offset, applied)
    after = {**before, occ.entry_id: _record(occ, offset, carried=True)}
    held = before.get(occ.entry_id)
    if held is not None and held[_CARRIED] and held[:2] <= after[occ.entry_id][:2]:
        after[occ.entry_id] = held  # already carried (a replay, or a second copy in the entry)
    earliest = _carriers(after)[0]
    publish = occ if earliest[1:] == (occ.entry_id, occ.start) else None
    return _step(before, after, stored, offset, applied, publish)


def retract(
    marks: Iterable[Mapping[str, Any] | list[Any]], occ: QuoteOccurrence, offset: int, applied: int
) -> OccurrenceStep:
    """An entry's new version no longer carries the occurrence (`occ`: its old report)."""
    stored = merged(marks)
    before = _as_before(stored, offset, applied)
    held = before.get(occ.entry_id)
    after = dict(before)
    if held is not None and held[_CARRIED]:
        after[occ.entry_id] = [*held[:_OFFSET], offset, 0]
    carriers = _carriers(after)
    publish = None
    # A replay sends the row again, as report() does: a kill may have lost it.
    if carriers and (offset <= applied or _carriers(before)[:1] != carriers[:1]):
        publish = _earliest_report(occ, carriers[0][1], after[carriers[0][1]])
    return _step(before, after, stored, offset, applied, publish)


def _step(
    before: dict[str, Record],
    after: dict[str, Record],
    stored: dict[str, Record],
    offset: int,
    applied: int,
    publish: QuoteOccurrence | None,
) -> OccurrenceStep:
    was, now = bool(_carriers(before)), bool(_carriers(after))
    count = (int(now) - int(was)) if offset > applied else 0
    bounded = _bounded(after)
    mark = {"entries": bounded} if bounded != stored else None
    return OccurrenceStep(count=count, publish=publish, withdrawn=not now, mark=mark)


def _earliest_report(template: QuoteOccurrence, entry_id: str, record: Record) -> QuoteOccurrence:
    """Another entry's report of the same occurrence: the same words, speaker and paragraph
    wording, in that entry, at its own time and place."""
    at, start, end, paragraph, document_id, outlet = record[:6]
    if end is None:  # a mark of the earlier format: where in the entry is not known
        return template.model_copy(update={"entry_id": entry_id, "event_time": _at(at)})
    return template.model_copy(
        update={
            "entry_id": entry_id,
            "event_time": _at(at),
            "start": start,
            "end": end,
            "paragraph_index": None if paragraph < 0 else paragraph,
            "document_id": document_id,
            "outlet": outlet,
        }
    )


def _at(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)
