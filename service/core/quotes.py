"""Direct quotes in one document: where they are, what they say, full or fragment, and who said it.

Public entry point: `extract_quotes(text) -> list[ExtractedQuote]` (first cut; improving behind
this signature).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.quotes import QuoteKind, SpeakerType


@dataclass(frozen=True, slots=True)
class ExtractedQuote:
    """One direct quote; `start`/`end` index the quoted words (marks excluded) in the input."""

    text: str
    start: int
    end: int
    kind: QuoteKind
    speaker: str | None
    speaker_id: str | None
    speaker_as_written: str | None
    speaker_type: SpeakerType | None
    cue: str | None


_CURLY = re.compile(r"“([^”\n]+)”")


def extract_quotes(text: str) -> list[ExtractedQuote]:
    """Every direct quote in `text`, in document order."""
    return [
        ExtractedQuote(m.group(1), m.start(1), m.end(1), QuoteKind.FULL, None, None, None, None, None)
        for m in _CURLY.finditer(text)
    ]
