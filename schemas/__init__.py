"""Wire contracts of liveblog-ingest: every event and table row, as pydantic v2 models."""

from schemas.dead_letters import DeadLetter
from schemas.entries import DocumentKind, EntryStatus, EntryVerdict, ParagraphVerdict, RawEntry
from schemas.quotes import CanonicalQuote, QuoteKind, QuoteOccurrence, SpeakerType
from schemas.speakers import SpeakerUpdate

__all__ = [
    "CanonicalQuote",
    "DeadLetter",
    "DocumentKind",
    "EntryStatus",
    "EntryVerdict",
    "ParagraphVerdict",
    "QuoteKind",
    "QuoteOccurrence",
    "RawEntry",
    "SpeakerType",
    "SpeakerUpdate",
]
