"""Direct quotes: each place a quote appeared, and the quote itself counted once."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import SCHEMA_VERSION, Contract, Id, NonBlank


class QuoteKind(StrEnum):
    FULL = "full"  # a quoted clause or sentence
    FRAGMENT = "fragment"  # a short quoted phrase inside the writer's own sentence


class SpeakerType(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class QuoteOccurrence(Contract):
    """One direct quote found in one entry, attributed to its speaker when that is knowable."""

    schema_version: Literal[1] = SCHEMA_VERSION
    occurrence_id: Id = Field(
        description="Deterministic, from content: the paragraph's digest, the quote's offsets in "
        "it and the speaker id, so a repeated paragraph is the same occurrence in every entry."
    )
    quote_id: Id = Field(description="Canonical quote: normalised words + speaker id.")
    entry_id: Id
    document_id: Id
    outlet: NonBlank
    event_time: AwareDatetime
    text: NonBlank = Field(description="The quoted words, without the quotation marks.")
    start: int = Field(ge=0, description="Offset of the quoted words in RawEntry.text().")
    end: int = Field(ge=0)
    paragraph_index: int | None = Field(
        default=None, description="Index into RawEntry.paragraphs; None for the headline."
    )
    kind: QuoteKind
    speaker: str | None = Field(default=None, description="Canonical speaker name.")
    speaker_id: Id | None = Field(default=None, description="Stable canonical speaker id.")
    speaker_as_written: str | None = None
    speaker_type: SpeakerType | None = None
    cue: str | None = Field(default=None, description='E.g. "said", "told reporters".')
    speaker_resolved: bool | None = Field(
        default=None,
        description="False when the entry names the speaker only by surname: speaker_id is then "
        'the unresolved id of that surname ("surname:johnson"). None without a speaker.',
    )
    surname_key: str | None = Field(
        default=None,
        max_length=192,
        description='A person speaker\'s folded surname ("johnson", "von-der-leyen"), the same '
        'for "Boris Johnson" and a lone "Johnson": the worker\'s speaker registry groups '
        "people by it. None for organisations and without a speaker.",
    )
    corrected: bool = Field(
        default=False,
        description="The entry that carries it was edited after it was published "
        "(RawEntry.updated_time): this is the corrected version's quote.",
    )


class QuoteReport(Contract):
    """One entry that carried a quote."""

    entry_id: Id
    outlet: NonBlank
    event_time: AwareDatetime


MAX_REPORTS = 50
MAX_OUTLETS = 100


class CanonicalQuote(Contract):
    """A quote counted once however often it was reported; a table row and a sink row.

    Its size is bounded whatever the number of reports: every occurrence is on the `quotes`
    topic; here are the counts and the earliest reports."""

    schema_version: Literal[1] = SCHEMA_VERSION
    quote_id: Id
    text: NonBlank = Field(description="The earliest report's wording.")
    kind: QuoteKind
    speaker: str | None = None
    speaker_id: Id | None = None
    occurrences: int = Field(ge=1, description="Distinct occurrences (a repeated paragraph: one).")
    reports: list[QuoteReport] = Field(
        max_length=MAX_REPORTS,
        description=f"The earliest entries that carried it (event time, then id; at most "
        f"{MAX_REPORTS}), copies included.",
    )
    outlets: list[str] = Field(
        max_length=MAX_OUTLETS,
        description=f"Outlets that carried it (sorted, at most {MAX_OUTLETS}).",
    )
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    corrected: bool = Field(
        default=False,
        description="Reported by an edited entry, or a report of it was retracted by one.",
    )


class QuoteMention(Contract):
    """An occurrence on its way to its canonical quote, keyed by quote id: reported, or
    retracted because the entry's new version no longer carries it."""

    schema_version: Literal[1] = SCHEMA_VERSION
    occurrence: QuoteOccurrence
    retracted: bool = Field(
        default=False,
        description="True: the entry's new version no longer carries this occurrence.",
    )


class SpeakerMention(Contract):
    """An attributed occurrence on its way to the speaker tally, keyed by `route_key`."""

    schema_version: Literal[1] = SCHEMA_VERSION
    occurrence: QuoteOccurrence
    new_quote: bool = Field(
        description="True for the occurrence that introduced its quote; on a retraction, for "
        "the one whose removal leaves its quote with no occurrence."
    )
    retracted: bool = Field(
        default=False,
        description="True: take the occurrence's count back (an entry's "
        "new version no longer carries it, and no other entry does).",
    )
    route_key: Id | None = Field(
        default=None,
        description='The Kafka key: for a person, the unresolved id of the surname ("surname:'
        'johnson"), so that everyone of that surname ("boris-johnson", "mike-johnson", '
        '"surname:johnson") is tallied on one partition with the surname\'s registry row; '
        "otherwise the speaker id. None: keyed by the speaker id.",
    )
