"""What `liveblog follow` remembers of each entry it published (FollowState, on follow-state)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import SCHEMA_VERSION, Contract, Id
from schemas.entries import EntryVersion, RawEntry


class FollowState(Contract):
    """The version of one entry that `liveblog follow` last published onto raw-entries; the
    latest record of an entry id is the one that counts (the topic is compacted)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    entry_id: Id
    document_id: Id
    event_time: AwareDatetime = Field(
        description="The event time published: the page's own, or the first poll that saw the "
        "entry when the page gives none (kept so that a restart publishes the same time)."
    )
    updated: AwareDatetime = Field(description="The published version's time (EntryVersion).")
    digest: str = Field(description="The published version's content digest (EntryVersion).")
    published_at: AwareDatetime = Field(description="When the broker acknowledged the entry.")

    @property
    def version(self) -> EntryVersion:
        return EntryVersion(self.updated, self.digest)

    @classmethod
    def of(cls, entry: RawEntry, published_at: datetime) -> FollowState:
        version = entry.version()
        return cls(
            entry_id=entry.entry_id,
            document_id=entry.document_id,
            event_time=entry.event_time,
            updated=version.updated,
            digest=version.digest,
            published_at=published_at,
        )
