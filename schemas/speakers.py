"""Per-speaker rolling tallies: the speaker table row, published on the speaker-updates topic."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import SCHEMA_VERSION, Contract, Id
from schemas.quotes import SpeakerType


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
    """Latest state of one speaker's tally; key = speaker_id (the topic is compacted)."""

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
