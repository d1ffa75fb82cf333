"""The topic registry: name, payload model, key and role of every topic. Read by every process."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from schemas.dead_letters import DeadLetter
from schemas.dedup import AnswerBatch, ProbeBatch
from schemas.entries import EntryVerdict, RawEntry
from schemas.follow import FollowState
from schemas.quotes import CanonicalQuote, QuoteMention, QuoteOccurrence, SpeakerMention
from schemas.speakers import SpeakerUpdate


@dataclass(frozen=True)
class TopicSpec:
    name: str  # without the configured prefix
    model: type[BaseModel]
    key: str  # model field used as the Kafka key
    role: str  # "input", "internal", "output", or "state" (read and written by an input only)
    compacted: bool = False
    doc: str = ""

    def full_name(self, prefix: str) -> str:
        return f"{prefix}{self.name}"


RAW_ENTRIES = TopicSpec("raw-entries", RawEntry, "entry_id", "input", doc="Entries to process.")
ENTRIES = TopicSpec("entries", RawEntry, "entry_id", "internal", doc="Validated, keyed by id.")
PROBES = TopicSpec(
    "dedup-probes",
    ProbeBatch,
    "entry_id",
    "internal",
    doc="Scatter: an entry's signatures, one batch per owning partition (sent to it).",
)
ANSWERS = TopicSpec("dedup-answers", AnswerBatch, "entry_id", "internal", doc="Gather by entry.")
QUOTE_MENTIONS = TopicSpec(
    "quote-mentions",
    QuoteMention,
    "occurrence.quote_id",
    "internal",
    doc="Occurrences reported or retracted, keyed by quote.",
)
SPEAKER_MENTIONS = TopicSpec(
    "speaker-mentions",
    SpeakerMention,
    "route_key",
    "internal",
    doc='Attributed occurrences keyed by the surname group of a person ("surname:johnson"), '
    "else by speaker.",
)
VERDICTS = TopicSpec(
    "entry-verdicts", EntryVerdict, "entry_id", "output", doc="One dedup verdict per entry."
)
UNIQUE_ENTRIES = TopicSpec(
    "unique-entries", RawEntry, "entry_id", "output", doc="Entries that are not copies."
)
QUOTES = TopicSpec("quotes", QuoteOccurrence, "occurrence_id", "output", doc="Every quote found.")
CANONICAL_QUOTES = TopicSpec(
    "canonical-quotes",
    CanonicalQuote,
    "quote_id",
    "output",
    compacted=True,
    doc="Each quote once, with its occurrences.",
)
SPEAKER_UPDATES = TopicSpec(
    "speaker-updates",
    SpeakerUpdate,
    "speaker_id",
    "output",
    compacted=True,
    doc="Latest per-speaker tally.",
)
FOLLOW_STATE = TopicSpec(
    "follow-state",
    FollowState,
    "entry_id",
    "state",
    compacted=True,
    doc="What `liveblog follow` published: the latest version of each entry id.",
)
DEAD_LETTERS = TopicSpec(
    "dead-letters", DeadLetter, "source_topic", "output", doc="Events that failed, with reasons."
)

TOPICS: tuple[TopicSpec, ...] = (
    RAW_ENTRIES,
    ENTRIES,
    PROBES,
    ANSWERS,
    QUOTE_MENTIONS,
    SPEAKER_MENTIONS,
    VERDICTS,
    UNIQUE_ENTRIES,
    QUOTES,
    CANONICAL_QUOTES,
    SPEAKER_UPDATES,
    DEAD_LETTERS,
    FOLLOW_STATE,
)
OUTPUT_TOPICS: tuple[TopicSpec, ...] = tuple(t for t in TOPICS if t.role == "output")
# What the worker and the sink read or write; an input's own state topic is not among them.
PIPELINE_TOPICS: tuple[TopicSpec, ...] = tuple(t for t in TOPICS if t.role != "state")
