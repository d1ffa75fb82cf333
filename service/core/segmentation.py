"""Classify the lines of a news page's text dump, keeping only what can make up an entry.

One job: turn page text into a sequence of typed lines (byline, dateline, heading, subhead,
prose, footer marker) with the page furniture removed. Grouping those lines into entries is
``service.core.feed``'s job.

The rules are general rather than tied to one site:

* known furniture phrases (ads, "Image", comment widgets, "Most Read", sign-up prompts,
  copyright and imprint lines, relative timestamps) are noise;
* photo captions are recognised by their credit tail ("Picture: … via REUTERS");
* contribution lines ("X contributed reporting.") are credits, not body;
* footer markers ("Comments", "Most Read", "© …", an agency name alone) close an article;
* "**Bold**" lines are subheads; body paragraphs end with sentence punctuation, so a short line
  without it is a label (map/graphic text) and a longer one a heading;
* a dense run of labels is a graphic: its labels and the captions caught between them go;
* a line repeated back-to-back (a headline printed twice, "RUSSIA" × 3) counts once.

Pure: no I/O, logging or environment.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum


class LineKind(StrEnum):
    NOISE = "noise"  # ads, image placeholders, widgets, captions, timestamps
    FOOTER = "footer"  # end-of-article furniture: an article's body stops here
    CREDIT = "credit"  # "X contributed reporting.", "Reporting by …"
    BYLINE = "byline"
    DATELINE = "dateline"  # "Reporting from Berlin"
    SUBHEAD = "subhead"  # "**Battle for Kursk**", "## Section"
    LABEL = "label"  # short text without sentence punctuation: map labels, buttons
    HEADING = "heading"  # longer text without sentence punctuation: headlines, standfirsts
    PROSE = "prose"  # a body paragraph, or a headline written as a sentence


@dataclass(frozen=True, slots=True)
class Line:
    """One non-blank line of the page. ``value`` is the payload: names for a byline, the text
    without markup for a subhead, the line itself otherwise."""

    number: int  # 1-based line number in the source text, for debugging
    text: str  # the line as printed, whitespace-normalised
    kind: LineKind
    value: str


# --- Tunables (word counts) -------------------------------------------------------------------

LABEL_MAX_WORDS = 4  # "Russian-claimed advances", "5 miles", "over the past week"
ALL_CAPS_LABEL_MAX_WORDS = 12  # "SKIP TO CONTENT", "RUSSIA": all-caps lines are never body
HEADING_MAX_WORDS = 25  # past this an unpunctuated line is a paragraph missing its full stop
CAPTION_MAX_WORDS = 30  # a sentence caught between graphic labels is that graphic's caption
GRAPHIC_MIN_LABELS = 3  # two stray labels around a paragraph are not yet a graphic
GRAPHIC_MAX_GAP = 1  # non-label lines allowed between two labels of the same graphic

# --- Furniture ------------------------------------------------------------------------------
# Compared after casefolding, curly-quote folding and whitespace collapsing (see ``fold``).

NOISE_PHRASES = frozenset(
    {
        "ad",
        "advertisement",
        "advertising",
        "skip advertisement",
        "sponsored",
        "sponsored content",
        "supported by",
        "image",
        "images",
        "photo",
        "video",
        "graphic",
        "pinned",
        "live",
        "live updates",
        "just now",
        "share",
        "share this",
        "share this article",
        "share full article",
        "listen to this article",
        "continue reading",
        "continue reading the main story",
        "follow us",
        "subscribe",
        "sign up",
        "log in",
        "sign in",
        "print",
        "email",
        "see more updates",
        "show more",
        "load more",
        "loading...",
        "back to top",
    }
)

# Lines after which an article's body is over (comment widgets, "most read" boxes, imprints).
FOOTER_PHRASES = frozenset(
    {
        "comments",
        "comment",
        "leave a reply",
        "leave a comment",
        "most read",
        "most popular",
        "more from",
        "related",
        "related articles",
        "related stories",
        "related content",
        "read more",
        "read next",
        "recommended",
        "recommended for you",
        "more on this story",
        "would you like to comment on this article?",
    }
)

# An agency name alone on a line signs off wire copy.
AGENCY_SIGNOFFS = frozenset(
    {"reuters", "ap", "afp", "associated press", "bloomberg", "dpa", "efe", "ansa", "xinhua"}
)

_NOISE_PATTERNS = (
    re.compile(r"^(sign up|sign in|log in|subscribe|register)\b.{0,80}$"),
    re.compile(r"^(please )?read our .{0,40}(policy|guidelines|terms)\b"),
    re.compile(r"\bcomment policy\b"),
    re.compile(r"^\d{1,3}\s*(s|sec|secs|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\s+ago$"),
    re.compile(r"^(updated|published|posted)\b.{0,40}\d.{0,30}$"),
    re.compile(r"^credit(\.{2,}|…|:)"),
)

_FOOTER_PATTERNS = (
    re.compile(r"^(©|\(c\)\s*\d{4}|copyright\b)"),
    re.compile(r"^published by\b"),
    re.compile(r"^no comments yet\b"),
    re.compile(r"^\d+\s+comments?$"),
)

# A caption ends in a picture credit: "… Picture: Russian Defence Ministry/Handout via REUTERS".
_CAPTION_TAIL = re.compile(
    r"(\b(Pictures?|Photos?|Photograph|Image|Credit|Photo credit)\s*:\s*[^.!?]{1,120}"
    r"|\bvia (REUTERS|Reuters|AP|AFP|Getty Images)"
    r"|\((Photo|Picture|Image)s? by [^)]{1,80}\))\s*$"
)

_CONTRIBUTION = re.compile(
    r"(\bcontributed (reporting|research|to this (report|article|story))\b"
    r"|^\(?(additional )?(reporting|writing|editing) by\b)",
    re.IGNORECASE,
)

_DATELINE = re.compile(r"^Reporting from\s+\S.{0,80}$")

# A lead dateline opening a first paragraph: "BERLIN — As …", "Moscow — Russian …",
# "MOSCOW: Russian …", "KYIV, Ukraine (Reuters) - …". Title-case places need a dash, because
# "Bottom line: It's …" style leads would otherwise match.
_LEAD_DATELINE = re.compile(
    r"^(?P<place>"
    r"[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,2}(?:, [A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+)?)?"
    r"(?: \([A-Za-z ]{2,30}\))?(?=\s*(?:—|–|--|-|:)\s)"
    r"|[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}(?:, [A-Z][a-z]+(?: [A-Z][a-z]+)?)?"
    r"(?: \([A-Za-z ]{2,30}\))?(?=\s*(?:—|–|--)\s)"
    r")\s*(?:—|–|--|-|:)\s+(?=[A-Z“\"‘'])"
)

_BOLD = re.compile(r"^(\*\*|__)(?P<text>.+?)(\*\*|__)$")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.+)$")
_BY_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"\s*(?:,\s*and\s+|,\s*|\s+and\s+|\s*&\s*)\s*")

# Terminal punctuation of a sentence; closing quotes and brackets are looked through.
_SENTENCE_END = frozenset(".!?:;…")
_CLOSERS = "\"'”’»)]*_"

_NAME_PARTICLES = frozenset(
    {"de", "da", "del", "della", "der", "den", "van", "von", "la", "le", "du", "dos", "bin", "al"}
)
# Capitalised words that make a two-word line look like a name but never are one.
_NOT_NAME_WORDS = frozenset(
    {
        "advertisement",
        "analysis",
        "breaking",
        "comments",
        "continue",
        "credit",
        "detail",
        "editorial",
        "graphic",
        "here",
        "home",
        "image",
        "key",
        "latest",
        "live",
        "map",
        "menu",
        "more",
        "most",
        "news",
        "opinion",
        "photo",
        "popular",
        "read",
        "related",
        "reply",
        "search",
        "share",
        "sign",
        "skip",
        "source",
        "sponsored",
        "stories",
        "subscribe",
        "takeaways",
        "top",
        "update",
        "updates",
        "video",
        "watch",
        "what",
        "oblast",
        "province",
        "region",
        "republic",
        "river",
        "sea",
        "strait",
        "district",
        "county",
        "island",
        "islands",
    }
)

_QUOTE_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})


# --- Small text helpers ---------------------------------------------------------------------


def normalise_whitespace(text: str) -> str:
    """Collapse runs of whitespace (incl. no-break spaces) and strip the ends."""
    return " ".join(text.split())


def fold(text: str) -> str:
    """Comparison key: NFKC, casefolded, straight quotes, single spaces."""
    return normalise_whitespace(
        unicodedata.normalize("NFKC", text).translate(_QUOTE_FOLD)
    ).casefold()


def word_count(text: str) -> int:
    return len(text.split())


def ends_sentence(text: str) -> bool:
    """True when the line ends like a sentence (looking through closing quotes/brackets)."""
    stripped = text.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


# --- Single-line recognisers ----------------------------------------------------------------


def is_noise(text: str) -> bool:
    """Ads, image placeholders, widgets, timestamps and photo captions."""
    key = fold(text).rstrip(":")
    if key in NOISE_PHRASES or any(p.search(key) for p in _NOISE_PATTERNS):
        return True
    return is_caption(text)


def is_caption(text: str) -> bool:
    return _CAPTION_TAIL.search(text) is not None


def is_footer(text: str) -> bool:
    """Furniture that closes an article: comment widgets, related/most-read boxes, imprints,
    and an agency name alone on a line (the sign-off of wire copy)."""
    key = fold(text)
    if key.rstrip(":") in FOOTER_PHRASES or key.strip("()") in AGENCY_SIGNOFFS:
        return True
    return any(p.search(key) for p in _FOOTER_PATTERNS)


def is_credit(text: str) -> bool:
    """Contribution lines ("X contributed reporting."): who reported, not what happened."""
    return word_count(text) <= 40 and _CONTRIBUTION.search(text) is not None


def parse_dateline(text: str) -> str | None:
    """ "Reporting from Kyiv, Ukraine" → the line as printed; anything else → None."""
    if _DATELINE.match(text) and not text.rstrip().endswith(".") and word_count(text) <= 10:
        return text
    return None


def parse_lead_dateline(paragraph: str) -> str | None:
    """The place of a dateline opening a paragraph ("BERLIN — …" → "BERLIN"), if any."""
    match = _LEAD_DATELINE.match(paragraph)
    return match.group("place") if match else None


def parse_subhead(text: str) -> str | None:
    """ "**Battle for Kursk**" or "## Battle for Kursk" → "Battle for Kursk"."""
    match = _BOLD.match(text) or _MARKDOWN_HEADING.match(text)
    return normalise_whitespace(match.group("text")) if match else None


def _is_name_token(token: str, *, allow_caps: bool) -> bool:
    if not token[0].isupper() or not all(c.isalpha() or c in "-'’." for c in token):
        return False
    if token.casefold().strip(".") in _NOT_NAME_WORDS:
        return False
    rest = token[1:]
    if rest == ".":  # an initial, as in "Vladimir V. Putin"
        return True
    return any(c.islower() for c in rest) or (allow_caps and len(rest) > 0)


def _is_person_name(name: str, *, allow_caps: bool) -> bool:
    tokens = name.split()
    if not 2 <= len(tokens) <= 5:
        return False
    # Lowercase particles ("van", "de") may sit inside a name but never start or end it.
    if tokens[0] in _NAME_PARTICLES or tokens[-1] in _NAME_PARTICLES:
        return False
    cores = [t for t in tokens if t not in _NAME_PARTICLES]
    return len(cores) >= 2 and all(_is_name_token(t, allow_caps=allow_caps) for t in cores)


def parse_byline(text: str) -> str | None:
    """Author names of a byline line, as printed without "By"; None when the line is not one.

    Accepts "Anton Troianovski", "Anton Troianovski and Nataliya Vasilyeva", "A, B and C",
    "By ANTON TROIANOVSKI". With an explicit "By", only the first name must look like a person
    (the rest may be an outlet: "By Jane Doe, Reuters").
    """
    if len(text) > 120 or any(c.isdigit() for c in text) or text[-1] in ".!?:;,":
        return None
    has_by = _BY_PREFIX.match(text) is not None
    names_text = _BY_PREFIX.sub("", text).strip()
    names = [n for n in _NAME_SEPARATORS.split(names_text) if n]
    if not names or len(names) > 6:
        return None
    if has_by:
        return names_text if _is_person_name(names[0], allow_caps=True) else None
    if all(_is_person_name(n, allow_caps=False) for n in names):
        return names_text
    return None


def is_label(text: str) -> bool:
    """Short text without sentence punctuation: map labels, scale bars, buttons, section names."""
    if ends_sentence(text):
        return False
    words = word_count(text)
    return words <= LABEL_MAX_WORDS or (is_all_caps(text) and words <= ALL_CAPS_LABEL_MAX_WORDS)


def classify_line(text: str) -> tuple[LineKind, str]:
    """Kind and payload of one whitespace-normalised, non-blank line, judged on its own."""
    if is_footer(text):
        return LineKind.FOOTER, text
    if is_noise(text):
        return LineKind.NOISE, text
    if is_credit(text):
        return LineKind.CREDIT, text
    if (subhead := parse_subhead(text)) is not None:
        return LineKind.SUBHEAD, subhead
    if (dateline := parse_dateline(text)) is not None:
        return LineKind.DATELINE, dateline
    if (byline := parse_byline(text)) is not None:
        return LineKind.BYLINE, byline
    if is_label(text):
        return LineKind.LABEL, text
    if not ends_sentence(text) and word_count(text) <= HEADING_MAX_WORDS:
        return LineKind.HEADING, text
    return LineKind.PROSE, text


# --- Passes over the whole page -------------------------------------------------------------


def classify_lines(text: str) -> tuple[Line, ...]:
    """Every non-blank line of ``text`` with its context-free kind."""
    lines: list[Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        cleaned = normalise_whitespace(raw)
        if cleaned:
            kind, value = classify_line(cleaned)
            lines.append(Line(number=number, text=cleaned, kind=kind, value=value))
    return tuple(lines)


def collapse_repeats(lines: Iterable[Line]) -> tuple[Line, ...]:
    """Drop a line identical (after folding) to the one just before it: a headline printed
    twice, or a label repeated across a graphic's panels, counts once."""
    kept: list[Line] = []
    for line in lines:
        if not kept or fold(kept[-1].text) != fold(line.text):
            kept.append(line)
    return tuple(kept)


def _graphic_spans(lines: Sequence[Line]) -> list[tuple[int, int]]:
    """Index ranges [start, end] of dense label runs (at most GRAPHIC_MAX_GAP other lines
    between consecutive labels, at least GRAPHIC_MIN_LABELS labels)."""
    label_at = [i for i, line in enumerate(lines) if line.kind is LineKind.LABEL]
    spans: list[tuple[int, int]] = []
    run: list[int] = []
    for index in label_at:
        if run and index - run[-1] > GRAPHIC_MAX_GAP + 1:
            if len(run) >= GRAPHIC_MIN_LABELS:
                spans.append((run[0], run[-1]))
            run = []
        run.append(index)
    if len(run) >= GRAPHIC_MIN_LABELS:
        spans.append((run[0], run[-1]))
    return spans


def drop_graphics(lines: Sequence[Line]) -> tuple[Line, ...]:
    """Remove graphics: their labels, plus headings and short captions caught between labels.

    Bylines and datelines inside a span survive: they start the next entry, not the graphic.
    """
    doomed: set[int] = set()
    for start, end in _graphic_spans(lines):
        for i in range(start, end + 1):
            line = lines[i]
            caption = line.kind is LineKind.PROSE and word_count(line.text) <= CAPTION_MAX_WORDS
            if line.kind in (LineKind.LABEL, LineKind.HEADING) or caption:
                doomed.add(i)
    return tuple(line for i, line in enumerate(lines) if i not in doomed)


def confirm_bylines(lines: Sequence[Line]) -> tuple[Line, ...]:
    """Keep a byline only when content follows it.

    A name-like line followed by a label is a place on a map ("New York" / "Sumy"), so it becomes
    a label. Consecutive bylines are one byline printed over several lines and are merged.
    """
    result: list[Line] = []
    for i, line in enumerate(lines):
        if line.kind is not LineKind.BYLINE:
            result.append(line)
            continue
        following = lines[i + 1] if i + 1 < len(lines) else None
        if following is None or following.kind in (LineKind.LABEL, LineKind.FOOTER):
            result.append(replace(line, kind=LineKind.LABEL, value=line.text))
        elif result and result[-1].kind is LineKind.BYLINE:
            previous = result.pop()
            merged = f"{previous.value} and {line.value}"
            result.append(replace(previous, text=f"{previous.text}\n{line.text}", value=merged))
        else:
            result.append(line)
    return tuple(result)


_MEANINGFUL = frozenset(
    {
        LineKind.FOOTER,
        LineKind.BYLINE,
        LineKind.DATELINE,
        LineKind.SUBHEAD,
        LineKind.HEADING,
        LineKind.PROSE,
    }
)


def segment(text: str) -> tuple[Line, ...]:
    """The page's meaningful lines in order: noise, credits, labels and graphics removed.

    Footer markers are kept so that the caller can decide where an article's body ends.
    """
    dropped = (LineKind.NOISE, LineKind.CREDIT)
    lines = [line for line in classify_lines(text) if line.kind not in dropped]
    # Repeats collapse first, so a name or headline printed twice is read once rather than as
    # a two-line byline.
    collapsed = collapse_repeats(lines)
    with_bylines = confirm_bylines(collapsed)
    without_graphics = drop_graphics(with_bylines)
    return tuple(line for line in without_graphics if line.kind in _MEANINGFUL)


def strip_footer(lines: Sequence[Line]) -> tuple[Line, ...]:
    """An article's lines up to its first footer marker that follows some prose.

    Everything after "Comments", "Most Read", "© 2025 …" or an agency sign-off is site
    furniture (related headlines, comment widgets); a footer-like line before any prose is just
    dropped, as it is likely navigation.
    """
    kept: list[Line] = []
    seen_prose = False
    for line in lines:
        if line.kind is LineKind.FOOTER:
            if seen_prose:
                break
            continue
        seen_prose = seen_prose or line.kind is LineKind.PROSE
        kept.append(line)
    return tuple(kept)


def drop_footer_lines(lines: Sequence[Line]) -> tuple[Line, ...]:
    """Footer markers removed, nothing truncated (a live blog may show them between entries)."""
    return tuple(line for line in lines if line.kind is not LineKind.FOOTER)
