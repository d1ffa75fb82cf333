"""Canonical text for matching: one job — make equivalent text compare equal.

Nothing here is shown to readers; it only feeds digests and shingles.
"""

from __future__ import annotations

import re
import unicodedata

# Every quote-like code point folds to the ASCII quote of the same family, so a
# copy that went through a "smart quotes" editor digests the same as the original.
_QUOTES = str.maketrans(
    {
        "\u2018": "'",  # left single
        "\u2019": "'",  # right single / apostrophe
        "\u201a": "'",  # low single
        "\u201b": "'",  # reversed single
        "\u2032": "'",  # prime
        "\u02bc": "'",  # modifier apostrophe
        "\u0060": "'",  # backtick used as an opening quote
        "\u00b4": "'",  # acute accent used as an apostrophe
        "\u201c": '"',  # left double
        "\u201d": '"',  # right double
        "\u201e": '"',  # low double
        "\u201f": '"',  # reversed double
        "\u2033": '"',  # double prime
        "\u00ab": '"',  # guillemets
        "\u00bb": '"',
        "\u2039": "'",
        "\u203a": "'",
    }
)

# All Unicode dash punctuation (category Pd) plus minus signs fold to "-".
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d\u058a\u05be\u1806-]+")
# Spaced dashes (" — ", " - ") are all the same punctuation; unify their spacing too.
_SPACED_DASH = re.compile(r"\s*-{2,}\s*|\s+-\s*|\s*-\s+")
_WS = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Return the canonical form of ``text`` used for digests.

    NFKC (compatibility forms, e.g. non-breaking spaces, ligatures), unified quotes
    and dashes, collapsed whitespace, case-folded. Punctuation and words are kept:
    two texts with the same normal form are the same text for a reader.
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_QUOTES)
    text = _DASHES.sub(lambda m: "-" if len(m.group()) == 1 else "--", text)
    text = _SPACED_DASH.sub(" - ", text)
    text = _WS.sub(" ", text).strip()
    return text.casefold()


# --- Tokens for shingling -------------------------------------------------------------------
# Abbreviations written with dots ("U.S.", "U.N.") and without ("US", "UN") are one token.
_DOTTED_ABBREV = re.compile(r"\b(?:\w\.){2,}")
# Thousands separators: "1,300" and "1300" are the same number.
_DIGIT_GROUP = re.compile(r"(?<=\d),(?=\d{3}\b)")
# Possessive "'s" carries no content and is dropped by some house styles ("Putin's" / "Putin's").
_POSSESSIVE = re.compile(r"'s\b")
# A hyphen inside a word is a spelling choice: "cease-fire" / "ceasefire", "e-mail" / "email".
# Joining (not splitting) makes both spellings one token, matching the closed form.
_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_APOSTROPHE = re.compile(r"'")
_WORD = re.compile(r"[^\W_]+")
# Courtesy titles are house style (NYT's "Mr. Putin" vs the wires' "Putin"), not content.
HONORIFICS: frozenset[str] = frozenset({"mr", "mrs", "ms", "messrs", "mx"})


def words(text: str) -> list[str]:
    """Word tokens of ``normalise_text(text)`` for shingling, with house-style noise folded.

    Folding, each because two outlets print the same sentence differently:
    dotted abbreviations lose their dots ("U.S." -> "us"), thousands separators go ("1,300"),
    possessive "'s" and other apostrophes go, hyphens inside words join the parts
    ("cease-fire" -> "ceasefire"), honorifics ("Mr.") and single-letter tokens (middle
    initials such as "Vladimir V. Putin", also "a"/"I") are dropped. Punctuation is a
    separator. Digits are kept, even single ones: numbers are content.
    """
    text = normalise_text(text)
    text = _DOTTED_ABBREV.sub(lambda m: m.group().replace(".", ""), text)
    text = _DIGIT_GROUP.sub("", text)
    text = _POSSESSIVE.sub("", text)
    text = _APOSTROPHE.sub("", text)
    text = _INNER_HYPHEN.sub("", text)
    return [
        w
        for w in _WORD.findall(text)
        if w not in HONORIFICS and not (len(w) == 1 and not w.isdigit())
    ]


# Function words that every English news text shares. Dropped before shingling so that what
# two texts share is content (names, places, quoted phrases), not grammar. Negations are kept
# on purpose: "did not rule out" and "did rule out" must not look alike.
_STOPWORD_TEXT = """
    about above across after again against all along also am among an and any are around as at
    be been before being between both but by can could did do does during each either for from
    further had has have having he her here hers him his how if in into is it its itself just
    may me might more most must my of off on once only or other our ours out over own same
    she should so some such than that the their theirs them then there these they this those
    through to too under until up upon very was we were what when where which while who whom
    whose why will with within would you your yours
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())


def content_words(text: str) -> list[str]:
    """``words(text)`` without English stopwords: the tokens that carry what a text is about."""
    return [w for w in words(text) if w not in STOPWORDS]
