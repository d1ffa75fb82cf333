"""Paragraph and sentence boundaries of a document, never breaking inside a quoted passage.

One job: turn a text into (start, end) offsets of paragraphs (one per line) and of the sentences
inside them. Quotation spans are passed in as protected ranges so that “A. B,” he said stays one
sentence. Pure and regex-only: the quote extractor calls this once per document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from service.core.scan import matches_from

Span = tuple[int, int]

# Constants are Final: compiled with mypyc, a Final name is read from a C static, not looked
# up in the module's dict at every use.
# Words whose trailing period does not end a sentence (titles, initials, months, corp. forms).
_ABBREVIATIONS: Final = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "gen",
        "sen",
        "rep",
        "gov",
        "lt",
        "col",
        "adm",
        "sgt",
        "capt",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "inc",
        "corp",
        "co",
        "ltd",
        "jan",
        "feb",
        "mar",
        "apr",
        "aug",
        "sept",
        "sep",
        "oct",
        "nov",
        "dec",
        "no",
        "nos",
        "fig",
        "approx",
        "dept",
        "est",
        "gov",
        "univ",
        "mt",
        "ft",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "u.s.a",
        "d.c",
        "a.m",
        "p.m",
        "i.e",
        "e.g",
        "rev",
        "hon",
    ]
)
# US state abbreviations of news style (AP): "Sen. Ann Lee (D-Ill.)", "Flint, Mich., said".
# Only capitalised: "ill." and "miss." are words too.
_STATES: Final = frozenset(
    [
        "ala",
        "ariz",
        "ark",
        "calif",
        "colo",
        "conn",
        "del",
        "fla",
        "ga",
        "ill",
        "ind",
        "kan",
        "ky",
        "la",
        "md",
        "mass",
        "mich",
        "minn",
        "miss",
        "mo",
        "mont",
        "neb",
        "nev",
        "okla",
        "ore",
        "pa",
        "tenn",
        "tex",
        "va",
        "vt",
        "wash",
        "wis",
        "wyo",
    ]
)
# Initials written together: "G.K. Butterfield", "J.J. Abrams".
_INITIALS: Final = re.compile(r"(?:[a-z]\.)+[a-z]")

# A sentence ends at . ! ? or … (plus any closing marks) followed by space and a capital,
# a digit or up to two opening marks (wire copy opens with ''); group 1 is the sentence's
# last characters. The space never includes a line break (paragraphs are lines). Found
# through scan.matches_from: every boundary opens with one of _BOUNDARY_CHARS.
_BOUNDARY: Final = re.compile(
    r"((?:\.|!|\?|…)[.!?…]*[”’\"')\]]*)[^\S\n]+(?=[“‘\"'`(\[]{0,2}[A-Z0-9])"
)
_BOUNDARY_CHARS = ".!?…"
# What may follow a boundary's first character: more end punctuation, a closing mark or white
# space other than a line break (str.isspace agrees with \s of `re`; no white space lies beyond
# U+3000). Most periods are followed by none of them ("U.S.", "3.5"), and are passed over.
_BOUNDARY_SECOND: Final = frozenset(".!?…”’\"')]") | frozenset(
    char for char in map(chr, range(0x3001)) if char.isspace() and char != "\n"
)


def paragraph_spans(text: str) -> tuple[Span, ...]:
    """One span per non-blank line, trimmed of surrounding whitespace."""
    # Found with find() and trimmed by offsets: no copy of each line is made (str.strip()
    # trims exactly the characters str.isspace() accepts).
    spans: list[Span] = []
    start = 0
    size = len(text)
    while start <= size:
        stop = text.find("\n", start)
        if stop == -1:
            stop = size
        first, last = start, stop
        while first < last and text[first].isspace():
            first += 1
        while last > first and text[last - 1].isspace():
            last -= 1
        if last > first:
            spans.append((first, last))
        start = stop + 1
    return tuple(spans)


def _is_abbreviation(text: str, period_at: int, floor: int) -> bool:
    """Whether the word before the period at `period_at` (within 20 characters) is abbreviated."""
    window = text[max(floor, period_at - 20) : period_at]
    if not window or window[-1].isspace():
        return False
    written = window.rsplit(None, 1)[-1].lstrip("(“‘\"'")
    word = written.lower()
    if word in _ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():  # a middle initial: Vladimir V. Putin
        return True
    if written[:1].isupper() and word.rsplit("-", 1)[-1] in _STATES:
        return True
    return "." in word and _INITIALS.fullmatch(word) is not None


def sentence_spans(text: str, paragraph: Span, protected: Sequence[Span] = ()) -> tuple[Span, ...]:
    """Sentences of one paragraph; `protected` spans (sorted, non-overlapping) are never split."""
    return document_sentences(text, (paragraph,), protected)[0]


def document_sentences(
    text: str, paragraphs: Sequence[Span], protected: Sequence[Span] = ()
) -> tuple[tuple[Span, ...], tuple[int, ...]]:
    """Sentences of every paragraph and, for each, the index of its paragraph.

    `paragraphs` are in order and disjoint; `protected` spans (sorted, non-overlapping, each
    inside one paragraph) are never split. One regex scan over the whole stretch instead of
    one per paragraph, walked in step with the paragraphs and the protected spans.
    """
    if not paragraphs:
        return (), ()
    spans: list[Span] = []
    owners: list[int] = []
    index = 0
    start, end = paragraphs[0]
    cursor = start
    guard = 0  # the first protected span that does not end before the current boundary
    boundaries = matches_from(
        _BOUNDARY, text, _BOUNDARY_CHARS, start, paragraphs[-1][1], _BOUNDARY_SECOND
    )
    for match in boundaries:
        period_at = match.start()
        # Every boundary starts inside a paragraph (it opens with a non-space character):
        # close the paragraphs that end before it.
        while period_at >= end:
            if cursor < end:
                spans.append((cursor, end))
                owners.append(index)
            index += 1
            start, end = paragraphs[index]
            cursor = start
        cut = match.end()
        if cut >= end:
            continue  # a guard: the paragraph's own end closes its last sentence
        while guard < len(protected) and protected[guard][1] <= cut:
            guard += 1
        if guard < len(protected) and protected[guard][0] < cut:
            continue  # inside a quotation
        if text[period_at] == "." and _is_abbreviation(text, period_at, start):
            continue
        spans.append((cursor, match.end(1)))
        owners.append(index)
        cursor = cut
    while True:
        if cursor < end:
            spans.append((cursor, end))
            owners.append(index)
        index += 1
        if index == len(paragraphs):
            break
        start, end = paragraphs[index]
        cursor = start
    return tuple(spans), tuple(owners)
