"""What was published, by entry id, and the rule that decides whether an entry read from a page
is published now: new, or a later version than the one remembered; never an equal or older one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from schemas.entries import RawEntry
from schemas.follow import FollowState
from service.follow.entries import Found

# A stamped version must be later than the remembered one even when clocks disagree.
TICK = timedelta(milliseconds=1)


class Why(StrEnum):
    NEW = "new"
    LATER_VERSION = "later_version"  # the page's dateModified is later than what was published
    CHANGED = "changed"  # words changed, the page says no time: the poll's time is the version
    UNCHANGED = "unchanged"
    OLDER_VERSION = "older_version"


@dataclass(frozen=True)
class Decision:
    why: Why
    entry: RawEntry  # as it would be published: remembered event time, stamped update time

    @property
    def publish(self) -> bool:
        return self.why in (Why.NEW, Why.LATER_VERSION, Why.CHANGED)


def decide(found: Found, remembered: FollowState | None, seen_at: datetime) -> Decision:
    """Whether to publish an entry read at `seen_at`, given what was published of it.

    An entry the page gives no time keeps the event time it was first published with. Words
    that are the same as published are never published again. Changed words are published
    when the page dates the change later than the published version; when the page dates no
    change at all (no dateModified), the time of the poll that saw it is the new version's
    update time; a page's dateModified not later than the published version is an older
    version, never republished."""
    entry = found.entry
    if remembered is None:
        return Decision(Why.NEW, entry)
    if not found.timed:
        entry = entry.model_copy(update={"event_time": remembered.event_time})
    if entry.content_digest() == remembered.digest:
        return Decision(Why.UNCHANGED, entry)
    if entry.updated_time is None:
        stamped = max(seen_at, remembered.updated + TICK, entry.event_time + TICK)
        return Decision(Why.CHANGED, entry.model_copy(update={"updated_time": stamped}))
    if entry.version() > remembered.version:
        return Decision(Why.LATER_VERSION, entry)
    return Decision(Why.OLDER_VERSION, entry)


class Published:
    """Entry id -> the FollowState of the version last published (in memory; loaded from the
    follow-state topic at start when there is a broker)."""

    def __init__(self, states: Iterable[FollowState] = ()) -> None:
        self.states: dict[str, FollowState] = {}
        for state in states:
            self.remember(state)

    def get(self, entry_id: str) -> FollowState | None:
        return self.states.get(entry_id)

    def remember(self, state: FollowState) -> None:
        """Keep the later version: records read back in any order leave the latest one."""
        known = self.states.get(state.entry_id)
        if known is None or state.version >= known.version:
            self.states[state.entry_id] = state

    def __len__(self) -> int:
        return len(self.states)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.states
