"""Split one document's page text into RawEntry events.

One job: ``split_document(text, meta)`` → the document's entries, newest first for a live blog,
exactly one for an article. Line cleaning lives in ``service.core.segmentation``.

Entries. In a live blog every confirmed byline starts an entry (text above the first byline, if
any, forms an entry without a byline). Each entry reads: byline, optional dateline ("Reporting
from …"), optional headline, then body paragraphs. The headline is the first line after the
byline/dateline when it is an unpunctuated heading, or a short sentence (at most
HEADLINE_MAX_WORDS words, no opening quote, no "said") followed by more prose; otherwise the
entry is a short post and has none. Headings and subheads further down are page furniture and
are dropped. An article's body ends at its first footer marker ("Comments", "Most Read", "©…",
a lone "Reuters").

Event times. The pages carry no per-entry times, so they are derived deterministically. A live
blog lists entries newest first: with n entries, the entry at position i (0 = top of the page)
gets ``updated - i * (updated - published) / (n - 1)``, i.e. entries are spread evenly from the
document's ``updated`` time (top) down to its ``published`` time (bottom); a single entry gets
``updated``. An article's one entry gets the article's ``published`` time.

Entry ids. ``f"{document_id}:{sha1(byline | headline-or-first-paragraph)[:12]}"`` over the
folded text (case, quotes and whitespace normalised), so an entry keeps its id when newer entries
are inserted above it. Entries of one document with the same key get ``.2``, ``.3`` … counted
from the bottom (oldest) upwards, so insertions at the top never renumber existing entries.

Pure: no I/O, logging or environment.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.documents import DocumentMeta
from schemas.entries import DocumentKind, RawEntry
from service.core.segmentation import (
    Line,
    LineKind,
    drop_footer_lines,
    fold,
    parse_lead_dateline,
    segment,
    strip_footer,
    word_count,
)

HEADLINE_MAX_WORDS = 20
HEADLINE_MAX_CHARS = 150
ID_HASH_CHARS = 12

_OPENING_QUOTES = "“\"‘'«"
_PAST_ATTRIBUTION = re.compile(r"\bsaid\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EntryParts:
    """An entry's fields as read off the page, before ids and times are assigned."""

    byline: str | None
    dateline: str | None
    headline: str | None
    paragraphs: tuple[str, ...]


# --- Grouping lines into entries ------------------------------------------------------------


def group_by_byline(lines: Sequence[Line]) -> list[list[Line]]:
    """Live-blog blocks: each byline opens a new block; lines before the first one form their
    own block."""
    blocks: list[list[Line]] = []
    for line in lines:
        if line.kind is LineKind.BYLINE or not blocks:
            blocks.append([])
        blocks[-1].append(line)
    return blocks


def is_headline_sentence(text: str) -> bool:
    """A line written as a sentence that is short enough to be a live-blog headline.

    Live-blog headlines are often full sentences ("Rubio says a cease-fire … if Russia agrees."),
    so they are told from a lead paragraph by length, and by not opening with a quotation,
    closing on a colon or attributing in the past tense ("… said"): headlines say "says".
    """
    return (
        word_count(text) <= HEADLINE_MAX_WORDS
        and len(text) <= HEADLINE_MAX_CHARS
        and not text.startswith(tuple(_OPENING_QUOTES))
        and not text.rstrip().endswith(":")
        and _PAST_ATTRIBUTION.search(text) is None
    )


def _prose_follows(block: Sequence[Line], index: int) -> bool:
    return any(line.kind is LineKind.PROSE for line in block[index + 1 :])


def _is_headline(block: Sequence[Line], index: int) -> bool:
    line = block[index]
    if not _prose_follows(block, index):
        return False  # a lone line is the whole post, so it is body, not a headline
    if line.kind in (LineKind.HEADING, LineKind.SUBHEAD):
        return True
    return line.kind is LineKind.PROSE and is_headline_sentence(line.value)


def read_entry(block: Sequence[Line]) -> EntryParts | None:
    """Byline, dateline, headline and paragraphs of one block; None when it has no body."""
    byline: str | None = None
    dateline: str | None = None
    headline: str | None = None
    paragraphs: list[str] = []
    for index, line in enumerate(block):
        in_header = not paragraphs  # byline, dateline and headline only come before the body
        if line.kind is LineKind.PROSE and not (in_header and headline is None):
            paragraphs.append(line.value)
        elif not in_header:
            continue  # headings, subheads and stray names inside a body are furniture
        elif line.kind is LineKind.BYLINE and byline is None:
            byline = line.value
        elif line.kind is LineKind.DATELINE and dateline is None:
            dateline = line.value
        elif headline is None and _is_headline(block, index):
            headline = line.value
        elif line.kind is LineKind.PROSE:
            paragraphs.append(line.value)
    if not paragraphs:
        return None
    if dateline is None:
        dateline = parse_lead_dateline(paragraphs[0])
    return EntryParts(byline, dateline, headline, tuple(paragraphs))


def read_entries(text: str, kind: DocumentKind) -> list[EntryParts]:
    """The entries of a page, top to bottom."""
    lines = segment(text)
    if kind is DocumentKind.ARTICLE:
        entry = read_entry(strip_footer(lines))
        return [entry] if entry is not None else []
    blocks = group_by_byline(drop_footer_lines(lines))
    return [entry for block in blocks if (entry := read_entry(block)) is not None]


# --- Ids and times --------------------------------------------------------------------------


def content_key(parts: EntryParts) -> str:
    """What identifies an entry within its document: who wrote it and how it opens."""
    opening = parts.headline if parts.headline is not None else parts.paragraphs[0]
    return f"{fold(parts.byline or '')}\x1f{fold(opening)}"


def entry_ids(document_id: str, entries: Sequence[EntryParts]) -> list[str]:
    """Deterministic ids, stable under insertions at the top (see module docstring)."""
    keys = [content_key(parts) for parts in entries]
    seen: Counter[str] = Counter()
    ids_bottom_up: list[str] = []
    for key in reversed(keys):
        seen[key] += 1
        digest = hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()
        suffix = "" if seen[key] == 1 else f".{seen[key]}"
        ids_bottom_up.append(f"{document_id}:{digest[:ID_HASH_CHARS]}{suffix}")
    return ids_bottom_up[::-1]


def event_times(meta: DocumentMeta, count: int) -> list[datetime]:
    """Event time of each entry, top of the page first (see module docstring)."""
    if meta.kind is DocumentKind.ARTICLE or meta.updated is None:
        return [meta.published] * count
    if count == 1:
        return [meta.updated]
    span = meta.updated - meta.published
    return [meta.updated - span * i / (count - 1) for i in range(count)]


# --- Entry point ----------------------------------------------------------------------------


def split_document(text: str, meta: DocumentMeta) -> list[RawEntry]:
    """The entries of one document in page order (position 0 = top of the page).

    Raises ValueError when the text holds no body paragraph at all.
    """
    parts = read_entries(text, meta.kind)
    if not parts:
        raise ValueError(f"document {meta.document_id!r}: no body paragraphs found")
    ids = entry_ids(meta.document_id, parts)
    times = event_times(meta, len(parts))
    return [
        RawEntry(
            entry_id=entry_id,
            document_id=meta.document_id,
            outlet=meta.outlet,
            kind=meta.kind,
            position=position,
            event_time=event_time,
            byline=entry.byline,
            dateline=entry.dateline,
            headline=entry.headline,
            paragraphs=list(entry.paragraphs),
        )
        for position, (entry, entry_id, event_time) in enumerate(
            zip(parts, ids, times, strict=True)
        )
    ]


__all__ = [
    "EntryParts",
    "content_key",
    "entry_ids",
    "event_times",
    "group_by_byline",
    "is_headline_sentence",
    "read_entries",
    "read_entry",
    "split_document",
]
