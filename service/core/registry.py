"""Resolve surname-only speakers across documents: the people known per surname, and the views
of a surname's speakers that are published.

A document that names someone only by surname gives the unresolved id "surname:whitlow"
(service/core/speakers.py). The stream keeps, per surname, the set of full names it has seen
(`SpeakerRegistryRow`), and every speaker's raw tally stays under its own id. What is published
is a view, a pure function of that set and the raw rows of the surname's ids:

- exactly one full name known ("dana-whitlow"): its view is its raw row plus the raw row of
  "surname:whitlow", and the surname row is published marked `resolved_to: dana-whitlow`;
- none or several: the surname row is published unresolved (`resolved: false`, the known ids
  as `candidates`), and every full name's view is its own raw row.

Two people are never merged: a surname-only mention is given to a full name only while that
name is the only one known with the surname, and full names are never merged with each other.
Nothing here depends on arrival order or Kafka offsets: the set of names and the raw rows are
order-independent, so every partitioning of the stream ends with the same views, and a second
full name arriving late un-merges the surname row as if it had come first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from schemas.speakers import (
    MAX_KNOWN_SPEAKERS,
    KnownSpeaker,
    SpeakerRegistryRow,
    SpeakerSeries,
    SpeakerUpdate,
)
from service.core.speakers import UNRESOLVED_PREFIX, is_resolved
from service.core.tallies import merge_tallies
from service.core.windows import merge_series


def unresolved_id(surname_key: str) -> str:
    """The surname-only id of a surname key ("whitlow" -> "surname:whitlow"): also the key the
    surname's speakers travel under and the key of its registry row."""
    return f"{UNRESOLVED_PREFIX}{surname_key}"


def route_key(speaker_id: str, surname_key: str | None) -> str:
    """The key a speaker's mentions travel under: a person's surname group, else its own id.
    Everyone of one surname is then tallied on one partition, next to the registry row."""
    return unresolved_id(surname_key) if surname_key else speaker_id


def route_candidates(speaker_id: str) -> list[str]:
    """Keys one of which `route_key` gave for this speaker, for a reader that knows only the id.

    A surname-only id is its own key. A full name's id ends with its surname key after a
    hyphen ("ursula-von-der-leyen" -> "von-der-leyen"), so every hyphen suffix is a candidate;
    an organisation's id is its own key."""
    if not is_resolved(speaker_id) or ":" in speaker_id:
        return [speaker_id]
    parts = speaker_id.split("-")
    suffixes = ["-".join(parts[i:]) for i in range(1, len(parts))]
    return [*(unresolved_id(s) for s in suffixes if s), unresolved_id(speaker_id), speaker_id]


def learn(
    row: SpeakerRegistryRow | None, surname_key: str, speaker_id: str, name: str
) -> SpeakerRegistryRow:
    """The row with a full name added (a set: idempotent, and the same in any order).

    The display name kept is the fullest seen (more characters, then alphabetical), so it too
    is independent of order. Past MAX_KNOWN_SPEAKERS the least ids are kept: a surname with
    that many people is ambiguous either way."""
    known = {person.speaker_id: person for person in (row.known if row else [])}
    held = known.get(speaker_id)
    if held is None or (len(name), name) > (len(held.speaker), held.speaker):
        known[speaker_id] = KnownSpeaker(speaker_id=speaker_id, speaker=name)
    kept = [known[i] for i in sorted(known)][:MAX_KNOWN_SPEAKERS]
    return SpeakerRegistryRow(surname_key=surname_key, known=kept)


def after_mention(
    row: SpeakerRegistryRow | None, surname_key: str, speaker_id: str, name: str | None
) -> SpeakerRegistryRow | None:
    """The registry row of a surname after a mention of one of its speakers: a full name is
    learned, a surname alone teaches nothing."""
    if speaker_id == unresolved_id(surname_key):
        return row
    return learn(row, surname_key, speaker_id, name or speaker_id)


def sole_person(row: SpeakerRegistryRow | None) -> str | None:
    """The id a surname-only mention resolves to: the one full name known, or None."""
    if row is None or len(row.known) != 1:
        return None
    return row.known[0].speaker_id


def _candidates(row: SpeakerRegistryRow | None) -> list[str]:
    return [person.speaker_id for person in row.known] if row else []


def tally_view(
    speaker_id: str, row: SpeakerRegistryRow | None, raw: Mapping[str, SpeakerUpdate]
) -> SpeakerUpdate | None:
    """The published row of `speaker_id` (None: no raw row yet).

    `row`: the registry row of the speaker's surname (None for organisations or when no full
    name is known); `raw`: raw rows by id, at least the speaker's own and, for a full name,
    its surname-only id's."""
    own = raw.get(speaker_id)
    if own is None:
        return None
    key = own.surname_key
    if key is None:  # an organisation (or a row from before surname keys): nothing to resolve
        return _marked(own, resolved=is_resolved(speaker_id))
    surname_only = unresolved_id(key)
    sole = sole_person(row)
    if speaker_id == surname_only:
        if sole is not None:
            return _marked(own, resolved=True, resolved_to=sole)
        return _marked(own, resolved=False, candidates=_candidates(row))
    merged = _marked(own, resolved=True)
    extra = raw.get(surname_only)
    if sole == speaker_id and extra is not None:
        return merge_tallies(merged, extra).model_copy(update={"merged_from": [surname_only]})
    return merged


def _marked(
    own: SpeakerUpdate,
    *,
    resolved: bool,
    resolved_to: str | None = None,
    candidates: list[str] | None = None,
) -> SpeakerUpdate:
    """A raw row with the registry's verdict on it (whatever an older view carried)."""
    return own.model_copy(
        update={
            "resolved": resolved,
            "resolved_to": resolved_to,
            "merged_from": [],
            "candidates": candidates or [],
        }
    )


def series_view(
    speaker_id: str,
    surname_key: str | None,
    row: SpeakerRegistryRow | None,
    raw: Mapping[str, SpeakerSeries],
) -> SpeakerSeries | None:
    """The event-time windows served for `speaker_id`, merged as `tally_view` merges counts."""
    own = raw.get(speaker_id)
    if surname_key is None or speaker_id == unresolved_id(surname_key):
        return own
    extra = raw.get(unresolved_id(surname_key))
    if sole_person(row) != speaker_id or extra is None:
        return own
    if own is None:
        return extra.model_copy(update={"speaker_id": speaker_id})
    return merge_series(own, extra)


def affected_ids(
    speaker_id: str, surname_key: str | None, row: SpeakerRegistryRow | None
) -> list[str]:
    """Every id whose view a change to `speaker_id`'s raw row or to the registry row may have
    changed, read from the registry row after the change.

    The surname-only row changes with any of them (merged, candidates). A full name's view
    changes with the registry only while at most two are known: the second name un-merges the
    first; from the third on, every full name already stands alone. Sending these after every
    mention also re-sends what a crash may have kept from being sent."""
    if surname_key is None:
        return [speaker_id]
    known = _candidates(row)
    ids = [speaker_id, unresolved_id(surname_key), *(known if len(known) <= 2 else [])]
    return list(dict.fromkeys(ids))


def views(
    ids: Iterable[str], row: SpeakerRegistryRow | None, raw: Mapping[str, SpeakerUpdate]
) -> list[SpeakerUpdate]:
    """The published rows of `ids` that have a raw row, in the order given."""
    found = (tally_view(speaker_id, row, raw) for speaker_id in ids)
    return [view for view in found if view is not None]


def needed_ids(ids: Iterable[str], surname_key: str | None) -> list[str]:
    """The raw rows the views of `ids` read: their own and the surname-only id's."""
    extra = [unresolved_id(surname_key)] if surname_key else []
    return list(dict.fromkeys([*ids, *extra]))
