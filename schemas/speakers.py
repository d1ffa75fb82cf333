"""Per-speaker rolling tallies: the speaker table row, published on the speaker-updates topic."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import SCHEMA_VERSION, Contract, Id
from schemas.quotes import SpeakerType

# Full names the registry keeps per surname; two already make a surname ambiguous, and the
# list is bounded so that a row stays small whatever the coverage.
MAX_KNOWN_SPEAKERS = 50


class WindowCount(Contract):
    """Quotes by one speaker within one event-time window [start, end)."""

    start: AwareDatetime
    end: AwareDatetime
    occurrences: int = Field(ge=0)


class RecentQuote(Contract):
    """One of a speaker's most recent quotes, with where and when it was reported."""

    quote_id: Id
    text: str
    event_time: AwareDatetime
    outlet: str
    entry_id: Id


class SpeakerUpdate(Contract):
    """Latest state of one speaker's tally; key = speaker_id (the topic is compacted).

    Also the worker's raw row per id (table speaker-tallies). What is published is the
    speaker registry's view of it (service/core/registry.py): a surname-only row merged into
    the one full name of that surname, or marked unresolved."""

    schema_version: Literal[1] = SCHEMA_VERSION
    speaker_id: Id
    speaker: str
    speaker_type: SpeakerType | None = None
    distinct_quotes: int = Field(ge=0, description="Canonical quotes attributed to the speaker.")
    occurrences: int = Field(ge=0, description="Times any of those quotes was reported.")
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    outlets: list[str] = Field(description="Outlets that quoted the speaker, sorted.")
    latest_quotes: list[RecentQuote] = Field(
        description="Most recent distinct quotes by event time, newest first (at most 5)."
    )
    windows: list[WindowCount] = Field(
        description="Occurrences per tumbling event-time window, oldest first."
    )
    surname_key: str | None = Field(
        default=None,
        max_length=192,
        description='A person\'s folded surname ("johnson"): the group in which surname-only '
        "mentions are resolved (see `resolved_to`). None for organisations.",
    )
    resolved: bool = Field(
        default=True,
        description='False for a surname-only id ("surname:johnson") that no single full name '
        "claims: none, or several (`candidates`), is known with that surname. True otherwise.",
    )
    resolved_to: Id | None = Field(
        default=None,
        description='Set on a surname-only row ("surname:whitlow") when exactly one full name '
        'with that surname is known ("dana-whitlow"): its counts are included in that row '
        "(listed there in `merged_from`), so skip this row when summing or ranking. Its own "
        "counts stay here; a second full name of that surname clears it again.",
    )
    merged_from: list[Id] = Field(
        default_factory=list,
        description="Surname-only ids whose counts this row includes (see `resolved_to`). "
        "Distinct quotes are summed per id: the same words under both ids count twice.",
    )
    candidates: list[Id] = Field(
        default_factory=list,
        max_length=MAX_KNOWN_SPEAKERS,
        description="On an unresolved surname-only row: the full-name ids known with that "
        "surname (two or more; empty when none is known), sorted.",
    )


class SpeakerSeries(Contract):
    """One speaker's occurrences per event-time window; a worker table row, not published.

    Counts are keyed by window start (epoch seconds). A speaker's stream time is the latest
    event time counted for them: a window stops counting once it is `grace` behind it, and is
    dropped once it is `expires` behind it.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    speaker_id: Id
    stream_time: AwareDatetime
    offset: int = Field(description="Last speaker-mentions offset applied (replay guard).")
    late: int = Field(ge=0, description="Reports too late for at least one of their windows.")
    hopping: dict[float, int] = Field(description="Hopping window start -> occurrences.")
    tumbling: dict[float, int] = Field(description="Tumbling window start -> occurrences.")


class KnownSpeaker(Contract):
    """A full name the stream has seen with a surname."""

    speaker_id: Id = Field(description='E.g. "dana-whitlow".')
    speaker: str = Field(description='Display name, e.g. "Dana Whitlow" (the fullest seen).')


class SpeakerRegistryRow(Contract):
    """The people the stream knows under one surname; a worker table row, not published.

    Keyed by the surname's unresolved id ("surname:whitlow"). A set: the same whatever order
    the names arrived in. With exactly one person known, the surname-only row is merged into
    theirs; with none or several it stays unresolved (service/core/registry.py)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    surname_key: str = Field(max_length=192)
    known: list[KnownSpeaker] = Field(
        max_length=MAX_KNOWN_SPEAKERS,
        description=f"Sorted by id; the first {MAX_KNOWN_SPEAKERS} ids when more are known.",
    )
