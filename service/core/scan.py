"""Regex matches found from their first characters, for patterns that open with a rare one.

One job: `pattern.finditer` for a pattern whose matches can only start at a few known
characters (quote marks, sentence-final punctuation). `re` finds where to try such a pattern by
testing every character of the text against the set of first characters, a generic and slow
test; `str.find` looks for one character far faster, so finding each first character's
occurrences and trying the pattern only there gives the same matches in about half the time.
"""

from __future__ import annotations

import re


def char_positions(text: str, chars: str, start: int, end: int) -> list[int]:
    """Offsets in text[start:end] of every character in `chars`, sorted."""
    positions: list[int] = []
    for char in chars:
        index = text.find(char, start, end)
        while index != -1:
            positions.append(index)
            index = text.find(char, index + 1, end)
    positions.sort()
    return positions


def matches_from(
    pattern: re.Pattern[str],
    text: str,
    first_chars: str,
    pos: int = 0,
    endpos: int | None = None,
    second_chars: frozenset[str] | None = None,
) -> list[re.Match[str]]:
    """`list(pattern.finditer(text, pos, endpos))`, for a pattern whose matches are never empty
    and always open with one of `first_chars`.

    `pattern.match` at a position behaves as the search does there (look-behinds and \\b see
    the text before `pos` either way), and a search resumes where the last match ended: so
    trying the candidates in order, skipping those inside the last match, finds the same ones.

    `second_chars`: when every match has a second character and it is one of these, the
    candidates followed by another character (or by none before `endpos`) are passed over
    without a call to `re`; most candidates of a pattern that fails often fail there.
    """
    end = len(text) if endpos is None else endpos
    found: list[re.Match[str]] = []
    cursor = pos
    match_at = pattern.match
    for index in char_positions(text, first_chars, pos, end):
        if index < cursor:
            continue
        if second_chars is not None and (index + 1 >= end or text[index + 1] not in second_chars):
            continue
        if match := match_at(text, index, end):
            found.append(match)
            cursor = match.end()
    return found
