"""Direct quotes in one document: where they are, what they say, full or fragment, and who said it.

One job: find the quoted passages of a text and assemble `ExtractedQuote` values (the speaker
comes from `attribution`, the canonical ids from `speakers`). Pure: text in, values out.

Marks: curly “ ” and ‘ ’, straight " and ', and '' / `` used as double marks in wire copy (a
straight " after = or before > belongs to markup left in the text, and is no mark). The
outermost pair wins; marks nested inside it (‘no’ inside “…”) are part of the quoted words. An
opening double mark left open at the end of a paragraph continues when the next paragraph opens
with a double mark again (the news convention for quotes running over paragraphs); each
paragraph's part is its own quote with the same speaker, so `text[start:end]` always equals the
quoted words. A double mark left open with no closer in sight (the next paragraph's first double
mark opens another quote, or there is none) runs to the end of its paragraph: the closer was
forgotten. Any other unclosed mark is ignored. A double mark typed the wrong way round
(“ closing, ” opening) is read by where it stands, glued to the word before or the word after.

Quoted words are the characters between the marks, trimmed of spaces and of a trailing , ; or :
(punctuation the writer's sentence needs); a closing . ? ! stays.

Kind: `full` when the quote opens its sentence, opens a continued paragraph, or follows a colon
or comma (“He added, “…”); otherwise it is a `fragment` inside the writer's own sentence.

Not quotes (nobody's words), dropped:
- names, titles and terms: marks right after "known as", "dubbed", "called", "titled",
  "named", "the name", "so-called", "the word/term/phrase" or a fragment whose every word is
  capitalised (a title such as “Meet the Press”), or, with no speech cue, such a title opening
  a sentence or following a comma (“Gifted Hands” is his memoir), or, cue or not, right after
  a noun for a work (his memoir, “Gifted Hands”) or owned by a name (NBC’s “Today”), and a
  capitalised quote modifying a noun for a work's people (the “Harbor Lights” star); but a
  relative clause with a subject of its own labels in that subject's words (“what Mr. Berg
  called “the old model””);
- scare quotes: a fragment of at most three words in a sentence with no speech cue;
- credited titles: a quote without a speech cue followed by "by" and a name (“Leaving the
  stage” by Jo Lin: a headline or a book and its author);
- hypothetical speech: a quote introduced by a cue under a modal ("would say, “…”").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import partial
from typing import Final, NamedTuple

from schemas.quotes import QuoteKind, SpeakerType
from service.core.attribution import Attribution, QuoteSite, attribute_quotes, build_document
from service.core.mentions import name_mentions
from service.core.scan import char_positions
from service.core.sentences import Span, document_sentences, paragraph_spans
from service.core.speakers import resolve_document


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
    # False when the speaker is known only by surname (speaker_id is then "surname:…");
    # None when there is no speaker.
    speaker_resolved: bool | None = None
    # A person speaker's folded surname (Speaker.surname_key); None for organisations.
    surname_key: str | None = None

    # The __init__ @dataclass would generate, written out: compiled with this module, it sets
    # the fields at about a third of the cost of the generated one, which runs as Python code.
    def __init__(
        self,
        text: str,
        start: int,
        end: int,
        kind: QuoteKind,
        speaker: str | None,
        speaker_id: str | None,
        speaker_as_written: str | None,
        speaker_type: SpeakerType | None,
        cue: str | None,
        speaker_resolved: bool | None = None,
        surname_key: str | None = None,
    ) -> None:
        set_field = object.__setattr__  # frozen: plain assignment raises
        set_field(self, "text", text)
        set_field(self, "start", start)
        set_field(self, "end", end)
        set_field(self, "kind", kind)
        set_field(self, "speaker", speaker)
        set_field(self, "speaker_id", speaker_id)
        set_field(self, "speaker_as_written", speaker_as_written)
        set_field(self, "speaker_type", speaker_type)
        set_field(self, "cue", cue)
        set_field(self, "speaker_resolved", speaker_resolved)
        set_field(self, "surname_key", surname_key)


class _Found(NamedTuple):
    """A quoted passage: mark offsets, word offsets, its paragraph and run-over group."""

    open: int  # offset of the opening mark
    close: int  # offset just past the closing mark (paragraph end when continued)
    start: int
    end: int
    paragraph: int
    group: int
    continued_from_previous: bool


# Constants are Final: compiled with mypyc, a Final name is read from a C static, not looked
# up in the module's dict at every use.
# tuple.__new__ builds a NamedTuple without its Python-level constructor (every field given).
_new_found: Final = partial(tuple.__new__, _Found)
_new_site: Final = partial(tuple.__new__, QuoteSite)


_MARK_CHARS = "'‘’`\"“”„«»"
# '' ‘‘ ’’ `` are marks of their own, written as two characters; a lone ` is no mark.
_DOUBLED: Final[dict[str, str]] = {"'": "''", "‘": "‘‘", "’": "’’", "`": "``"}


class _Mark(NamedTuple):
    at: int
    text: str


_new_mark: Final = partial(tuple.__new__, _Mark)


def _marks(text: str) -> list[_Mark]:
    """Every quote mark of `text` in order, a doubled one as one mark.

    Read off the text at each mark character rather than matched with a regex: a document has
    a hundred marks and each is one of a few fixed strings, so a Match object per mark was
    most of the cost.
    """
    found: list[_Mark] = []
    cursor = 0
    for index in char_positions(text, _MARK_CHARS, 0, len(text)):
        if index < cursor:
            continue  # the second character of a doubled mark
        char = text[index]
        doubled = _DOUBLED.get(char)
        if doubled is not None and text.startswith(doubled, index):
            found.append(_new_mark((index, doubled)))
            cursor = index + 2
        elif char != "`" and not _markup_quote(text, index):
            found.append(_new_mark((index, char)))
    return found


def _markup_quote(text: str, index: int) -> bool:
    """A " after = or before > delimits an attribute of markup left in the text
    (<a href="…">), not anybody's words."""
    return text[index] == '"' and (
        (index > 0 and text[index - 1] == "=") or text.startswith(">", index + 1)
    )


_DOUBLE_OPEN: Final = frozenset({"“", "„", "«", "``", "‘‘"})
_DOUBLE_CLOSE: Final = frozenset({"”", "»", "’’"})
_DOUBLE_EITHER: Final = frozenset({'"', "''"})
_DOUBLE_MARKS: Final = ('"', "”", "“", "''", "``", "‘‘")
_OPENING_CONTEXT: Final = frozenset(" \t\xa0([{—–-/:")
_TRIM_TAIL = " \t,;:"
# Words right before a mark that make the quoted words a name or term (any case; the test is
# a str.endswith on the lower-cased text before the mark, far cheaper than a $-anchored search).
_NAMING_BEFORE: Final[tuple[str, ...]] = (
    "known as", "dubbed", "nicknamed", "titled", "entitled", "named", "the name", "so-called",
    "called",
    *(f"the {noun}{plural}" for noun in ("word", "term", "phrase", "slogan", "label", "hashtag")
      for plural in ("", "s")),
)  # fmt: skip
# Nouns for works and named undertakings, whose names are quoted: “Oppenheimer”, “Oreshnik”.
_WORK_NOUNS: Final = tuple(
    f" {noun}"
    for noun in (
        "film", "movie", "book", "novel", "song", "album", "show", "series", "documentary",
        "play", "opera", "newspaper", "magazine", "podcast", "exhibition", "operation",
        "programme", "program", "campaign", "project", "initiative", "missile", "ship",
        "memoir", "autobiography", "biography", "ad", "video", "comedy", "drama", "sitcom",
        "musical", "poem",
    )
)  # fmt: skip
# The last characters of those phrases: most text before a quote ends in none of them ("said",
# a comma), and is turned down without trying each phrase in turn.
_NAMING_LAST: Final = frozenset(phrase[-1] for phrase in _NAMING_BEFORE)
_WORK_LAST: Final = frozenset(noun[-1] for noun in _WORK_NOUNS)
# A relative clause whose subject labels something: "what Mr. Hedge called", "whom he dubbed".
_LABELLING_CLAUSE: Final = re.compile(
    r"\b(?:[Ww]hat|whom|who|which)\s+(?:[\w.’'-]+\s+){1,4}"
    r"(?:called|calls|dubbed|termed|labeled|labelled|nicknamed)\s*$"
)
# “Sam Mendes leaves the show” by Jo Lin, of the Ledger: a headline or a book credited to its
# author is a title, not somebody's words (a quote with a cue is left alone: “shaken” by it).
_CREDITED_TO: Final = re.compile(r"[,.]?\s*by\s+(?:the\s+)?[A-Z]")
# NBC’s “Today”, the Ledger’s “Harbor Notes”: a capitalised quote owned by a name is the name of
# something that name runs or made (a programme, a column, a slogan), not words it said.
_NAME_POSSESSIVE: Final = re.compile(r"[A-Z][\w.&-]*(?:’s|'s|’|')\s*$")
# “Harbor Lights” star Jo Lin, the “Tides” author: a capitalised quote modifying a noun for the
# people of a work is that work's title.
_WORK_PEOPLE_AFTER: Final = re.compile(
    r" (?:star|co-star|actor|actress|creator|showrunner|director|producer|author|writer|"
    r"franchise|episode|sequel|cast)\b"
)
_SMALL_WORDS: Final = frozenset(
    ["a", "an", "the", "of", "and", "or", "in", "on", "for", "to", "at", "by", "with", "from"]
)
_WORD: Final = re.compile(r"[\w’'-]+")


def _can_open(text: str, index: int, floor: int) -> bool:
    return index == floor or text[index - 1] in _OPENING_CONTEXT or text[index - 1] in "“‘\"'"


# A double mark of the wrong shape (“ typed for ”, or the reverse) is read by where it stands: one
# glued to the end of a word and followed by a space closes, one after a space and glued to the
# next word opens, as a reader takes it.
def _turned_closer(text: str, index: int, end: int) -> bool:
    after = text[index + 1] if index + 1 < end else " "
    return not text[index - 1].isspace() and not after.isalnum()


def _turned_opener(text: str, index: int, floor: int, end: int) -> bool:
    after = text[index + 1] if index + 1 < end else " "
    return after.isalnum() and (index == floor or text[index - 1] in " \t\xa0")


def _single_closes(text: str, index: int, end: int) -> bool:
    after = text[index + 1] if index + 1 < end else " "
    return not after.isalnum()


def _plural_possessive(text: str, index: int, end: int, marks: list[_Mark]) -> bool:
    """Russians’ plans: an s’ followed by a word, when a later closer exists instead."""
    after = text[index + 1] if index + 1 < end else " "
    return (
        text[index - 1] in "sS"
        and after == " "
        and any(
            m.at > index and m.text in ("’", "'") and _single_closes(text, m.at, end) for m in marks
        )
    )


def _scan(
    text: str, paragraph: Span, marks: list[_Mark]
) -> tuple[list[tuple[int, int, int, int]], Span | None]:
    """Top-level quotes of one paragraph (given its marks) as (open, close, start, end); plus a
    dangling opener as (open, start of its words)."""
    start, end = paragraph
    found: list[tuple[int, int, int, int]] = []
    open_at: int | None = None
    open_len = 0
    outer: str | None = None  # "double" or "single"
    for at, mark in marks:
        if outer is None:
            if (
                mark in _DOUBLE_OPEN
                or (mark in _DOUBLE_EITHER and _can_open(text, at, start))
                or (mark == "”" and _turned_opener(text, at, start, end))
            ):
                outer, open_at, open_len = "double", at, len(mark)
            elif mark in ("‘", "'") and _can_open(text, at, start):
                after = text[at + 1] if at + 1 < end else " "
                if after.isalpha():  # ‘90s and 'em are elisions, not openers
                    outer, open_at, open_len = "single", at, 1
            continue
        assert open_at is not None
        if outer == "double" and (
            mark in _DOUBLE_CLOSE
            or mark in _DOUBLE_EITHER
            or (mark == "“" and _turned_closer(text, at, end))
        ):
            found.append((open_at, at + len(mark), open_at + open_len, at))
            outer = open_at = None
        elif outer == "double" and mark in _DOUBLE_OPEN and mark not in ("‘‘",):
            open_at, open_len = at, len(mark)  # the previous opener was stray
        elif (
            outer == "single"
            and mark in ("’", "'")
            and _single_closes(text, at, end)
            and not _plural_possessive(text, at, end, marks)
        ):
            found.append((open_at, at + 1, open_at + 1, at))
            outer = open_at = None
    dangling = (open_at, open_at + open_len) if outer == "double" and open_at is not None else None
    return found, dangling


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1] in _TRIM_TAIL:
        end -= 1
    return start, end


def _opens_with_double(text: str, paragraph: Span) -> bool:
    head = text[paragraph[0] : paragraph[0] + 2]
    return head[:1] in ("“", '"', "„", "«") or head in ("``", "''", "‘‘")


def _next_opens_with_double(text: str, paragraphs: tuple[Span, ...], index: int) -> bool:
    return index + 1 < len(paragraphs) and _opens_with_double(text, paragraphs[index + 1])


def _closer_in_next(text: str, paragraphs: tuple[Span, ...], index: int) -> bool:
    """Whether the next paragraph's first double mark may close a quote left open before it."""
    if index + 1 >= len(paragraphs):
        return False
    start, end = paragraphs[index + 1]
    first = end
    for mark in _DOUBLE_MARKS:
        at = text.find(mark, start, first)
        if at != -1:
            first = at
    if first == end:
        return False
    mark = text[first]
    if mark == "“" or text.startswith(("``", "‘‘"), first):
        return False
    return mark == "”" or not _can_open(text, first, start)


def find_quotes(text: str, paragraphs: tuple[Span, ...]) -> list[_Found]:
    """All top-level quoted passages, following quotes that run over paragraphs."""
    found: list[_Found] = []
    group = 0
    carried = False
    # One scan for the whole text: every mark lies inside a paragraph, since paragraphs are the
    # lines trimmed of white space only. Only the paragraphs holding marks are visited (most
    # hold none), from the paragraph of each next mark.
    marks = _marks(text)
    mark_starts = [mark.at for mark in marks]
    paragraph_ends = [end for _, end in paragraphs]
    previous = -1
    next_mark = 0
    while next_mark < len(marks):
        first_mark = next_mark
        index = bisect_right(paragraph_ends, mark_starts[first_mark])
        paragraph = paragraphs[index]
        next_mark = bisect_left(mark_starts, paragraph[1], first_mark)
        if index != previous + 1:
            carried = False  # paragraphs without marks came between: nothing carried over
        previous = index
        spans, dangling = _scan(text, paragraph, marks[first_mark:next_mark])
        continues = carried and bool(spans) and spans[0][0] == paragraph[0]
        for position, (mark_open, mark_close, start, end) in enumerate(spans):
            if not (continues and position == 0):
                group += 1
            word_start, word_end = _trim(text, start, end)
            if word_end > word_start:
                found.append(
                    _new_found((mark_open, mark_close, word_start, word_end, index, group,
                                continues and position == 0))
                )  # fmt: skip
        carried = False
        if dangling is not None and (
            _next_opens_with_double(text, paragraphs, index)
            or not _closer_in_next(text, paragraphs, index)
        ):
            if not (continues and not spans and dangling[0] == paragraph[0]):
                group += 1
            word_start, word_end = _trim(text, dangling[1], paragraph[1])
            if word_end > word_start:
                found.append(
                    _new_found((dangling[0], paragraph[1], word_start, word_end, index, group,
                                carried or (continues and dangling[0] == paragraph[0])))
                )  # fmt: skip
            carried = _next_opens_with_double(text, paragraphs, index)
    return found


def _masked(text: str, quotes: list[_Found]) -> str:
    """The text with quoted words replaced by 'x' (same length), marks and offsets kept."""
    if not quotes:
        return text
    pieces: list[str] = []
    cursor = 0
    for quote in quotes:
        inner_start = quote.open + 1
        inner_end = max(inner_start, quote.close - 1)
        pieces.append(text[cursor:inner_start])
        pieces.append("x" * (inner_end - inner_start))
        cursor = inner_end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _kind(text: str, quote: _Found, sentence_start: int) -> QuoteKind:
    if quote.continued_from_previous:
        return QuoteKind.FULL
    before = text[sentence_start : quote.open].rstrip()
    if not before or before.endswith(":"):
        return QuoteKind.FULL
    if before.endswith(",") and (text[quote.start].isupper() or _after_cue(before)):
        return QuoteKind.FULL
    return QuoteKind.FRAGMENT


_CUE_BEFORE_COMMA: Final = re.compile(
    r"\b(?:said|says|told \w+|added|adds|adding|stated|stating|wrote|writes|noted|asked|"
    r"replied|declared|continued|explained|warned|insisted|argued|\w+ly)\s*,$"
)


def _after_cue(before: str) -> bool:
    return bool(_CUE_BEFORE_COMMA.search(before[-40:]))


def _is_name_or_title(text: str, quote: _Found, kind: QuoteKind) -> bool:
    before = text[max(0, quote.open - 30) : quote.open].rstrip().lower()
    if before[-1:] in _NAMING_LAST and before.endswith(_NAMING_BEFORE):
        # "what Mr. Hedge called “…”" labels in someone's words; "a film called “…”" names.
        return not _LABELLING_CLAUSE.search(text, max(0, quote.open - 60), quote.open)
    if (
        text[quote.end - 1] not in ".?!"
        and _NAME_POSSESSIVE.search(text, max(0, quote.open - 40), quote.open)
        and _title_cased(text, quote, 1)
    ):
        return True
    if (
        text[quote.start].isupper()
        and text[quote.end - 1] not in ".?!"
        and _WORK_PEOPLE_AFTER.match(text, quote.close)
    ):
        return True
    # The film “Oppenheimer”, or in apposition, his memoir, “Tough Choices”: one capitalised
    # word is enough after the noun for a work, whatever the sentence around it says.
    noun = before[:-1].rstrip() if before.endswith(",") else before
    if noun[-1:] in _WORK_LAST and noun.endswith(_WORK_NOUNS):
        return _title_cased(text, quote, 1)
    return kind is QuoteKind.FRAGMENT and _title_cased(text, quote, 2)


def _title_cased(text: str, quote: _Found, min_words: int) -> bool:
    """At least `min_words` words, and every one but the small words capitalised (at least
    one). Read word by word: most fragments stop at their first ordinary word."""
    count = 0
    significant = False
    for match in _WORD.finditer(text, quote.start, quote.end):
        count += 1
        word = match[0]
        if word.lower() in _SMALL_WORDS:
            continue
        if not word[0].isupper():
            return False
        significant = True
    return significant and count >= min_words


def _keep(text: str, quote: _Found, kind: QuoteKind, attribution: Attribution) -> bool:
    if attribution.hypothetical or _is_name_or_title(text, quote, kind):
        return False
    if not attribution.has_cue and (
        _CREDITED_TO.match(text, quote.close)
        # “The Walking Dead” is a drama; his memoir, “Gifted Hands”: a title in capitals (one
        # word is enough) opening a sentence or after a comma, with nobody saying it, is a
        # name as well.
        or (
            kind is QuoteKind.FULL
            and text[quote.end - 1] not in ".?!"
            and _title_cased(text, quote, 1)
        )
    ):
        return False
    return not (
        kind is QuoteKind.FRAGMENT
        and not attribution.has_cue
        and len(text[quote.start : quote.end].split()) <= 3
    )


def extract_quotes(text: str) -> list[ExtractedQuote]:
    """Every direct quote in `text`, in document order, with its speaker when knowable."""
    paragraphs = paragraph_spans(text)
    quotes = find_quotes(text, paragraphs)
    if not quotes:
        return []
    masked = _masked(text, quotes)
    sentences, owners = document_sentences(text, paragraphs, [(q.open, q.close) for q in quotes])
    names = name_mentions(masked)
    doc = build_document(masked, sentences, owners, paragraphs, names, resolve_document(names))
    sentence_starts = [s[0] for s in sentences]
    sites = [
        _new_site((q.open, q.close, bisect_right(sentence_starts, q.open) - 1, q.group))
        for q in quotes
    ]
    attributions = attribute_quotes(doc, sites)
    results: list[ExtractedQuote] = []
    for quote, site, attribution in zip(quotes, sites, attributions, strict=True):
        kind = _kind(text, quote, sentences[site.sentence][0])
        if not _keep(text, quote, kind, attribution):
            continue
        results.append(_extracted(text, quote, kind, attribution))
    return results


def _extracted(
    text: str, quote: _Found, kind: QuoteKind, attribution: Attribution
) -> ExtractedQuote:
    # Every field positional, in order: the frozen dataclass's __init__ runs as Python code,
    # and binding eleven keyword arguments there costs about a quarter of the call.
    entity = attribution.entity
    if entity is None:
        return ExtractedQuote(
            text[quote.start : quote.end], quote.start, quote.end, kind, None, None,
            attribution.as_written, None, attribution.cue, None, None,
        )  # fmt: skip
    speaker = entity.speaker
    return ExtractedQuote(
        text[quote.start : quote.end], quote.start, quote.end, kind, speaker.name, speaker.id,
        attribution.as_written, speaker.type, attribution.cue, speaker.resolved,
        speaker.surname_key,
    )  # fmt: skip
