"""Attribution: which speaker mention each quote belongs to, and through which cue.

One job: given a document's sentences, mentions and quote positions, pick for every quote the
speech cue ("said", "told reporters", "according to", ...) and the mention that is its subject,
then resolve that mention to an entity (names directly; "he"/"she" and descriptions such as
"the Russian leader" to the most recent compatible person).

Rules, in order, for one quote:
0. the quote as the object of a relative clause's verb: what Mr. Hedge called “…”;
1. attribution right after the quote: “…,” Mr. Putin said / “…,” said Putin, a former KGB officer;
2. the nearest cue before the quote in its sentence: Mr. Zelensky said that … “very manipulative”
   (the subject of the *speech verb*, never a person named inside the reported clause);
   participles (", adding", ", calling them", "stating,") take the subject of their clause;
3. any later cue in the sentence, including "according to X";
4. no cue: a quote continuing the previous quote (same paragraph, next sentence, or a quote run
   over paragraphs) keeps its speaker; a full quote standing alone takes the most recent speaker.
A cue governed by a modal ("Russia will very likely say, ‘…’") marks the quote hypothetical.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import partial
from typing import Final, NamedTuple

from schemas.quotes import SpeakerType
from service.core.lexicon import SPEECH_PHRASES, SPEECH_VERBS
from service.core.mentions import (
    MENTION_WORDS,
    ROLE_NOUNS,
    Mention,
    WordFinder,
    WordHit,
    in_order,
    role_key,
    roles_match,
    word_mentions,
)
from service.core.speakers import DocumentSpeakers, Entity, entity_for_unknown

Span = tuple[int, int]

# Constants are Final: compiled with mypyc, a Final name is read from a C static, not looked
# up in the module's dict at every use.
_CUE_SET: Final = frozenset([*SPEECH_VERBS, *SPEECH_PHRASES])
# Every word the extractor looks for, found in one scan: speech cues (for build_document) and
# role nouns and pronouns (for find_mentions).
KEYWORDS: Final = WordFinder([*_CUE_SET, *MENTION_WORDS])
_TELL_WORDS: Final = frozenset(
    [
        "reporters",
        "journalists",
        "state",
        "television",
        "tv",
        "media",
        "radio",
        "lawmakers",
        "parliament",
        "audience",
        "crowd",
        "supporters",
        "senators",
        "officials",
        "interviewer",
        "newspaper",
        "broadcaster",
    ]
)
_WEEKDAYS: Final = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "yesterday",
    ]
)
_CUE_WHERE: Final = re.compile(
    r"\s+(?:in|on)\s+(?:a|an|his|her|their|its)?\s*(?:[A-Z][\w-]*\s+|[a-z-]+\s+)?"
    r"(?:post|statement|message|letter|tweet|article|op-ed|column|blog|interview|address|"
    r"social media|Telegram|Facebook|X)\b"
)
# "went on to say", "was prompted to say", "continued to say" report what was said, as do
# "went so far as to say", "interjected to say", "paused to say", "took to Twitter to say".
_MODAL_BEFORE: Final = re.compile(
    r"\b(?:will|would|could|might|may|should|can|must|"
    r"(?<!\bon )(?<!continued )(?<!proceeded )(?<!prompted )(?<!used )"
    r"(?<!\bas )(?<!interjected )(?<!paused )(?<!stopped )(?<!Twitter )to)"
    r"\s+(?:\w+ly\s+|not\s+|probably\s+)*$"
)
_GAP: Final = re.compile(
    r"^(?:\s+|of\s+(?:the\s+)?[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*|on\s+[A-Z]\w+|\([^()]{1,30}\)|"
    r"(?:also|then|again|simply|notably|later|earlier|previously|once|has|have|had|was|is|"
    r"just|now|today|yesterday|still|further|already|only|never|first|last|\w+ly)\b)*$"
)
_LEAD_CONJUNCTION: Final = re.compile(
    r"\s*(?:(?:But|And|Or|So|Yet|Still|Then|Also|Now|Thus|then|also|now|still)\b\s*)+"
)
_ADVERBIAL_CHUNK: Final = re.compile(  # used with .match(text, pos): no ^ anchors
    r"\s*(?:When|While|After|Before|As|If|Although|Though|Since|Because|Until|Unless|Once|"
    r"Here\s+(?:in|at|on)|Asked|During|In|On|At|For|With|By|From|Of|To|Through|Among|Between|Within|Across|Without|Despite|Like|Unlike|Under|Over|Amid|Following|"
    r"According|Earlier|Later|Late|Last|Shortly|Meanwhile|Separately|However|Instead|Notably|"
    r"Moreover|Nonetheless|Nevertheless|Indeed|Again|Today|Yesterday|Still|Yet|who|which|whose|"
    r"Hours|Days|Weeks|Months|Years|Moments|Minutes|[A-Z][a-z]+ed|however|meanwhile|though|"
    r"too|instead|therefore|nonetheless|nevertheless|moreover|indeed|also|then|again|perhaps|"
    r"where|when|whom|[A-Z]?[a-z]+ing|[a-z]+ed|in|on|at|during|with|for|from|by|after|before|"
    r"to|of)\b"
)
_SPEECH_NOUN: Final = re.compile(
    r"(?:’s|'s)\s+(?:remarks|comments|statement|words|response|message|letter|post|reply|"
    r"address|speech|announcement|answer|account)\b"
)
_DETERMINERS: Final = frozenset(
    ["the", "The", "his", "her", "their", "its", "our", "my", "your", "a", "an", "these", "those"]
)
_LEAD_THE: Final = re.compile(r"\b[Tt]he\s+$")
_PREPOSITION_AFTER: Final = re.compile(
    r",? (?:of|by|to|after|before|from|with|in|on|at|for|that)\b"
)
_PREPOSITION_BEFORE: Final = re.compile(
    r"\b(?:in|with|of|to|for|by|from|at|on|about|after|before|between|against|like|than|over|"
    r"under|into|toward|towards|alongside|and|or)\s+(?:the\s+)?$"
)


class Cue(NamedTuple):
    """A speech cue in the masked text; `text` is the extended cue ("told reporters").

    A NamedTuple: a document has hundreds of cues and a frozen dataclass builds 3x slower.
    """

    start: int
    end: int
    text: str
    participle: bool  # "adding", "making clear": takes the subject of its clause
    according: bool  # "according to X", "in the words of X": the speaker follows


# A NamedTuple's own constructor is a Python-level function; tuple.__new__ builds the same
# value without it (every field given, in order).
_new_cue: Final = partial(tuple.__new__, Cue)


def _cue(start: int, end: int, text: str) -> Cue:
    # Both flags are read many times per cue during attribution: worked out once here.
    participle = text.split(None, 1)[0].endswith("ing")
    if text in _LEADING_ACCORDING:
        text = text.lower()  # "According to X, ...": the same cue as "..., according to X"
    return _new_cue((start, end, text, participle, text in ("according to", "in the words of")))


_LEADING_ACCORDING: Final = frozenset({"According to", "In the words of"})


class QuoteSite(NamedTuple):
    """Where one quote sits: mark offsets (opening mark .. just past the closing mark)."""

    open: int
    close: int
    sentence: int
    group: int  # quotes run over paragraphs share a group


class Attribution(NamedTuple):
    """Who said one quote (entity and words as written) and through which cue."""

    entity: Entity | None
    as_written: str | None
    cue: str | None
    has_cue: bool
    hypothetical: bool = False


_new_attribution: Final = partial(
    tuple.__new__, Attribution
)  # every field, in order (see _new_cue)


@dataclass(frozen=True, slots=True)
class Document:
    """Everything attribution reads; built once per document by the quote extractor.

    Names are found in the whole document (the speaker registry needs every one). Cue words,
    pronouns and descriptions are found paragraph by paragraph, when attribution first looks
    into a paragraph: it reads the sentences of quotes and a few paragraphs before them,
    typically under half of a text.
    """

    masked: str
    sentences: tuple[Span, ...]
    sentence_paragraph: tuple[int, ...]
    paragraphs: tuple[Span, ...]
    names: tuple[Mention, ...]  # people and organisations, in order
    speakers: DocumentSpeakers
    name_starts: tuple[int, ...] = field(default=())
    paragraph_ends: tuple[int, ...] = field(default=())


class _ParagraphWords(NamedTuple):
    """What the keyword scan of one paragraph found."""

    pronouns: list[Mention]
    descriptions: list[Mention]
    cues: list[WordHit]  # speech-cue words, extended ("told reporters") when first read


_ABBREVIATED_TITLES: Final = frozenset(
    {"mr", "mrs", "ms", "dr", "gen", "sen", "rep", "gov", "prof"}
)


def _extend_cue(masked: str, start: int, end: int) -> Cue:
    verb = masked[start:end]
    if verb.startswith(("told", "tell")):
        words: list[str] = []
        for position, word in enumerate(masked[end : end + 60].split()[:4]):
            bare = word.rstrip(",.;:")
            lowered = bare.lower()
            if position == 0 and lowered == "the" and bare == word:
                words.append(bare)  # "told the crowd": kept only if a listener follows
                continue
            named = bare[:1].isupper() and not bare.endswith(("’s", "'s"))
            if lowered in _WEEKDAYS or not (named or lowered in _TELL_WORDS):
                break
            if lowered in _ABBREVIATED_TITLES and word == bare + ".":
                words.append(word)  # "told Mr. Putin": the period ends the title, not the cue
                continue
            words.append(bare)
            if bare != word:
                break
        if words == ["the"]:
            words = []
        if words:
            # The cue ends after its listener, so that no listener is read as a speaker.
            last = masked.find(words[-1], end)
            return _cue(start, last + len(words[-1]), f"{verb} {' '.join(words)}")
    if where := _CUE_WHERE.match(masked, end):
        return _cue(start, where.end(), masked[start : where.end()])
    return _cue(start, end, verb)


def build_document(
    masked: str,
    sentences: tuple[Span, ...],
    sentence_paragraph: tuple[int, ...],
    paragraphs: tuple[Span, ...],
    names: tuple[Mention, ...],
    speakers: DocumentSpeakers,
) -> Document:
    """`names`: name_mentions(masked); `speakers`: resolve_document(names)."""
    return Document(
        masked=masked,
        sentences=sentences,
        sentence_paragraph=sentence_paragraph,
        paragraphs=paragraphs,
        names=names,
        speakers=speakers,
        name_starts=tuple(m.start for m in names),
        paragraph_ends=tuple(end for _, end in paragraphs),
    )


def _paragraph_words(masked: str, paragraph: Span) -> _ParagraphWords:
    start, end = paragraph
    # From the character before the paragraph (white space), so that a word opening it is
    # found as it would be by a scan of the whole text.
    hits = KEYWORDS.finditer(masked, max(0, start - 1), end)
    pronouns, descriptions = word_mentions(masked, hits)
    cues = [
        hit
        for hit in hits
        # Not after "-": "so-called" is not the cue "called"; not after a determiner or a
        # possessive: "his remarks", "the alleged plot", "Trump's attacks" are no speech.
        if hit.text in _CUE_SET
        and masked[hit.start - 1 : hit.start] != "-"
        and not _after_determiner(masked, hit.start)
    ]
    return _ParagraphWords(pronouns, descriptions, cues)


def _spaced_hyphen(masked: str, index: int, end: int) -> bool:
    """Whether the hyphen at `index` has white space on both sides, the one after it before
    `end` (the one before it may precede the stretch looked at)."""
    return (
        index > 0
        and index + 1 < end
        and masked[index - 1].isspace()
        and masked[index + 1].isspace()
    )


def _after_determiner(masked: str, start: int) -> bool:
    before = masked[max(0, start - 8) : start].rstrip()
    if before.endswith(("’s", "'s")):
        return True
    return bool(before) and before.rsplit(None, 1)[-1] in _DETERMINERS


@dataclass(slots=True)
class _Resolver:
    """Per-call scratch state (memoised speakers and subjects); never outlives one extraction."""

    doc: Document
    sentence_speaker_cache: dict[int, Entity | None] = field(default_factory=dict)
    # Several quotes of a sentence share its cues: each cue's subject is worked out once.
    subject_cache: dict[tuple[int, int, int], Mention | None] = field(default_factory=dict)
    words_cache: dict[int, _ParagraphWords] = field(default_factory=dict)  # by paragraph
    cue_cache: dict[int, Cue] = field(default_factory=dict)  # extended cues by start

    # ---- paragraphs --------------------------------------------------------------------------
    def paragraph_words(self, start: int, end: int) -> list[_ParagraphWords]:
        """The keyword finds of every paragraph that overlaps text[start:end]."""
        paragraphs = self.doc.paragraphs
        found: list[_ParagraphWords] = []
        index = bisect_right(self.doc.paragraph_ends, start)
        while index < len(paragraphs) and paragraphs[index][0] < end:
            words = self.words_cache.get(index)
            if words is None:
                words = _paragraph_words(self.doc.masked, paragraphs[index])
                self.words_cache[index] = words
            found.append(words)
            index += 1
        return found

    # ---- mentions -------------------------------------------------------------------------
    def mentions_in(self, start: int, end: int) -> list[Mention]:
        """Mentions inside text[start:end], in order (see mentions.in_order)."""
        low = bisect_left(self.doc.name_starts, start)
        high = bisect_left(self.doc.name_starts, end)
        names = [m for m in self.doc.names[low:high] if m.end <= end]
        pronouns: list[Mention] = []
        descriptions: list[Mention] = []
        for words in self.paragraph_words(start, end):
            if words.pronouns:  # many paragraphs have none: skip building an empty list
                pronouns += [m for m in words.pronouns if m.start >= start and m.end <= end]
            if words.descriptions:
                descriptions += [m for m in words.descriptions if m.start >= start and m.end <= end]
        if not pronouns and not descriptions:
            return names
        return list(in_order([*names, *pronouns, *descriptions]))

    def known(self, mention: Mention) -> bool:
        """Not a lone capitalised word the document never introduces as a person."""
        if mention.kind != "person" or mention.confirmed:
            return True
        return self.doc.speakers.entity_at(mention.start) is not None

    def may_be_subject(self, mention: Mention) -> bool:
        """Not a capitalised adverb, participle or word before a preposition that opens a
        sentence ("Immediately after…", "Alarmed by…", "Estimates of…"): a lone word the
        document never names in full counts only when it reads like a name."""
        if self.known(mention):
            return True
        if mention.text.endswith(("ly", "ed", "ing")):
            return False
        return not _PREPOSITION_AFTER.match(self.doc.masked, mention.end)

    def is_subject(self, mention: Mention) -> bool:
        if not mention.possessive:
            return True
        return bool(_SPEECH_NOUN.match(self.doc.masked, mention.end))

    # ---- entity resolution -----------------------------------------------------------------
    def resolve(self, mention: Mention, sentence: int) -> Entity | None:
        if mention.kind in ("person", "organisation"):
            known = self.doc.speakers.entity_at(mention.start)
            return known if known is not None else entity_for_unknown(mention)
        if mention.kind == "pronoun":
            # "Rick Tyler said the plan was “fair,” he said": the subject opening the pronoun's
            # own sentence comes first.
            own = self.subject_before(sentence, mention.start)
            if own is not None and _compatible(own, mention.gender):
                return own
            # "Dana Whitlow says voters are “angry,” but hungry for what she calls “answers”":
            # a speaker named earlier in the pronoun's own sentence comes before older ones.
            earlier = self.speaker_before(sentence, mention.start)
            if earlier is not None and _compatible(earlier, mention.gender):
                return earlier
            return self.antecedent(sentence, mention.gender)
        return self.description(mention)

    def speaker_before(self, sentence: int, end: int) -> Entity | None:
        """The named subject of the first speech cue of a sentence before offset `end`."""
        start, _ = self.doc.sentences[sentence]
        for cue in self.cues_in(start, end):
            if cue.according or cue.participle or cue.end > end:
                continue
            mention = self.subject_of(cue, sentence)
            if mention is not None and mention.kind == "person" and mention.end <= end:
                return self.doc.speakers.entity_at(mention.start)
            return None
        return None

    def subject_before(self, sentence: int, end: int) -> Entity | None:
        """The named subject opening a sentence, when it comes before offset `end`."""
        start, _ = self.doc.sentences[sentence]
        if not _CLOSING_MARK.search(self.doc.masked, start, end):
            return None  # only "…, “…,” he said" puts the pronoun after a subject of its own
        clause = _clause_start(self.doc.masked, start, end)
        if clause >= end:
            return None
        head = self.forward_subject(clause, end)
        if head is None or head.kind != "person" or head.possessive:
            return None
        # Only the subject of a speech verb of its own: in "Mr. Putin, he said, set…" the
        # name is what is reported on, not who reports.
        for cue in self.cues_in(head.end, end):
            if not cue.participle and self.subject_of(cue, sentence) == head:
                return self.doc.speakers.entity_at(head.start)
        return None

    def description(self, mention: Mention) -> Entity | None:
        wanted = {role_key(r) for r in mention.roles}
        starts = self.doc.speakers.person_starts
        candidates: list[Entity] = []
        for index in range(bisect_left(starts, mention.start) - 1, -1, -1):
            entity = self.doc.speakers.entity_at(starts[index])
            if entity is None or not roles_match(wanted, {role_key(r) for r in entity.roles}):
                continue
            if mention.nationality is None or entity.nationality == mention.nationality:
                return entity
            if entity.nationality is None:
                candidates.append(entity)
        return candidates[0] if candidates else None

    def antecedent(self, sentence: int, gender: str | None) -> Entity | None:
        """Latest compatible speaker in this paragraph, else its latest subject, else earlier."""
        paragraph = self.doc.sentence_paragraph[sentence]
        index = sentence - 1
        for _ in range(4):  # this paragraph and up to three before it
            first = index
            while first >= 0 and self.doc.sentence_paragraph[first] == paragraph:
                first -= 1
            span = range(index, first, -1)
            for j in span:
                entity = self.sentence_speaker(j)
                if entity is not None and _compatible(entity, gender):
                    return entity
            for j in span:
                entity = self.sentence_subject(j)
                if entity is not None and _compatible(entity, gender):
                    return entity
            if first < 0:
                return None
            index = first
            paragraph = self.doc.sentence_paragraph[first]
        return None

    def sentence_speaker(self, sentence: int) -> Entity | None:
        if sentence in self.sentence_speaker_cache:
            return self.sentence_speaker_cache[sentence]
        self.sentence_speaker_cache[sentence] = None  # guards against cycles
        start, end = self.doc.sentences[sentence]
        result: Entity | None = None
        for cue in self.cues_in(start, end):
            if cue.according or cue.participle:
                continue
            mention = self.subject_of(cue, sentence)
            if mention is not None and mention.kind != "organisation":
                result = self.resolve(mention, sentence)
                if result is not None:
                    break
        self.sentence_speaker_cache[sentence] = result
        return result

    def sentence_subject(self, sentence: int) -> Entity | None:
        start, end = self.doc.sentences[sentence]
        for mention in self.mentions_in(start, end):
            if mention.kind != "person" or mention.possessive:
                continue
            if _PREPOSITION_BEFORE.search(
                self.doc.masked, max(start, mention.start - 12), mention.start
            ):
                continue
            entity = self.doc.speakers.entity_at(mention.start)
            if entity is not None:
                return entity
        return None

    # ---- cues and subjects -------------------------------------------------------------------
    def cues_in(self, start: int, end: int) -> list[Cue]:
        """Cues starting inside text[start:end] whose extended words end inside it too."""
        found: list[Cue] = []
        for words in self.paragraph_words(start, end):
            for hit in words.cues:
                if not start <= hit.start < end:
                    continue
                cue = self.cue_cache.get(hit.start)
                if cue is None:
                    cue = _extend_cue(self.doc.masked, hit.start, hit.end)
                    self.cue_cache[hit.start] = cue
                if cue.end <= end:
                    found.append(cue)
        return found

    def chunks(self, start: int, end: int) -> list[Span]:
        """text[start:end] cut at the clause separators: , ; : — – or a " - " set off by white
        space (the white space goes with it).

        Found by a compiled loop over the characters: `re` would test each one against the
        separators' first characters, a slower generic test.
        """
        spans: list[Span] = []
        cursor = start
        masked = self.doc.masked
        index = start
        while index < end:
            code = ord(masked[index])
            if code in (44, 59, 58, 0x2014, 0x2013):  # , ; : — –
                spans.append((cursor, index))
                cursor = index = index + 1
            elif code == 45 and _spaced_hyphen(masked, index, end):
                # Unless that white space ended the previous separator, or precedes start.
                if index - 1 >= cursor:
                    spans.append((cursor, index - 1))
                    cursor = index + 2
                index += 2
            else:
                index += 1
        spans.append((cursor, end))
        return spans

    def name_chunk(self, chunk: Span) -> Mention | None:
        """The person a chunk consists of, and nothing else (", Jim Poolman,")."""
        named = self.mentions_in(chunk[0], chunk[1])
        if len(named) != 1 or named[0].kind != "person" or named[0].possessive:
            return None
        text = self.doc.masked[chunk[0] : chunk[1]]
        return named[0] if text.strip() == named[0].text else None

    def bare_subject(self, chunk: Span, verb_start: int) -> Mention | None:
        masked = self.doc.masked
        # Not a word inside a party-and-state parenthesis: "Paul Ryan (R-Wis.) said".
        candidates = [
            m
            for m in self.mentions_in(chunk[0], verb_start)
            if self.is_subject(m) and masked[m.start - 1 : m.start] not in ("(", "-")
        ]
        if not candidates:
            return None
        last = candidates[-1]
        gap = masked[last.end : verb_start]
        if not self.known(last) and gap.strip():
            return None  # a lone unknown capitalised word counts only right before the verb
        if not _GAP.match(gap):
            return None
        # "James Pethokoukis of the American Enterprise Institute wrote": the person before
        # "of"/"at"/"from" an organisation is the subject.
        if last.kind == "organisation" and len(candidates) > 1:
            person = candidates[-2]
            if person.kind == "person" and _AFFILIATION.fullmatch(masked, person.end, last.start):
                return person
        # "Columbia, South Carolina says": a place after a comma is no subject.
        if (
            not self.known(last)
            and _CAPITALS_ONLY.fullmatch(masked, chunk[0], last.start)
            and _PLACE_BEFORE.search(masked, max(0, chunk[0] - 40), chunk[0])
        ):
            return None
        return last

    def subordinate_subject(self, chunk: Span, verb_start: int) -> Mention | None:
        """ "…, such as when Cruz knocked Rubio and called him": the name opening the
        subordinate clause that holds the cue."""
        found: Mention | None = None
        for opener in _SUBORDINATOR.finditer(self.doc.masked, chunk[0], verb_start):
            named = self.mentions_in(opener.end(), verb_start)
            if named and named[0].start == opener.end() and named[0].kind == "person":
                found = named[0]
        return found

    def participle_subject(self, chunk: Span, verb_start: int) -> Mention | None:
        lead = _WITH_LEAD.match(self.doc.masked, chunk[0], verb_start)
        start = lead.end() if lead else chunk[0]
        mentions = self.mentions_in(start, verb_start)
        if len(mentions) != 1 or mentions[0].start != start or mentions[0].kind == "pronoun":
            return None
        return self.bare_subject((start, verb_start), verb_start)

    def forward_subject(self, start: int, end: int) -> Mention | None:
        masked = self.doc.masked
        chunks = [c for c in self.chunks(start, end) if masked[c[0] : c[1]].strip()]
        for position, (a, b) in enumerate(chunks):
            lead = _LEAD_CONJUNCTION.match(masked, a)
            a = lead.end() if lead else a
            if (named_as := _AS_NAME.match(masked, a, b)) is not None:
                # "As John Cornyn, the party's whip, put it": the as-clause holds the cue.
                after_as = self.mentions_in(named_as.end(), b)
                if (
                    after_as
                    and after_as[0].start == named_as.end()
                    and not masked[after_as[0].end : b].strip()
                ):
                    return after_as[0]
            if masked[a:b].lstrip().startswith(("“", '"')):
                continue
            if (adverbial := _ADVERBIAL_CHUNK.match(masked, a)) is not None and not (
                adverbial[0].endswith(("ed", "ing")) and self.name_opens(a, b)
            ):
                continue
            mentions = [
                m
                for m in self.mentions_in(a, b)
                if (m.kind != "pronoun" or m.start - a < 4) and self.may_be_subject(m)
            ]
            if not mentions:
                # "Ukraine's top military commander, Gen. Oleksandr Syrsky, said": a role phrase
                # whose name follows in apposition.
                if position + 1 < len(chunks):
                    na, nb = chunks[position + 1]
                    named = self.mentions_in(na, nb)
                    if (
                        named
                        and named[0].kind == "person"
                        and not masked[na : named[0].start].strip()
                    ):
                        return named[0]
                return None
            head = mentions[0]
            # "Another delegate from the Reyes camp, Jim Poolman, said": a noun phrase that
            # merely mentions someone, then the name of who it describes.
            if (
                _DETERMINER_LEAD.match(masked, a)
                and position + 1 < len(chunks)
                and (described := self.name_chunk(chunks[position + 1])) is not None
            ):
                return described
            # "Kremlin aide Yuri Ushakov": a person right behind an organisation or role word.
            for later in mentions[1:]:
                between = masked[head.end : later.start]
                if (
                    later.kind == "person"
                    and self.known(later)
                    and len(between.split()) <= 3
                    and (
                        (
                            _PHRASE_GAP.fullmatch(between) is not None
                            and not any(w.endswith("ed") or w in _CUE_SET for w in between.split())
                        )
                        or _JOINED.fullmatch(between) is not None
                    )
                ):
                    head = later
                else:
                    break
            if head.kind == "person" and not head.possessive:
                return head
            if head.possessive and _SPEECH_NOUN.match(masked, head.end):
                return head
            # "The aide, Yuri Ushakov, told": a description followed by a name in apposition.
            if position + 1 < len(chunks):
                na, nb = chunks[position + 1]
                named = [m for m in self.mentions_in(na, nb) if m.kind == "person"]
                if named and not named[0].possessive:
                    return named[0]
            if head.kind == "description" or not head.possessive:
                return head
            return None
        return None

    def name_opens(self, start: int, end: int) -> bool:
        """Whether a chunk opens with a person's name the document knows: "Fred Kagan" and
        "Manning" only look like the participles that open adverbial chunks ("Asked about…")."""
        named = self.mentions_in(start, end)
        return (
            bool(named)
            and named[0].kind == "person"
            and not self.doc.masked[start : named[0].start].strip()
            and self.known(named[0])
        )

    def inverted_subject(self, cue: Cue, sentence_end: int) -> Mention | None:
        """said Putin, … / said former aide Dana Whitlow (D-Ore.) in an interview. — the
        speaker right after the cue: the last name of the noun phrase that follows it."""
        masked = self.doc.masked
        found: Mention | None = None
        cursor = cue.end
        for mention in self.mentions_in(cue.end, min(sentence_end, cue.end + 160)):
            if mention.start < cursor:
                continue  # inside the previous one
            if not (
                _PHRASE_GAP.fullmatch(masked, cursor, mention.start)
                or (found is None and _OFFICE_GAP.fullmatch(masked, cursor, mention.start))
            ):
                # A verb, a preposition or a comma ends the phrase; "said Rubio's campaign
                # manager, Rich Beeson, who…": a role names its holder in apposition.
                if found is None:
                    return self.appositive_after(cursor, sentence_end)
                break
            cursor = mention.end
            if mention.possessive:
                if mark := _POSSESSIVE_MARK.match(masked, cursor):
                    cursor = mark.end()
                continue  # "said Trump's rival Sen. Marco Rubio": the owner is no speaker
            if mention.kind == "description" and (
                named := self.appositive_after(cursor, sentence_end)
                or self.known_as(cursor)
                or self.named_next(cursor, sentence_end)
            ):
                return named  # "wrote the envoy at the time, Lena Hart.": its holder, named
            if mention.kind == "pronoun":
                # "said he expects Obama to…": a pronoun opens a clause unless it stands alone.
                return mention if _closed_off(masked, cursor, sentence_end) else found
            # "(D-Conn.)", "of Showtime": what a name carries is passed over.
            if _NAME_TAIL.match(masked, cursor, sentence_end):
                return mention
            if masked[cursor : cursor + 1] == "-" and masked[cursor + 1 : cursor + 2].isalnum():
                cursor += 1  # "said UC-AFT President Bob Samuels": a hyphen joins one phrase
                found = mention
                continue
            if masked[cursor : cursor + 1] not in (" ", "\u00a0"):
                return mention  # punctuation ends the phrase
            # "said another Twitter user, Jo Bayer": a name before a noun only modifies it.
            if not _MODIFIED_NOUN.match(masked, cursor):
                found = mention
        return found

    def named_next(self, start: int, sentence_end: int) -> Mention | None:
        """ "said the bureau's director, Dana Whitlow, on Monday": a name in apposition right
        after the description, closed off."""
        masked = self.doc.masked
        if masked[start : start + 2] != ", ":
            return None
        named = self.mentions_in(start + 2, min(sentence_end, start + 80))
        if (
            named
            and named[0].start == start + 2
            and named[0].kind == "person"
            and _closed_off(masked, named[0].end, sentence_end)
        ):
            return named[0]
        return None

    def known_as(self, start: int) -> Mention | None:
        """ "said the base chief known as Bob": the name a description is known by."""
        naming = _KNOWN_AS.match(self.doc.masked, start)
        if naming is None:
            return None
        named = self.mentions_in(naming.end(), naming.end() + 60)
        if named and named[0].start == naming.end() and named[0].kind == "person":
            return named[0]
        return None

    def appositive_after(self, start: int, sentence_end: int) -> Mention | None:
        """ "said his best friend at Lehigh, Bruce Turry, who…": a role phrase, a comma, and
        the name of its holder closed off by punctuation."""
        masked = self.doc.masked
        comma = masked.find(",", start, min(sentence_end, start + 100))
        if comma < 0 or not _ROLE_THEN_COMMA.fullmatch(masked, start, comma + 2):
            return None
        named = self.mentions_in(comma + 2, min(sentence_end, comma + 80))
        if (
            named
            and named[0].start == comma + 2
            and named[0].kind == "person"
            and self.known(named[0])  # not "Santa Monica, Calif."
            and _closed_off(masked, named[0].end, sentence_end)
        ):
            return named[0]
        return None

    def subject_of(self, cue: Cue, sentence: int, floor: int = 0) -> Mention | None:
        """The subject of `cue` in `sentence`, looked for after `floor` only."""
        key = (cue.start, sentence, floor)
        if key not in self.subject_cache:
            self.subject_cache[key] = self._subject_of(cue, sentence, floor)
        return self.subject_cache[key]

    def _subject_of(self, cue: Cue, sentence: int, floor: int) -> Mention | None:
        masked = self.doc.masked
        start, end = self.doc.sentences[sentence]
        if cue.according:
            after = self.mentions_in(cue.end, min(end, cue.end + 80))
            return after[0] if after else None
        clause = max(_clause_start(masked, start, cue.start), floor)
        if cue.participle:
            # "with Sen. Ann Lee calling it…", "…, Ryan saying he was…": the participle's own
            # subject opens its chunk.
            last = self.chunks(clause, cue.start)[-1]
            if (own := self.participle_subject(last, cue.start)) is not None:
                return own
            for earlier in reversed(self.cues_in(clause, cue.start)):
                if not earlier.participle and not earlier.according:
                    return self.subject_of(earlier, sentence)
            # "Ryan endorsed him, but only after deliberating, telling reporters…": a
            # participle with nothing before it in its clause takes the sentence's subject.
            return self.forward_subject(clause, cue.start) or (
                self.forward_subject(start, cue.start) if clause > start else None
            )
        chunks = self.chunks(clause, cue.start)
        # "Dana Whitlow, president of the Grain Council said": a role in apposition, its
        # closing comma left out; the name before it is the subject, not the council.
        if len(chunks) > 1 and _ROLE_LEAD.match(masked, chunks[-1][0], chunks[-1][1]):
            holder = self.name_chunk(chunks[-2])
            if holder is not None:
                return holder
        if masked[chunks[-1][0] : chunks[-1][1]].strip():
            bare = self.bare_subject(chunks[-1], cue.start)
            if bare is not None:
                return bare
        if masked[chunks[-1][0] : chunks[-1][1]].strip():
            found = self.forward_subject(clause, cue.start) or self.subordinate_subject(
                chunks[-1], cue.start
            )
            # "Lee backed Reyes, but now said …": a clause of adverbs alone shares the
            # sentence's subject, as a participle does.
            if (
                found is None
                and clause > start
                and _ADVERBS_ONLY.fullmatch(masked, clause, cue.start)
            ):
                found = self.forward_subject(start, clause)
            return found
        # ", said Putin, a former KGB officer": a name closed off by punctuation after the cue
        # is its subject; "X, an aide, said Putin would…" names the subject before the cue.
        inverted = self.inverted_subject(cue, end)
        if inverted is not None and _closed_off(masked, inverted.end, end):
            return inverted
        return self.forward_subject(clause, cue.start) or inverted


def _may_open_dateline(masked: str, start: int, end: int) -> bool:
    """False where _DATELINE cannot match: a dateline opens with a capital and a second
    capital, period, apostrophe, space or hyphen ("KYIV", "U.S."), unless white space leads.
    Most sentences open with a capitalised word, which fails at its second letter."""
    if end - start < 2:
        return False
    first = masked[start]
    return first.isspace() or ("A" <= first <= "Z" and masked[start + 1] in _DATELINE_SECOND)


def _clause_start(masked: str, sentence_start: int, cue_start: int) -> int:
    """Where the clause holding a cue starts: after a dateline, a leading quote or a ", but"."""
    start = sentence_start
    if _may_open_dateline(masked, sentence_start, cue_start) and (
        dateline := _DATELINE.match(masked, sentence_start, cue_start)
    ):
        start = dateline.end()
    head = masked[start:cue_start]
    offset = start
    for marker in (", but ", "; ", " but ", ", and ", ", where "):
        cut = head.rfind(marker)
        # "..., and its star, Cillian Murphy, said": a new subject. In "..., and added" the
        # verb shares the subject before the "and".
        # Likewise "…, but added" shares the subject before "but".
        if cut != -1 and (marker in ("; ", ", where ") or head[cut + len(marker) :].strip()):
            start = max(start, offset + cut + len(marker))
    # "…, when Mr. Buchanan, who had lost, called for…": a subordinate clause with a subject
    # of its own holds the cue.
    # Only the last such clause counts, and every opener starts at a comma and holds no other:
    # trying the commas from the cue backwards finds it without scanning the whole clause.
    comma = masked.rfind(",", start, cue_start)
    while comma != -1:
        # The opener's word follows the comma and its white space: a comma followed by one
        # space and another letter (most of them) is passed over without the regex.
        if (
            masked[comma + 1 : comma + 2].isspace()
            and (
                masked[comma + 2 : comma + 3] in _SUBORDINATE_FIRST
                or masked[comma + 2 : comma + 3].isspace()
            )
            and (subordinate := _SUBORDINATE_OPENER.match(masked, comma, cue_start))
        ):
            start = subordinate.end()
            break
        comma = masked.rfind(",", start, comma)
    stripped = head.lstrip()
    if stripped.startswith(("“", '"', "‘", "'")):
        # Quoted words are masked, so the first closing mark after the opener closes it.
        opener = len(head) - len(stripped)
        closes = [i for i in (head.find(m, opener + 1) for m in ("”", '"', "’", "'")) if i != -1]
        if closes:
            start = max(start, offset + min(closes) + 1)
    return start


# What follows a name and still belongs to it: "of Ukraine", "of the Kremlin".
# What ends the name of an inverted speaker: a parenthesis ("(D-Conn.)"), "of"/"at"/"from" an
# institution, or an age.
_NAME_TAIL: Final = re.compile(r"\s*\(| (?:of|at|from) |, \d")
# Words between a cue and the name after it that keep one noun phrase ("said former Obama
# adviser", "added his campaign manager"); a clause word or punctuation ends it.
# Prepositions, relative words, conjunctions and auxiliaries: a word among them ends a phrase.
_CLAUSE_WORDS = (
    r"in|on|at|with|to|of|from|for|by|about|that|who|which|whose|after|before|during|"
    r"when|while|as|and|but|or|would|will|is|was|has|had|have|are|were"
)
_PHRASE_GAP: Final = re.compile(
    r"(?:\s+(?!(?i:" + _CLAUSE_WORDS + r"|be|been|could|"
    r"should|may|might|can|did|does|do|not|it|he|she|they|we|i|you|him|them|this|there|if|"
    r"because|than|then|also|later|earlier)\b)[\w’'&.-]+){0,6}\s*"
)
# "said former secretary of labor Dana Whitlow": an office held "of" or "for" something,
# written in lower case before its holder's name, is still one noun phrase.
_OFFICE_GAP: Final = re.compile(
    r"\s+(?:[a-z][\w-]*\s+){0,3}?(?:" + ROLE_NOUNS + r")\s+(?:of|for)\s+(?:the\s+)?"
    r"(?:[a-z][\w-]*\s+){1,3}"
)
# A chunk opening on a role in lower case: "president and CEO of …", "a spokesman for …",
# "who is chairman of …".
_ROLE_LEAD: Final = re.compile(
    r"\s*(?:who\s+(?:is|was|has\s+been)\s+)?(?:(?:a|an|the|its|his|her|their)\s+)?"
    r"(?:" + ROLE_NOUNS + r")\b"
)
_KNOWN_AS: Final = re.compile(r",?\s+(?:known as|named|called|identified as|nicknamed)\s+")
# Adverbs alone between a clause opener and its verb: "…, but now said", "but later added".
_ADVERBS_ONLY: Final = re.compile(
    r"\s*(?:(?:[a-z]+ly|now|then|also|later|still|again|once|instead|even|just|only|soon|"
    r"since|already|repeatedly|often)\s+){1,2}"
)
# A noun phrase opened by a determiner: "Another delegate …", "An Israeli blogger …".
_DETERMINER_LEAD: Final = re.compile(r"\s*(?:A|An|The|Another|One|Two|Three|Some|Several)\s+[a-z]")
_ROLE_THEN_COMMA: Final = re.compile(
    r"(?:(?!\b(?:that|who|which|whose|was|is|were|are|has|had|have|would|will)\b)"
    r"[^,;:()“”\"\n]){1,80},\s+"
)
_WITH_LEAD: Final = re.compile(r"\s*(?:[Ww]ith\s+|and\s+)?")
# Between two names of one subject: "Berger and Moore" (the last one heads the phrase), a
# quoted nickname, or an owner: "the Ledger's reporter Dana Whitlow".
_JOINED: Final = re.compile(
    r"\s+and\s+(?:[\w-]+\s+)?|\s*[“\"‘'`]+x*[”\"’'`]+\s*|(?:’s|'s|’|')\s+(?:[\w-]+\s+){0,3}"
)
_AFFILIATION: Final = re.compile(r"\s+(?:of|at|from|with)\s+(?:the\s+)?")
# A capitalised word and a comma right before a chunk: "Columbia, | South Carolina".
_PLACE_BEFORE: Final = re.compile(r"\b(?:in|of|from|at)\s+[A-Z][\w.]*(?:\s[A-Z][\w.]*)*,\s*$")
_CAPITALS_ONLY: Final = re.compile(r"\s*(?:[A-Z][\w.]*\s+)*")
_SUBORDINATE_WORDS = "when|as|after|while|because|since|although|though|before|until|once"
_SUBORDINATE_FIRST: Final = frozenset(word[0] for word in _SUBORDINATE_WORDS.split("|"))
_SUBORDINATE_OPENER: Final = re.compile(
    rf",\s+(?:{_SUBORDINATE_WORDS})\s+"
    r"(?=[A-Z][a-z]|(?:he|she|they)\b)"
)
_CLOSING_MARK: Final = re.compile(r"[”\"]|''")
_SUBORDINATOR: Final = re.compile(
    r"\b(?:[Ww]hen|[Aa]fter|[Bb]efore|[Ww]hile|[Bb]ecause|[Ss]ince|[Oo]nce|[Uu]ntil|[Ii]f)\s+"
)
_AS_NAME: Final = re.compile(r"\s*[Aa]s\s+")
_MODIFIED_NOUN: Final = re.compile(
    r"\s+(?!(?:" + _CLAUSE_WORDS + r"|said|says|also|later|"
    r"earlier|told|added|adding|referring|speaking|wrote|writing|this|last|on)\b)[a-z][a-z-]+[\s,]"
)
_POSSESSIVE_MARK: Final = re.compile(r"’s|'s|’|'")

# A wire dateline opening a story: "WASHINGTON — ", "KYIV, Ukraine (AP) — ", "MOSCOW (Reuters) - ".
_DATELINE_SECOND: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ.'’ -")
_DATELINE: Final = re.compile(
    r"\s*[A-Z][A-Z.'’ -]*[A-Z.](?:, [A-Z][\w.]*(?: [A-Z][\w.]*)*)?(?: \([^()\n]{1,30}\))?"
    r" ?[—–-]{1,2} "
)


def _closed_off(masked: str, end: int, sentence_end: int) -> bool:
    """Whether the name ending at `end` ends its phrase: punctuation, a tail or the sentence."""
    return (
        end >= sentence_end
        or masked[end : end + 1] in (",", ".", ";", ":", "\n")
        or _NAME_TAIL.match(masked, end, sentence_end) is not None
    )


def _compatible(entity: Entity, gender: str | None) -> bool:
    if entity.speaker.type is not SpeakerType.PERSON:
        return False
    return gender is None or entity.gender is None or entity.gender == gender


def _hypothetical(masked: str, subject: Mention | None, cue: Cue) -> bool:
    floor = subject.end if subject is not None else max(0, cue.start - 30)
    return _may_be_modal(masked, floor, cue.start) and bool(
        _MODAL_BEFORE.search(masked, floor, cue.start)
    )


_MODALS: Final = ("will", "would", "could", "might", "may", "should", "can", "must", "to")


def _may_be_modal(masked: str, start: int, end: int) -> bool:
    """False where _MODAL_BEFORE cannot match masked[start:end]: the word ending in a modal
    that it needs would be the last one that is no adverb ("-ly", "not", "probably").

    Most cues have no modal before them, and the search, tried at every position of the
    stretch, costs several times this test.
    """
    for word in reversed(masked[start:end].split()):
        if not (word.endswith("ly") or word in ("not", "probably")):
            return word.endswith(_MODALS)
    return False


# A relative clause with a subject of its own before its verb: "what Mr. Hedge", "whom he".
_RELATIVE_SUBJECT = re.compile(r"\b(?:[Ww]hat|whom|who|which)\s+(?:[\w.’'-]+\s+){1,4}$")


def _trailing(resolver: _Resolver, site: QuoteSite, sentence: int) -> tuple[Cue, Mention] | None:
    """Rule 1: “…,” Mr. Putin said / “…,” said Putin / “…,” Andriy Kovalenko, an official, wrote.

    `sentence`: the quote's own, or the next one when the quote closed its sentence
    (“Who pays?” Reyes asked.).
    """
    masked = resolver.doc.masked
    _, end = resolver.doc.sentences[sentence]
    for cue in resolver.cues_in(site.close, min(end, site.close + 160)):
        if cue.according:
            return None
        between = masked[site.close : cue.start]
        if "“" in between or '"' in between or "‘" in between:
            return None
        if not between.strip(" ,—'’"):  # a single mark closing a nested quote is left over
            inverted = resolver.inverted_subject(cue, end)
            return (cue, inverted) if inverted is not None else None
        lead = resolver.mentions_in(site.close, cue.start)
        if not lead or _LEAD_THE.sub("", masked[site.close : lead[0].start]).strip(" ,—"):
            return None
        # “…,” Howard Dean, a former governor, proclaimed: the subject follows the quote.
        subject = resolver.subject_of(cue, sentence, site.close)
        return (cue, subject) if subject is not None else None
    return None


def _after_last_quote(resolver: _Resolver, start: int, cue_start: int) -> int:
    """“A” and “B,” Howard Lenz, a former governor, said: where the cue's subject opens,
    right after the last quote before the cue; 0 when no name opens there."""
    masked = resolver.doc.masked
    close = max(masked.rfind(mark, start, cue_start) for mark in ("”", '"', "'"))
    if close < 0:
        return 0
    lead = resolver.mentions_in(close + 1, cue_start)
    if lead and not _LEAD_THE.sub("", masked[close + 1 : lead[0].start]).strip(" ,—"):
        return close + 1
    return 0


def _next_sentence(doc: Document, site: QuoteSite) -> int | None:
    """The sentence right after a quote that ends its own, in the same paragraph."""
    following = site.sentence + 1
    if (
        following >= len(doc.sentences)
        or doc.sentence_paragraph[following] != (doc.sentence_paragraph[site.sentence])
    ):
        return None
    if doc.masked[site.close : doc.sentences[following][0]].strip():
        return None
    return following


def _attribute_one(resolver: _Resolver, site: QuoteSite) -> Attribution:
    masked = resolver.doc.masked
    start, end = resolver.doc.sentences[site.sentence]
    before = [c for c in resolver.cues_in(start, site.open) if c.end <= site.open]
    found: tuple[Cue, Mention | None] | None = None
    # "what Mr. Hedge called “…” the club that charged…": the quote is the object of the
    # relative clause's verb, whose subject said it, whatever cue follows the quote.
    if (
        before
        and not masked[before[-1].end : site.open].strip()
        and _RELATIVE_SUBJECT.search(masked, max(start, before[-1].start - 60), before[-1].start)
        and (subject := resolver.subject_of(before[-1], site.sentence)) is not None
    ):
        found = (before[-1], subject)
    if found is None:
        found = _trailing(resolver, site, site.sentence)
    if found is None and before:
        cue = before[-1]
        found = (cue, resolver.subject_of(cue, site.sentence))
    if found is None:
        for cue in resolver.cues_in(site.close, end):
            floor = _after_last_quote(resolver, site.close, cue.start)
            found = (cue, resolver.subject_of(cue, site.sentence, floor))
            break
    if found is None and (following := _next_sentence(resolver.doc, site)) is not None:
        # “Who pays?” Reyes asked. — a ? or ! closing the quote ends the sentence before its cue.
        found = _trailing(resolver, site, following)
        # Only a short attribution: "Kasich said he would have fired him" says something new.
        rest = masked[found[0].end : resolver.doc.sentences[following][1]] if found else ""
        if len(rest.split()) > 12 and not rest.startswith(","):
            found = None
    if found is None:
        return _new_attribution((None, None, None, False, False))
    cue, mention = found
    hypothetical = _hypothetical(masked, mention, cue)
    if mention is None:
        return _new_attribution((None, None, cue.text, True, hypothetical))
    entity = resolver.resolve(mention, site.sentence)
    as_written = masked[mention.start : mention.end]
    return _new_attribution((entity, as_written, cue.text, True, hypothetical))


def attribute_quotes(doc: Document, sites: list[QuoteSite]) -> list[Attribution]:
    """One attribution per quote site, in the order given (document order)."""
    resolver = _Resolver(doc)
    results = [_attribute_one(resolver, site) for site in sites]
    # Rule 4a: quotes run over paragraphs share the speaker of any attributed part.
    by_group: dict[int, Attribution] = {}
    for site, result in zip(sites, results, strict=True):
        if result.entity is not None and site.group not in by_group:
            by_group[site.group] = result
    for index, (site, result) in enumerate(zip(sites, results, strict=True)):
        if result.has_cue:
            continue
        if (shared := by_group.get(site.group)) is not None and _grouped(sites, site):
            results[index] = _inherit(shared)
            continue
        own = _own_subject(resolver, site)
        if own is not None:
            results[index] = own
            continue
        source = _neighbour(sites, results, index, doc.sentence_paragraph)
        if source is not None:
            results[index] = _inherit(source)
            continue
        entity = resolver.antecedent(site.sentence, None)
        results[index] = _new_attribution((entity, None, None, False, False))
    return results


def _own_subject(resolver: _Resolver, site: QuoteSite) -> Attribution | None:
    """A quote with no cue: the subject of its own sentence (“Hart's terse reply: “No.”"),
    or a name credited under it ("“…” — Dana Whitlow")."""
    masked = resolver.doc.masked
    start, _ = resolver.doc.sentences[site.sentence]
    mention: Mention | None = None
    clause = _clause_start(masked, start, site.open)
    if masked[clause : site.open].strip():
        mention = _label(resolver, clause, site.open)
        if mention is None:
            mention = resolver.forward_subject(clause, site.open)
            # Without a cue or a label, a lone capitalised word the document never names in
            # full ("Audiences can expect…") is too weak a guess.
            if mention is not None and not resolver.known(mention):
                mention = None
    if mention is None and (dash := _DASH_CREDIT.match(masked, site.close)):
        after = resolver.mentions_in(dash.end(), min(len(masked), dash.end() + 80))
        if after and after[0].start == dash.end() and after[0].kind != "pronoun":
            mention = after[0]
    if mention is None:
        return None
    entity = resolver.resolve(mention, site.sentence)
    if entity is None:
        return None
    as_written = masked[mention.start : mention.end]
    return _new_attribution((entity, as_written, None, False, False))


def _label(resolver: _Resolver, start: int, quote_open: int) -> Mention | None:
    """ "Polls agree - Carl Bialik: “…”": a name alone right before the colon is a label."""
    masked = resolver.doc.masked
    before = masked[start:quote_open].rstrip()
    if not before.endswith(":"):
        return None
    colon = start + len(before) - 1
    chunks = resolver.chunks(start, colon)
    label = _alone(resolver, chunks[-1])
    if label is not None and len(chunks) > 1:
        # "Dana Whitlow, Daily Ledger:": the person first, then where she writes.
        return _alone(resolver, chunks[-2]) or label
    return label


def _alone(resolver: _Resolver, chunk: Span) -> Mention | None:
    """The one name that makes up a whole chunk, if it does."""
    masked = resolver.doc.masked
    named = [m for m in resolver.mentions_in(chunk[0], chunk[1]) if m.kind != "pronoun"]
    if (
        len(named) == 1
        and not masked[chunk[0] : named[0].start].strip()
        and not masked[named[0].end : chunk[1]].strip()
    ):
        return named[0]
    return None


# "“…” — Dana Whitlow": a dash after the quote, on its line or opening the next one.
_DASH_CREDIT: Final = re.compile(r"[ .,]*\s*[—–-]+\s*")


def _grouped(sites: list[QuoteSite], site: QuoteSite) -> bool:
    return sum(1 for s in sites if s.group == site.group) > 1


def _inherit(source: Attribution) -> Attribution:
    return _new_attribution((source.entity, source.as_written, source.cue, False, False))


def _neighbour(
    sites: list[QuoteSite],
    results: list[Attribution],
    index: int,
    sentence_paragraph: tuple[int, ...],
) -> Attribution | None:
    """Rule 4b: “A,” Mr. Putin said. “B.” — B keeps A's speaker (same or adjacent sentence).
    A quote takes the speaker of the next sentence's quote only within its paragraph: the next
    paragraph may open with somebody else's words."""
    site = sites[index]
    for other in range(index - 1, -1, -1):
        if site.sentence - sites[other].sentence > 1:
            break
        if results[other].entity is not None or results[other].has_cue:
            return results[other]
    nxt = index + 1
    if (
        nxt < len(sites)
        and sites[nxt].sentence - site.sentence == 1
        and sentence_paragraph[sites[nxt].sentence] == sentence_paragraph[site.sentence]
        and results[nxt].has_cue
    ):
        return results[nxt]
    return None
