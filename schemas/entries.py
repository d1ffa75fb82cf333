"""Entries as they arrive (RawEntry) and the dedup verdict every entry receives (EntryVerdict)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Literal, NamedTuple

from pydantic import AwareDatetime, Field

from schemas.base import SCHEMA_VERSION, Contract, Id, NonBlank, NonBlankText, Score, Text


class DocumentKind(StrEnum):
    LIVEBLOG = "liveblog"
    ARTICLE = "article"


class RawEntry(Contract):
    """One post of a live blog, or one whole article, as the producer publishes it."""

    schema_version: Literal[1] = SCHEMA_VERSION
    entry_id: Id = Field(description="Deterministic id: the same entry always gets the same id.")
    document_id: Id = Field(description="The document (feed or article) the entry comes from.")
    outlet: NonBlankText = Field(description="Publication that carried the entry.")
    kind: DocumentKind
    position: int = Field(ge=0, description="Order of the entry in its document as published.")
    event_time: AwareDatetime = Field(description="When the entry was published (event time).")
    byline: Text | None = Field(default=None, description="Author names as printed.")
    dateline: Text | None = Field(default=None, description='E.g. "Reporting from Berlin".')
    headline: Text | None = Field(default=None, description="None for a short post under a byline.")
    paragraphs: list[NonBlankText] = Field(
        min_length=1, description="Body paragraphs, noise removed; no control characters."
    )
    updated_time: AwareDatetime | None = Field(
        default=None,
        description="When the entry was last edited (a page's dateModified); None when never "
        "edited. A later version of an entry replaces an earlier one: the later updated_time "
        "wins, then the larger content digest.",
    )

    def content_digest(self) -> str:
        """Digest of what the entry says (headline, byline, dateline, paragraphs): two versions
        with the same words have the same digest, whatever their times."""
        words = [self.headline, self.byline, self.dateline, list(self.paragraphs)]
        raw = json.dumps(words, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def version(self) -> EntryVersion:
        """The order of versions of one entry, the same in any arrival order."""
        return EntryVersion(self.updated_time or self.event_time, self.content_digest())

    def text(self) -> str:
        """The entry as one document: headline (if any) then paragraphs, one per line.

        Quote offsets in QuoteOccurrence are character offsets into this string.
        """
        lines = ([self.headline] if self.headline else []) + list(self.paragraphs)
        return "\n".join(lines)


class EntryVersion(NamedTuple):
    """Which version of an entry: later `updated` wins, then the larger digest."""

    updated: datetime
    digest: str

    @property
    def tag(self) -> str:
        """The version as one string that sorts as the versions do (for keys and messages)."""
        millis = max(0, round(self.updated.timestamp() * 1000))
        return f"{millis:015d}-{self.digest}"


class EntryStatus(StrEnum):
    UNIQUE = "unique"
    DUPLICATE = "duplicate"
    NEAR_DUPLICATE = "near_duplicate"


class ParagraphVerdict(Contract):
    """Whether one paragraph was new, or where it was first seen."""

    index: int = Field(ge=0, description="Index into RawEntry.paragraphs.")
    digest: str = Field(description="Digest of the normalised paragraph text.")
    repeat_of_entry: Id | None = Field(default=None, description="Entry that first carried it.")
    repeat_of_index: int | None = Field(default=None, ge=0)

    @property
    def is_new(self) -> bool:
        return self.repeat_of_entry is None


class EntryVerdict(Contract):
    """Dedup result for one entry; exactly one per entry id, on the entry-verdicts topic."""

    schema_version: Literal[1] = SCHEMA_VERSION
    entry_id: Id
    document_id: Id
    outlet: NonBlank
    event_time: AwareDatetime
    headline: str | None = None
    status: EntryStatus
    canonical_id: Id | None = Field(
        default=None, description="The earlier entry this one duplicates (None when unique)."
    )
    similarity: Score | None = None
    paragraphs: list[ParagraphVerdict]

    @property
    def new_paragraphs(self) -> int:
        return sum(1 for p in self.paragraphs if p.is_new)
