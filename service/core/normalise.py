"""Canonical text for matching: one job — make equivalent text compare equal.

Nothing here is shown to readers; it only feeds digests and shingles.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Sequence
from itertools import filterfalse

# Every quote-like code point folds to the ASCII quote of the same family, so a
# copy that went through a "smart quotes" editor digests the same as the original.
_QUOTES = {
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
# All Unicode dash punctuation (category Pd) plus minus signs fold to "-".
_DASHES = (
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d\u058a\u05be\u1806"
)
# The folds as (code point, replacement) pairs. One str.replace per pair scans the text in C at
# memchr speed and costs nothing when the code point is absent; str.translate with a mapping
# looks every character up in a dict, several times slower on news text.
_FOLDS: tuple[tuple[str, str], ...] = (*_QUOTES.items(), *((dash, "-") for dash in _DASHES))
# Once folded, a run of dashes is "-" when single and "--" otherwise (an em dash typed as "--").
_DASH_RUN = re.compile(r"-{3,}")
# Spaced dashes (" — ", " - ") are all the same punctuation; unify their spacing too. The rule
# is r"\s*-{2,}\s*|\s+-\s*|\s*-\s+" -> " - ", applied once whitespace runs are single
# spaces: there \s* and \s+ are " ?" and " ", and each branch starts with a required " " or "-",
# so the regex engine skips ahead to those instead of trying \s* at every position.
_SPACED_DASH = re.compile(r" -{2,} ?| - ?|-{2,} ?|- ")


def normalise_text(text: str) -> str:
    """Return the canonical form of ``text`` used for digests.

    NFKC (compatibility forms, e.g. non-breaking spaces, ligatures), unified quotes
    and dashes, collapsed whitespace, case-folded. Punctuation and words are kept:
    two texts with the same normal form are the same text for a reader.
    """
    if text.isascii():
        # NFKC leaves ASCII alone, and the backtick is the only ASCII code point folded.
        text = text.replace("`", "'")
    else:
        text = unicodedata.normalize("NFKC", text)
        for code_point, replacement in _FOLDS:
            if code_point in text:
                text = text.replace(code_point, replacement)
    collapsed = " ".join(text.split())
    if "-" not in collapsed:
        return collapsed.casefold()
    # Collapsing whitespace first changes nothing for the spaced-dash rule, for which a run of
    # any length is one separator, as long as a run at either end stays (" -x" is spaced).
    if text[0].isspace():
        collapsed = " " + collapsed
    if text[-1].isspace():
        collapsed += " "
    text = _SPACED_DASH.sub(" - ", _DASH_RUN.sub("--", collapsed))
    # Two of its " - " can meet ("x- - y"): collapse again.
    text = " ".join(text.split()) if "  " in text else text.strip()
    return text.casefold()


# Paragraphs are normalised together, joined by a character that no rule changes or looks
# across: not whitespace, a dash, a quote or part of a word, and a boundary for NFKC.
_SEAM = "\x00"


def normalise_paragraphs(paragraphs: Sequence[str]) -> list[str]:
    """``[normalise_text(p) for p in paragraphs]``, in one pass over all of them: the fixed
    cost of each step (NFKC, the folds, the regexes) is paid once per entry, not per paragraph.
    A seam keeps, as one space, any whitespace beside it, and each part is stripped after."""
    if not paragraphs or any(_SEAM in p for p in paragraphs):
        return [normalise_text(p) for p in paragraphs]
    return [part.strip() for part in normalise_text(_SEAM.join(paragraphs)).split(_SEAM)]


def join_normalised(paragraphs: Sequence[str], normal_forms: Sequence[str]) -> str:
    """``normalise_text(" ".join(paragraphs))``, given each paragraph's normal form.

    The normal forms joined by a space are that text whenever no paragraph is blank and none
    starts or ends with a dash: only a dash or an empty paragraph at a seam makes the joined
    text's spaced-dash and whitespace rules act across it (NFKC, the quote folds and casefold
    never look past a space). Otherwise the joined text is normalised again.
    """
    if all(form and form[0] != "-" and form[-1] != "-" for form in normal_forms):
        return " ".join(normal_forms)
    return normalise_text(" ".join(paragraphs))


# --- Tokens for shingling -------------------------------------------------------------------
# Abbreviations written with dots ("U.S.", "U.N.") and without ("US", "UN") are one token.
_DOTTED_ABBREV = re.compile(r"\b(?:\w\.){2,}")
# Every dotted abbreviation holds ".x."; most texts hold none, and this search is a quick
# scan for a literal "." where the pattern above tries a word boundary at every position.
_DOTTED_HINT = re.compile(r"\.\w\.")
# Thousands separators: "1,300" and "1300" are the same number. (The look-behind comes after
# the comma, not before it, so that the regex engine can skip ahead to commas.)
_DIGIT_GROUP = re.compile(r",(?<=\d,)(?=\d{3}\b)")
# Possessive "'s" carries no content and is dropped by some house styles ("Putin's" / "Putin's").
_POSSESSIVE = re.compile(r"'s\b")
# A hyphen inside a word is a spelling choice: "cease-fire" / "ceasefire", "e-mail" / "email".
# Joining (not splitting) makes both spellings one token, matching the closed form.
_INNER_HYPHEN = re.compile(r"-(?<=\w-)(?=\w)")
_WORD = re.compile(r"[^\W_]+")
# On ASCII text a word (``_WORD``) is a run of ASCII letters and digits, so blanking every other
# byte and splitting finds the same words at a fraction of the regex's cost. Normal forms are
# nearly always ASCII: quotes, dashes and compatibility forms are folded by then.
_BLANK_NON_ALNUM = bytes(c if chr(c).isalnum() and c < 128 else ord(" ") for c in range(256))
# Courtesy titles are house style (NYT's "Mr. Putin" vs the wires' "Putin"), not content.
HONORIFICS: frozenset[str] = frozenset({"mr", "mrs", "ms", "messrs", "mx"})
# What ``words`` drops from ASCII text, as one set to filter with in C.
_ASCII_DROPPED: frozenset[str] = HONORIFICS | frozenset(string.ascii_letters)


def words(text: str) -> list[str]:
    """Word tokens of ``normalise_text(text)`` for shingling, with house-style noise folded.

    Folding, each because two outlets print the same sentence differently:
    dotted abbreviations lose their dots ("U.S." -> "us"), thousands separators go ("1,300"),
    possessive "'s" and other apostrophes go, hyphens inside words join the parts
    ("cease-fire" -> "ceasefire"), honorifics ("Mr.") and single-letter tokens (middle
    initials such as "Vladimir V. Putin", also "a"/"I") are dropped. Punctuation is a
    separator. Digits are kept, even single ones: numbers are content.
    """
    return normal_words(normalise_text(text))


def normal_words(normal: str) -> list[str]:
    """``words`` of a text already in normal form (``normalise_text``): callers that also digest
    the text normalise it once."""
    text = normal
    if _DOTTED_HINT.search(text):
        text = _DOTTED_ABBREV.sub(lambda m: m.group().replace(".", ""), text)
    if "," in text:
        text = _DIGIT_GROUP.sub("", text)
    if "'" in text:
        text = _POSSESSIVE.sub("", text).replace("'", "")
    if "-" in text:
        text = _INNER_HYPHEN.sub("", text)
    if text.isascii():
        found = text.encode("ascii").translate(_BLANK_NON_ALNUM).decode("ascii").split()
        # An ASCII word of one character is a letter (dropped) or a digit (kept).
        return list(filterfalse(_ASCII_DROPPED.__contains__, found))
    found = _WORD.findall(text)
    return [w for w in found if w not in HONORIFICS and (len(w) > 1 or w.isdigit())]


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
