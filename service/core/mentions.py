"""Who is mentioned where: names, organisations, pronouns and role descriptions in one document.

One job: find speaker-capable mentions with their offsets and what the text says about them
(titles and roles such as "spokesman", nationality such as "of Russia", gender from honorifics).
Runs over a *masked* text in which quoted words are blanked, so people named inside a quote
never become speakers. Rule-based and regex-only.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache, partial
from operator import itemgetter
from typing import Final, Literal, NamedTuple

from service.core.scan import matches_from
from service.core.speakers import COUNTRY_FORMS

MentionKind = Literal["person", "organisation", "pronoun", "description"]

# Role nouns: a description ("the aide") resolves to the latest person holding an equal role.
ROLE_NOUNS = (
    "president|leader|aide|spokesman|spokeswoman|spokesperson|minister|adviser|advisor|official|"
    "envoy|commander|general|analyst|secretary|chief|director|chancellor|senator|governor|mayor|"
    "ambassador|specialist|expert|blogger|diplomat|negotiator|officer|lawmaker|premier|king|"
    "queen|head|chairman|chairwoman|representative|professor|researcher|economist|strategist|"
    "commentator|journalist|ruler|prosecutor|judge|admiral|colonel|sergeant|captain|pope"
)
# Constants are Final: compiled with mypyc, a Final name is read from a C static, not looked
# up in the module's dict at every use.
_ROLE_EQUIVALENTS: Final[dict[str, str]] = {
    "spokesman": "spokesperson", "spokeswoman": "spokesperson", "spokesperson": "spokesperson",
    "adviser": "adviser", "advisor": "adviser", "aide": "adviser",
    "gen": "general", "general": "general", "commander": "general",
}  # fmt: skip
# "The Russian leader" may be a president, a premier or a king; "the president" is no chancellor.
_GENERIC_LEADER: Final = frozenset({"leader", "ruler", "head"})
_LEADER_TITLES: Final = frozenset({"president", "premier", "chancellor", "king", "queen", "prime"})

_HONORIFICS: Final = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "dame": "f"}
_NAME_SUFFIXES: Final = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Titles that stand only before a surname: the word after one is a name whatever it means.
_HONORIFIC_TITLES: Final = frozenset({"mr", "mrs", "ms", "miss", "dr"})
_TITLE_WORDS: Final = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "gen",
        "general",
        "president",
        "secretary",
        "secretary-general",
        "state",
        "prime",
        "minister",
        "foreign",
        "defense",
        "defence",
        "chancellor",
        "senator",
        "sen",
        "rep",
        "representative",
        "gov",
        "governor",
        "mayor",
        "director",
        "vice",
        "deputy",
        "chief",
        "lt",
        "col",
        "adm",
        "admiral",
        "sgt",
        "capt",
        "judge",
        "justice",
        "ambassador",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "premier",
        "speaker",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "envoy",
        "commander",
        "aide",
        "adviser",
        "advisor",
        "sir",
        "dame",
        "professor",
        "prof",
        "rev",
        "father",
        "rabbi",
        "imam",
        "bishop",
        "archbishop",
        "cardinal",
        "sheikh",
        "major",
        "colonel",
        "captain",
        "sergeant",
        "lieutenant",
        "marshal",
        "commissioner",
        "attorney",
        "congressman",
        "congresswoman",
        "councillor",
        "councilman",
        "councilwoman",
        "lord",
        "lady",
        "former",
        "acting",
        "interior",
        "finance",
        "national",
        "security",
        # Offices and occupations written before a name: "Senate Minority Whip Dick Durbin".
        "chairman",
        "chairwoman",
        "chair",
        "whip",
        "leader",
        "majority",
        "minority",
        "candidate",
        "nominee",
        "host",
        "anchor",
        "moderator",
        "founder",
        "ceo",
        "executive",
        "manager",
        "strategist",
        "pollster",
        "analyst",
        "consultant",
        "activist",
        "columnist",
        "correspondent",
        "editor",
        "reporter",
        "author",
        "economist",
        "historian",
        "commentator",
        "lawyer",
        "officer",
        "treasurer",
        "assemblyman",
        "assemblywoman",
        "delegate",
        "superintendent",
        "sheriff",
        "dean",
        "coach",
        "sens",
        "reps",
        "gens",
        "hon",
        "msgr",
    ]
)
# Groups of people, capitalised only where they open a sentence ("Critics said").
_GROUP_NOUNS: Final[tuple[str, ...]] = (
    "officials", "critics", "analysts", "experts", "residents", "witnesses", "protesters",
    "demonstrators", "lawmakers", "legislators", "diplomats", "sources", "observers",
    "investigators", "prosecutors", "authorities", "doctors", "scientists", "economists",
    "researchers", "activists", "voters", "supporters", "opponents", "soldiers", "troops",
    "rescuers", "officers", "workers", "employees", "parents", "students", "teachers",
    "ministers", "leaders", "members", "executives", "aides", "advisers", "advisors",
    "negotiators", "villagers", "survivors", "refugees", "families", "relatives", "commanders",
    "fighters", "militants", "rebels", "separatists", "insurgents", "lawyers", "judges",
)  # fmt: skip
# Capitalised words that start sentences or name places/things, never a person on their own.
_NOT_NAMES: Final = frozenset(
    [
        "the",
        "a",
        "an",
        "but",
        "and",
        "or",
        "so",
        "yet",
        "still",
        "in",
        "on",
        "at",
        "when",
        "while",
        "after",
        "before",
        "as",
        "if",
        "asked",
        "speaking",
        "during",
        "late",
        "earlier",
        "later",
        "last",
        "this",
        "that",
        "these",
        "those",
        "his",
        "her",
        "its",
        "their",
        "our",
        "it",
        "he",
        "she",
        "they",
        "we",
        "i",
        "here",
        "there",
        "what",
        "why",
        "how",
        "analysts",
        "dressed",
        "despite",
        "shortly",
        "also",
        "then",
        "for",
        "from",
        "with",
        "by",
        "under",
        "some",
        "one",
        "two",
        "three",
        "many",
        "most",
        "both",
        "such",
        "all",
        "every",
        "no",
        "not",
        "only",
        "just",
        "however",
        "meanwhile",
        "instead",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "aug",
        "sept",
        "oct",
        "nov",
        "dec",
        "image",
        "advertisement",
        "comments",
        "reporting",
        "pinned",
        "detail",
        "russia",
        "ukraine",
        "moscow",
        "kyiv",
        "kiev",
        "washington",
        "europe",
        "kremlin",
        "nato",
        "kursk",
        "crimea",
        "donbas",
        "belarus",
        "china",
        "beijing",
        "canada",
        "britain",
        "france",
        "germany",
        "iran",
        "israel",
        "gaza",
        "syria",
        "turkey",
        "poland",
        "japan",
        "italy",
        "india",
        "sudzha",
        "sumy",
        "greenland",
        "denmark",
        "ireland",
        "saudi",
        "arabia",
        "united",
        "states",
        "nations",
        "union",
        "kingdom",
        "north",
        "south",
        "east",
        "west",
        "eastern",
        "western",
        "central",
        "middle",
        "quebec",
        "city",
        "new",
        "york",
        "oval",
        "office",
        "white",
        "house",
        "hague",
        "geneva",
        "convention",
        "summit",
        "air",
        "force",
        "navy",
        "army",
        "group",
        "fox",
        "news",
        "christian",
        "democrats",
        "republicans",
        "times",
        "post",
        "street",
        "square",
        "region",
        "endowment",
        "peace",
        "corporation",
        "corp",
        "university",
        "institute",
        "council",
        "ministry",
        "department",
        "agency",
        "tass",
        "reuters",
        "interfax",
        "of",
        "another",
        "others",
        # Words that open sentences and are never names: "Even Smith…", "First, Smith…".
        "even",
        "already",
        "first",
        "second",
        "third",
        "finally",
        "between",
        "among",
        "across",
        "through",
        "throughout",
        "within",
        "without",
        "toward",
        "towards",
        "perhaps",
        "maybe",
        "indeed",
        "often",
        "sometimes",
        "now",
        "again",
        "never",
        "ever",
        "yes",
        "well",
        "rather",
        "though",
        "although",
        "because",
        "since",
        "until",
        "unless",
        "whether",
        "where",
        "who",
        "which",
        "whose",
        "whom",
        "once",
        "next",
        "soon",
        "almost",
        "nearly",
        "more",
        "less",
        "much",
        "other",
        "thanks",
        "according",
        "several",
        "each",
        "few",
        "neither",
        "either",
        *_GROUP_NOUNS,
    ]
)
_ORG_HEADS: Final = frozenset(
    [
        "house",
        "network",
        "foundation",
        "center",
        "centre",
        "coalition",
        "caucus",
        "campaign",
        "magazine",
        "journal",
        "press",
        "herald",
        "tribune",
        "inc",
        "co",
        "llc",
        "ltd",
        "ministry",
        "kremlin",
        "department",
        "agency",
        "office",
        "council",
        "commission",
        "committee",
        "parliament",
        "army",
        "forces",
        "navy",
        "corporation",
        "corp",
        "company",
        "institute",
        "university",
        "endowment",
        "bank",
        "fund",
        "times",
        "post",
        "news",
        "reuters",
        "tass",
        "interfax",
        "pentagon",
        "government",
        "administration",
        "court",
        "party",
        "service",
        "staff",
        "union",
        "command",
        "guard",
        "police",
        "embassy",
        "senate",
        "congress",
        "organization",
        "organisation",
        "association",
        "federation",
        "group",
    ]
)
# Words that are never part of an organisation's name, even before its noun.
_PLAIN_WORDS: Final = frozenset(
    ["the", "a", "an", "but", "and", "or", "so", "yet", "in", "on", "at", "when", "while",
     "after", "before", "as", "if", "for", "from", "with", "by", "this", "that", "his", "her",
     "its", "their", "our", "some", "many", "most", "all", "every", "no", "not", "also", "then",
     "another", "each", "both", "such", "these", "those", "it", "he", "she", "they", "we", "i"]
)  # fmt: skip
_ORG_SINGLE: Final = frozenset({"Kremlin", "Pentagon", "NATO", "Hamas", "Hezbollah", "OPEC"})
_COUNTRY_KEYS: Final = frozenset(COUNTRY_FORMS)
_PLACE_ONLY: Final = _COUNTRY_KEYS | {"moscow", "kyiv", "kiev", "washington", "kursk"}


def word_alternation(words: list[str]) -> str:
    """An alternation factored by shared prefixes: far faster for `re` than a flat a|b|c."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else f"(?:{'|'.join(branches)})"
        return f"{body}?" if ends else body

    return render(trie)


class WordHit(NamedTuple):
    start: int
    end: int
    text: str


# A NamedTuple's own constructor is a Python-level function; tuple.__new__ builds the same
# value without it (all fields given, in order): about half the cost, for the tuples built by
# the hundred per document.
_new_hit: Final = partial(tuple.__new__, WordHit)


def _without_overlaps(hits: list[WordHit]) -> list[WordHit]:
    """Sorted hits less every one that starts inside the previous kept one (multi-word)."""
    kept: list[WordHit] = []
    for hit in hits:
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


_SPACE: Final = 32
_SEVERAL_WORDS: Final = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")
_LETTER_CODES: Final = ord("z") - ord("A") + 1  # A-Z, a few signs, a-z


def _shape(length: int, first: int, last: int) -> int:
    """Where a run of ASCII letters (its length, first and last codes) sits in a shape table."""
    return (length * _LETTER_CODES + first - 65) * _LETTER_CODES + last - 65


def _shape_table(words: frozenset[str]) -> str:
    """A string with "\\x01" at the _shape of each word and "\\x00" elsewhere: five runs of
    letters in six are turned down by one look-up, before any string is made of them."""
    longest = max(map(len, words), default=0)
    table = bytearray(_shape(longest + 1, 65, 65))
    for word in words:
        table[_shape(len(word), ord(word[0]), ord(word[-1]))] = 1
    return table.decode("latin-1")


class WordFinder:
    """Finds the words of a list where `\\b(?:words)\\b` would, about twice as fast.

    A pattern opening with \\b is tried at every position of the text, and even one opening
    with a space is tried at every space. Here a loop over the text stops only where a letter
    follows a character that is no word character and reads the run of letters there: its
    shape (length, first and last letter) turns most runs down, a set look-up settles the
    others, and `re` is called only where they open an entry of several words.

    Hits after a space and hits glued to other punctuation (or opening the text) are two
    left-to-right scans, each resuming after its own last hit; where a hit of one overlaps a
    hit of the other, the earlier one is kept.
    """

    def __init__(self, words: Iterable[str]) -> None:
        listed = list(words)
        if not all(_SEVERAL_WORDS.fullmatch(word) for word in listed):
            raise ValueError("WordFinder words are ASCII letters, several words one space apart")
        self._words = frozenset(word for word in listed if " " not in word)
        self._heads = frozenset(word.split(" ", 1)[0] for word in listed if " " in word)
        self._longest = max(map(len, self._words | self._heads), default=0)
        self._shapes = _shape_table(self._words | self._heads)
        self._at = re.compile(rf"{word_alternation(listed)}\b")

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> list[WordHit]:
        """Non-overlapping hits in text order, as re.finditer would find them.

        `pos`, `endpos`: only text[pos:endpos] is searched (a word at `pos` counts when it
        opens the text or the character before it is in the stretch).
        """
        end = len(text) if endpos is None else endpos
        hits: list[WordHit] = []  # after a space
        glued: list[WordHit] = []  # after any other character that is no word character
        if (
            pos == 0
            and end > 0
            and (first := self._word_at(text, 0, _letters_end(text, 0, end), end))
        ):
            glued.append(first)
        spaced_from = glued_from = pos  # where each scan resumes: no hit starts inside another
        previous = ord(text[pos]) if pos < end else _SPACE
        index = pos + 1
        # The character tests are written out: mypyc would call a helper once per character.
        while index < end:
            code = ord(text[index])
            if not (97 <= code <= 122 or 65 <= code <= 90):
                previous = code
                index += 1
                continue
            # A run of letters, read once: no word starts inside it.
            stop = _letters_end(text, index, end)
            if not (
                97 <= previous <= 122
                or 65 <= previous <= 90
                or 48 <= previous <= 57
                or previous == 95
            ):
                if previous == _SPACE:
                    if index > spaced_from and (hit := self._word_at(text, index, stop, end)):
                        hits.append(hit)
                        spaced_from = hit.end
                elif (
                    index > glued_from
                    and (previous < 128 or not _is_word_char(text[index - 1]))
                    and (hit := self._word_at(text, index, stop, end))
                ):
                    glued.append(hit)
                    glued_from = hit.end
            previous = ord(text[stop - 1])
            index = stop
        if not glued:
            return hits  # the hits of one scan never overlap
        merged = sorted(hits + glued)
        # The hits of each kind never overlap one another, so any overlap puts a glued hit
        # next to one it overlaps: checking their neighbours spares a loop over every hit.
        for hit in glued:
            index = bisect_left(merged, hit)
            if (index and merged[index - 1].end > hit.start) or (
                index + 1 < len(merged) and hit.end > merged[index + 1].start
            ):
                return _without_overlaps(merged)
        return merged

    def _word_at(self, text: str, start: int, stop: int, end: int) -> WordHit | None:
        """The longest word of the list at `start` that a word boundary ends, if any
        (text[start:stop]: the run of ASCII letters there)."""
        length = stop - start
        if not 0 < length <= self._longest or not ord(
            self._shapes[_shape(length, ord(text[start]), ord(text[stop - 1]))]
        ):
            return None
        letters = text[start:stop]
        if letters in self._heads:
            match = self._at.match(text, start, end)
            return None if match is None else _new_hit((start, match.end(), match.group()))
        if letters in self._words and (stop == end or not _is_word_char(text[stop])):
            return _new_hit((start, stop, letters))
        return None


def _letters_end(text: str, start: int, end: int) -> int:
    """Where the run of ASCII letters at text[start] ends (`start` when there is none)."""
    stop = start
    while stop < end and (97 <= (code := ord(text[stop])) <= 122 or 65 <= code <= 90):
        stop += 1
    return stop


def _is_word_char(char: str) -> bool:
    """Whether `re` counts `char` as a word character (\\w, in a str pattern)."""
    return char.isalnum() or char == "_"


_TITLE_ABBREVIATIONS: Final[tuple[str, ...]] = (
    "Mr", "Mrs", "Ms", "Dr", "Gen", "Sen", "Rep", "Gov", "Lt", "Col", "Adm", "Sgt", "Capt", "Prof",
    "St",
)  # fmt: skip
# One name word: a title abbreviation ("Mr."), initials ("U.S.", "V."), a capitalised word or
# an acronym, tried in that order. Every alternative opens with the capital, so the pattern
# is written as [A-Z] followed by the rest of each alternative (the title's first letter
# checked by a look-behind): a pattern that opens with a character class lets `re` skip
# straight to capitals instead of trying every position.
_TITLE_TAILS: Final = "|".join(f"(?<={title[0]}){title[1:]}" for title in _TITLE_ABBREVIATIONS)
# The title alternatives are tried at every capital, one look-behind each; a look-ahead for
# "a few lower-case letters and a period" (which every one of them needs) fails most words at
# once and makes the whole scan about a quarter faster. It changes no match.
_TITLE_GUARD = rf"(?=[a-z]{{1,{max(len(title) for title in _TITLE_ABBREVIATIONS) - 1}}}\.)"
# The letters after a name's capital: Latin-1 and Latin Extended ("Erdoğan", "Wałęsa",
# "Babiš"), and the marks of UTF-8 text decoded as Latin-1 ("PeÃ±a" for "Peña"), which a feed
# may carry: a name keeps its surname exactly as written. Guillemets are quote marks, not
# letters.
_LOWER = "[a-zà-ÿ\u0100-\u024f\u0300-\u036f\u0080-\u009f\u00a1-\u00aa\u00ac-\u00ba\u00bc-\u00bfÂ-Å]"
_WORD = (
    rf"[A-Z](?:{_TITLE_GUARD}(?:{_TITLE_TAILS})\.|\.(?:[A-Z]\.)+|\.|"
    # "McAllister", "DeMarco", "O'Reilly": a capital inside a name word keeps it whole.
    rf"(?:{_LOWER}+(?:[A-Z]{_LOWER}+)*|[’'](?=[A-Z][a-z])[A-Z]{_LOWER}+)"
    rf"(?:[’'-](?!s\b)(?:[A-Z]|{_LOWER})+)*|[A-Z]+\b)"
)
# Lower-case words inside a name: "Lula da Silva", "Ursula von der Leyen", "Mohammed bin Salman".
_PARTICLES: Final = frozenset(
    "de del della du dos das van von der den ter bin ibn al da di le la".split()  # noqa: SIM905
)
_CONNECTORS = f"(?:of|for|{'|'.join(sorted(_PARTICLES))})"
# "Ursula von der Leyen": connectors may follow one another before the next capital. The
# look-ahead after the space changes no match: it ends the run at an ordinary lower-case word
# in one step, before `re` sets up the optional connector group and tries a name word there.
_SEQUENCE: Final = re.compile(
    rf"{_WORD}(?:[ \u00a0](?=[A-Z]|{_CONNECTORS}[ \u00a0])(?:(?:{_CONNECTORS}[ \u00a0])+(?=[A-Z]))?"
    rf"{_WORD})*"
)
_POSSESSIVE: Final = re.compile(r"(?:’s|'s|’|')(?![A-Za-z])")
PRONOUNS: Final[tuple[str, ...]] = ("he", "He", "she", "She")
_PRONOUN_SET: Final = frozenset(PRONOUNS)  # a hashed look-up: `in` a tuple compares each one
# The words find_mentions needs found (the quote extractor scans once for these and its cues).
MENTION_WORDS = (*ROLE_NOUNS.split("|"), *PRONOUNS)
_MENTION_WORDS: Final = WordFinder(MENTION_WORDS)
_ROLE_ALTERNATION: Final = word_alternation(ROLE_NOUNS.split("|"))
_DESCRIPTION_HEAD: Final = re.compile(
    r"\b(?:[Tt]he|[Hh]is|[Hh]er|[Ii]ts|[Oo]ne|[Aa]n?)\s+((?:[\w.’'-]+\s+){0,4}?)$"
)
_ROLE_SET: Final = frozenset(ROLE_NOUNS.split("|"))
_COUNTRY_POSSESSIVE_BEFORE: Final = re.compile(r"(?:[Tt]he\s+)?([A-Z][\w.]*(?:’s|'s))\s+$")
_APPOSITIVE_AFTER: Final = re.compile(
    rf"^(?:’s|'s)?,\s+(?:the|a|an|his|her|[A-Z][\w.]*(?:\s[A-Z][\w.]*)?(?:’s|'s))\s+"
    rf"([^,;]{{0,80}}?)\b({_ROLE_ALTERNATION})\b([^,;]{{0,40}})"
)
_ROLE_WORD: Final = re.compile(rf"\b(?:{_ROLE_ALTERNATION})\b")
# How far before the closing ", " of an appositive its role word may start: the 40 characters
# _APPOSITIVE_BEFORE allows after the role, and the longest role noun.
_ROLE_REACH: Final = 40 + max(map(len, _ROLE_SET))
_APPOSITIVE_BEFORE: Final = re.compile(
    rf"(?:^|[,;.]\s*|\b(?:[Tt]he|[Aa]n?|[A-Z][\w.]*(?:’s|'s))\s+)([^,;]{{0,60}}?)\b({_ROLE_ALTERNATION})"
    rf"\b([^,;]{{0,40}}),\s+$"
)
# "the Sumy region's military administration", "Russia's foreign ministry": lower-case heads.
_ORG_NOUN_AFTER_POSSESSIVE = (
    r"(?:’s|'s)\s+(?:[a-z]+\s+)?"
    r"(?:administration|ministry|government|military|army|police|council|parliament|authorities)\b"
)
# A capital that opens a word: `\b[A-Z]`, written with the boundary checked after the capital
# (no word character before it) so that the pattern opens with a character set and `re` tries
# it only at capitals; opening with \b, it is tried at every position, and runs 1.6x as long.
_POSSESSIVE_ORG: Final = re.compile(
    rf"[A-Z](?<!\w[A-Z])[\w-]*(?:\s[a-z]+)?{_ORG_NOUN_AFTER_POSSESSIVE}"
)
# The tail alone, tried at each apostrophe (scan.matches_from). _POSSESSIVE_ORG then runs only
# over the lines where a tail occurs.
_POSSESSIVE_ORG_TAIL: Final = re.compile(_ORG_NOUN_AFTER_POSSESSIVE)
_S: Final = frozenset("s")  # the tail's second character: most apostrophes are no possessive
_OF_COUNTRY: Final = re.compile(r"\bof\s+(?:the\s+)?([A-Z][\w.]*(?:\s[A-Z][\w.]*)?)")
_COUNTRY_WORD: Final = re.compile(r"[A-Z][\w.]*")
_COUNTRY_LETTERS: Final = re.compile(r"[A-Za-z.]+")


class Mention(NamedTuple):
    """A speaker-capable mention; `text` is as written (titles kept), offsets into the text.

    A NamedTuple rather than a frozen dataclass: a document yields hundreds of mentions and a
    frozen dataclass's __init__ costs about three times as much.
    """

    start: int
    end: int
    text: str
    kind: MentionKind
    given: str | None = None
    surname: str | None = None
    roles: frozenset[str] = frozenset()
    nationality: str | None = None
    gender: str | None = None
    possessive: bool = False
    confirmed: bool = True  # False: a lone capitalised word that may be a person


_new_mention: Final = partial(tuple.__new__, Mention)  # every field, in order (see _new_hit)
_NO_ROLES: Final[frozenset[str]] = frozenset()
_START: Final = itemgetter(0)
_END: Final = itemgetter(1)


def role_key(role: str) -> str:
    """Roles that name the same office compare equal ("spokeswoman" ~ "spokesperson")."""
    lowered = role.lower().rstrip(".")
    return _ROLE_EQUIVALENTS.get(lowered, lowered)


def roles_match(wanted: set[str], held: set[str]) -> bool:
    """Whether a description's role keys fit a person's: the same office, or a generic
    "leader" for any head of state or government."""
    if wanted & held:
        return True
    return bool(wanted & _GENERIC_LEADER) and bool(held & (_LEADER_TITLES | _GENERIC_LEADER))


@lru_cache(maxsize=8192)
def country_of(words: str) -> str | None:
    """The first country named or implied in `words` ("Russia's", "Russian", "U.S.")."""
    # Cached: called for every name word and appositive; the same few strings recur.
    simple = COUNTRY_FORMS.get(words.lower())
    if simple is not None or (" " not in words and "’" not in words and "'" not in words):
        return simple or COUNTRY_FORMS.get(words.lower().rstrip("."))
    for word in _COUNTRY_LETTERS.findall(words.replace("’s", "").replace("'s", "")):
        lowered = word.lower()
        key = COUNTRY_FORMS.get(lowered)
        if key is None and lowered.endswith("."):  # only then can stripping it change the key
            key = COUNTRY_FORMS.get(lowered.rstrip("."))
        if key is not None:
            return key
    return None


def _is_country_word(word: str, lowered: str) -> bool:
    """Whether country_of(word) finds a country, for one word (`lowered`: it cleaned).

    Without an apostrophe a word is a country word exactly when it or its cleaned form is a
    key of COUNTRY_FORMS: two set look-ups instead of a cached call per name word.
    """
    if "’" in word or "'" in word:
        return country_of(word) is not None
    return word.lower() in _COUNTRY_KEYS or lowered in _COUNTRY_KEYS


def _is_modifier(word: str, lowered: str) -> bool:
    """A hyphenated word before a name that is no part of it: a title ("Vice-President",
    "Secretary-Treasurer") or an adjective ("Ohio-based", "Harvard-educated")."""
    if "-" not in word:
        return False
    parts = lowered.split("-")
    return word.rsplit("-", 1)[1][:1].islower() or all(p in _TITLE_WORDS for p in parts)


def _split_name(words: tuple[str, ...], cleaned: list[str]) -> tuple[int, int]:
    """Where the name words start and stop: (modifiers and titles) [start:stop] (after 'of').

    `cleaned`: each word lower-cased without a trailing period.
    """
    index = 0
    count = len(words)
    while index < count:
        lowered = cleaned[index]
        word = words[index]
        if (
            lowered in _NOT_NAMES
            or lowered in _TITLE_WORDS
            or (lowered == "of" and index > 0)
            or word.isupper()
            or _is_country_word(word, lowered)
            or _is_modifier(word, lowered)
        ):
            index += 1
            continue
        break
    if index == count and count > 1 and cleaned[index - 2] in _HONORIFIC_TITLES:
        index -= 1  # "Mr. King", "Ms. White": after an honorific, the last word is a surname
    stop = index
    while stop < count and words[stop] not in ("of", "for"):
        stop += 1
    # "Health Secretary Wes Streeting": the words before a later title are its portfolio.
    for later in range(stop - 2, index - 1, -1):
        if cleaned[later] in _TITLE_WORDS or _is_modifier(words[later], cleaned[later]):
            return later + 1, stop
    return index, stop


class _NameParts(NamedTuple):
    """What the words of a name say by themselves, before any context is read.

    NamedTuples here and in _Sequence: built for every new name of every document, and a
    frozen dataclass's __init__ costs several times as much.
    """

    given: str | None
    surname: str
    titles: frozenset[str]
    title_roles: frozenset[str]  # titles that are roles ("gen" -> "general"), no honorifics
    honorific: str | None
    nationality: str | None  # from a country word in the head or an "of <Country>" tail
    lone: bool  # one bare capitalised word: a person only if named in full elsewhere


@lru_cache(maxsize=8192)
def _name_parts(words: tuple[str, ...]) -> _NameParts | None:
    """The name analysis of `words`, or None when they are not a person's name.

    Cached because it depends on the words alone and a document repeats its names
    ("Mr. Putin" dozens of times), as does a news stream across documents.
    """
    cleaned = [word.lower().rstrip(".") for word in words]
    start, stop = _split_name(words, cleaned)
    core: list[str] = []
    for index in range(start, stop):
        word = words[index]
        if len(word) == 2 and word.endswith("."):
            continue  # a middle initial
        if cleaned[index] in _NOT_NAMES and not (index and cleaned[index - 1] in _HONORIFIC_TITLES):
            return None
        core.append(word)
    if not core:
        return None
    if not start:  # most names: no title or other word before them
        if len(core) == 1 and core[0].lower() in _PLACE_ONLY:
            return None
        nationality = None
        if stop < len(words) and (country := _OF_COUNTRY.match(" ".join(words[stop:]))):
            nationality = country_of(country.group(1))
        given, surname = _given_and_surname(core)
        return _NameParts(
            given, surname, _NO_ROLES, _NO_ROLES, None, nationality, len(core) == 1,
        )  # fmt: skip
    titles = {lowered for lowered in cleaned[:start] if lowered in _TITLE_WORDS}
    honorific = next((_HONORIFICS[t] for t in titles if t in _HONORIFICS), None)
    if len(core) == 1 and not titles and core[0].lower() in _PLACE_ONLY:
        return None
    nationality = country_of(" ".join(words[:start]))
    if stop < len(words) and (country := _OF_COUNTRY.match(" ".join(words[stop:]))):
        nationality = nationality or country_of(country.group(1))
    given, surname = _given_and_surname(core)
    return _NameParts(
        given,
        surname,
        frozenset(titles),
        frozenset("general" if t == "gen" else t for t in titles if t not in _HONORIFICS),
        honorific,
        nationality,
        not titles and len(core) == 1,  # lone
    )


def _given_and_surname(core: list[str]) -> tuple[str | None, str]:
    """ "Ursula von der Leyen" -> ("Ursula", "von der Leyen"): particles belong to the surname.
    A generational suffix is no surname: "Tom Reyes Jr." -> ("Tom", "Reyes")."""
    if len(core) > 1 and core[-1].rstrip(".").lower() in _NAME_SUFFIXES:
        core = core[:-1]
    first = len(core) - 1
    while first > 0 and core[first - 1].lower() in _PARTICLES:
        first -= 1
    return (core[0] if first > 0 else None), " ".join(core[first:])


def _possessive_at(masked: str, end: int) -> bool:
    """ "Putin's", "Russians’": the cheap one-character test spares most regex calls."""
    return masked[end : end + 1] in ("’", "'") and bool(_POSSESSIVE.match(masked, end))


def _organisation(start: int, end: int, text: str) -> Mention:
    # Every field, in order (see _new_hit): Mention's own constructor runs as Python code.
    return _new_mention((
        start, end, text, "organisation", None, None, _NO_ROLES, country_of(text), None, False,
        True,
    ))  # fmt: skip


def _context_roles(masked: str, start: int, end: int) -> tuple[set[str], str | None]:
    roles: set[str] = set()
    nationality: str | None = None
    # Cheap guards first: the regexes below only run where their pattern can start.
    near = masked[max(0, start - 16) : start].rsplit(None, 1)  # only its last word is read
    if near and (last_word := near[-1].lower()) in _ROLE_SET:
        roles.add(last_word)
    follower = masked[end : end + 1]
    # "The aide, Yuri Ushakov, told": only a name closed off by a comma is an appositive, so
    # "with the Russian president, Mr. Trump said" does not make Mr. Trump Russian.
    if follower in (",", ".", ")") and masked.endswith(", ", max(0, start - 90), start):
        before = masked[max(0, start - 90) : start]
        # Between its first character and the closing ", " the pattern admits no comma or
        # semicolon, so no match starts before the last one: the search can start there.
        # (`^` still means the start of `before`: search's pos does not move it.)
        closing = len(before) - 2
        floor = max(before.rfind(",", 0, closing), before.rfind(";", 0, closing), 0)
        # The role ends at most 40 characters before the closing comma: without a role word
        # there, the search (several microseconds: lazy repeats tried at every start) is spared.
        near_role = _ROLE_WORD.search(before, max(floor, closing - _ROLE_REACH), closing)
        if near_role is not None and (match := _APPOSITIVE_BEFORE.search(before, floor)):
            roles.add(match.group(2).lower())
            nationality = country_of(before[match.start() : match.end()])
    if follower in (",", "’", "'"):
        after = masked[end : end + 140]
        if match := _APPOSITIVE_AFTER.match(after):
            roles.add(match.group(2).lower())
            nationality = nationality or country_of(after[: match.end()])
    return roles, nationality


def _person(masked: str, start: int, end: int, parts: _NameParts, possessive: bool) -> Mention:
    text = masked[start:end]
    if parts.lone:
        # A lone capitalised word: only a person if the document names it in full elsewhere;
        # its roles come from that fuller mention, so skip the costly context look-ups.
        return _new_mention((
            start, end, text, "person", None, parts.surname, _NO_ROLES, None, None, possessive,
            False,
        ))  # fmt: skip
    context_roles, nationality = _context_roles(masked, start, end)
    roles = parts.title_roles | context_roles if context_roles else parts.title_roles
    honorific = parts.honorific
    if "spokeswoman" in roles:
        honorific = honorific or "f"
    # Confirmed: a title or at least two name words.
    return _new_mention((
        start, end, text, "person", parts.given, parts.surname, roles,
        nationality or parts.nationality, honorific, possessive, True,
    ))  # fmt: skip


# Capitalised words that are never a person when they stand alone.
_NEVER_ALONE: Final = _PLACE_ONLY | _TITLE_WORDS
# Words dropped from the front of a sequence ("But Mr. Putin" -> "Mr. Putin"); titles stay.
_LEADING_NOISE: Final = _NOT_NAMES - _TITLE_WORDS


class _Sequence(NamedTuple):
    """What a run of capitalised words is, judged from its words alone.

    kind: "lone" (one bare word, maybe a surname), "organisation" (one word such as Kremlin),
    "owned_organisation" (ends in an organisation noun; a possessive country before it may
    belong to it) or "person" (`parts` says more). Offsets are relative to the run.
    """

    kind: Literal["lone", "organisation", "owned_organisation", "person"]
    start: int = 0  # after leading words that are no part of the name ("But", "The")
    name_end: int = 0  # a person's name stops before "of": "Zelensky of Ukraine"
    parts: _NameParts | None = None


@lru_cache(maxsize=8192)
def _analyse_sequence(matched: str) -> _Sequence | None:
    """The context-free analysis of one _SEQUENCE match, None when it is no mention.

    Cached: it depends on the string alone, and names recur within a document and across a
    news stream, so most runs ("Mr. Putin", "The Kremlin") are analysed once.
    """
    if " " not in matched:
        lowered = matched.lower().rstrip(".")
        if lowered in _NOT_NAMES and matched not in _ORG_SINGLE:
            if lowered in _ORG_HEADS and matched[0].isupper() and not matched.isupper():
                # "the Times", "the Post", "the Senate": an institution named by its head noun.
                return _new_sequence(("organisation", 0, len(matched), None))
            return None  # the common case: a sentence-initial "The", "But", "Russia"
        # isupper() first: it turns down most words without the cost of a regex call.
        if matched.isupper() and _ACRONYM.fullmatch(matched) and lowered not in _NOT_ACRONYM_ORGS:
            return _new_sequence(("organisation", 0, len(matched), None))  # "the FBI", "CNN"
        if matched[-1] != "." and not matched.isupper():
            # A lone capitalised word: a person only if the document names it in full
            # elsewhere (decided by the speaker registry), so no further analysis here.
            if lowered in _NEVER_ALONE:
                return None
            if matched in _ORG_SINGLE or lowered in _ORG_HEADS:
                return _new_sequence(("organisation", 0, len(matched), None))
            return _new_sequence(("lone", 0, len(matched), None))
    words = tuple(matched.split())
    start = 0
    # "The Kremlin": an organisation word is never noise, even where it opens the run.
    # "The White House": before an organisation noun, capitalised words belong to its name.
    owned = words[-1].lower().rstrip(".") in _ORG_HEADS or words[-1] in _ORG_SINGLE
    while words and (head := words[0].lower().rstrip(".")) in _LEADING_NOISE:
        if head in _ORG_HEADS or words[0] in _ORG_SINGLE or (owned and head not in _PLAIN_WORDS):
            break
        start = matched.index(words[0], start) + len(words[0])
        start += len(matched[start:]) - len(matched[start:].lstrip())
        words = words[1:]
    if not words:
        return None
    if (
        len(words) == 1
        and _ACRONYM.fullmatch(words[0])
        and words[0].lower() not in _NOT_ACRONYM_ORGS
    ):
        return _new_sequence(("organisation", start, len(matched), None))  # "The FBI"
    # "President Volodymyr Zelensky of Ukraine", "Mary Beard of Cambridge University": a
    # person's name stops before "of" ("Secretary of State" is a title); "Ministry of
    # Defense" is an organisation whatever follows its "of".
    name_end = len(matched)
    name_words = words
    if (cut := matched.find(" of ", start)) != -1 and not matched[start:cut].endswith("Secretary"):
        name_end = cut
        name_words = tuple(matched[start:cut].split())
    last = name_words[-1]
    if last.lower().rstrip(".") in _ORG_HEADS or last in _ORG_SINGLE:
        return _new_sequence(("owned_organisation", start, len(matched), None))
    parts = _name_parts(words)
    return None if parts is None else _new_sequence(("person", start, name_end, parts))


_new_sequence: Final = partial(tuple.__new__, _Sequence)
# An acronym standing alone names an organisation ("the FBI said", "CNN reported"); a few
# capitalised short forms are no speaker.
_ACRONYM: Final = re.compile(r"[A-Z]{2,6}")
_NOT_ACRONYM_ORGS: Final = frozenset(
    {"us", "uk", "tv", "ok", "am", "pm", "id", "dc", "usa", "ii", "iii"}
)  # every field, in order (see _new_hit)
_UNSEEN: Final = _Sequence("lone")  # a sentinel, compared by identity


def _sequence_spans(masked: str) -> list[tuple[int, int]]:
    """The spans of `_SEQUENCE.finditer(masked)`.

    Every match opens with a capital A-Z. `re` finds where to try the pattern by testing each
    character against its set of first characters, a slow generic test; a compiled loop finds
    the capitals faster, and trying the pattern at each one past the last match finds the same
    matches (see scan.matches_from). _name_mentions runs about a tenth faster so, though it
    calls `re` once per match rather than iterating.
    """
    spans: list[tuple[int, int]] = []
    match_at = _SEQUENCE.match
    cursor = 0
    for index in range(len(masked)):
        if (
            65 <= ord(masked[index]) <= 90
            and index >= cursor
            and (match := match_at(masked, index))
        ):
            cursor = match.end()
            spans.append((index, cursor))
    return spans


def _name_mentions(masked: str) -> list[Mention]:
    found: list[Mention] = []
    # Runs recur within a document ("Russia", "Mr. Putin"): a plain dict answers repeats
    # faster than the bounded lru_cache behind _analyse_sequence.
    analysed: dict[str, _Sequence | None] = {}
    for offset, end in _sequence_spans(masked):
        matched = masked[offset:end]
        sequence = analysed.get(matched, _UNSEEN)
        if sequence is _UNSEEN:
            sequence = analysed[matched] = _analyse_sequence(matched)
        if sequence is None:
            continue
        start = offset + sequence.start
        if sequence.kind == "lone":
            found.append(
                _new_mention((start, end, matched, "person", None, matched, _NO_ROLES, None,
                              None, _possessive_at(masked, end), False))
            )  # fmt: skip
        elif sequence.kind == "organisation":
            found.append(_organisation(start, end, matched))
        elif sequence.kind == "owned_organisation":
            # "Russia's Defense Ministry" is the same body as "the Russian Defense Ministry".
            owner = _possessive_before(masked, start)
            if owner is not None and country_of(owner.group(1)):
                start = owner.start(1)
            found.append(_organisation(start, end, masked[start:end]))
        else:
            assert sequence.parts is not None
            name_end = offset + sequence.name_end
            possessive = name_end == end and _possessive_at(masked, end)
            found.append(_person(masked, start, name_end, sequence.parts, possessive))
    return found


def _possessive_before(masked: str, start: int) -> re.Match[str] | None:
    """_COUNTRY_POSSESSIVE_BEFORE in the 30 characters before `start`, searched only when they
    end in "’s" or "'s" and white space, as every match does (most do not: "the Defense
    Ministry"); the search is tried at each of the 30 positions."""
    floor = max(0, start - 30)
    if not masked[floor:start].rstrip().endswith(("’s", "'s")):
        return None
    return _COUNTRY_POSSESSIVE_BEFORE.search(masked, floor, start)


def _possessive_organisations(masked: str) -> list[Mention]:
    """ "Russia's foreign ministry": _POSSESSIVE_ORG over just the lines holding its tail."""
    found: list[Mention] = []
    searched_to = 0
    for tail in matches_from(_POSSESSIVE_ORG_TAIL, masked, "’'", 0, None, _S):
        tail_start, tail_end = tail.span()
        if tail_start < searched_to:
            continue  # its line is done
        line_start = max(searched_to, masked.rfind("\n", 0, tail_start) + 1)
        line_end = masked.find("\n", tail_end)
        searched_to = len(masked) if line_end == -1 else line_end
        for match in _POSSESSIVE_ORG.finditer(masked, line_start, searched_to):
            found.append(_organisation(match.start(), match.end(), match.group()))
    return found


def find_mentions(masked: str, words: Sequence[WordHit] | None = None) -> tuple[Mention, ...]:
    """All mentions in document order. `masked` has quoted words blanked out.

    `words`: the hits of a WordFinder over `masked` whose words include MENTION_WORDS (other
    words are ignored), when the caller has scanned already; found here otherwise.
    """
    if words is None:
        words = _MENTION_WORDS.finditer(masked)
    pronouns, descriptions = word_mentions(masked, words)
    return in_order([*name_mentions(masked), *pronouns, *descriptions])


def in_order(mentions: list[Mention]) -> tuple[Mention, ...]:
    """Mentions by start, the longer first at one start, else in the order given."""
    # Two stable sorts on C-level keys: far cheaper than a Python key function per mention.
    mentions.sort(key=_END, reverse=True)
    mentions.sort(key=_START)
    return tuple(mentions)


def name_mentions(masked: str) -> tuple[Mention, ...]:
    """The people and organisations named in `masked`, in order (see `in_order`).

    The whole document is needed: the speaker registry merges every naming of a person.
    """
    mentions = _name_mentions(masked)
    organisations = _possessive_organisations(masked)
    if organisations:
        # They replace the bare owner name ("Russia") that the name pass may have found.
        # Organisations are sorted and disjoint: only the last one starting at or before a
        # mention can cover it.
        starts = [o.start for o in organisations]

        def covered(mention: Mention) -> bool:
            index = bisect_right(starts, mention.start) - 1
            return index >= 0 and mention.start < organisations[index].end

        mentions = [m for m in mentions if not covered(m)]
        mentions.extend(organisations)
    return in_order(mentions)


def _description_head(masked: str, role_start: int) -> re.Match[str] | None:
    """_DESCRIPTION_HEAD in the 50 characters before a role noun.

    A match is a determiner and at most four words, each followed by white space, up to the
    noun: it starts inside one of the last five words (white space apart) before it, so the
    search, tried at each position, starts there.
    """
    floor = max(0, role_start - 50)
    words = masked[floor:role_start].rsplit(None, 5)
    if len(words) == 6:
        floor += len(words[0])  # where the sixth word from the end stops
    return _DESCRIPTION_HEAD.search(masked, floor, role_start)


def word_mentions(masked: str, words: Sequence[WordHit]) -> tuple[list[Mention], list[Mention]]:
    """(pronouns, role descriptions such as "the Russian leader") among WordFinder hits.

    `words`: hits of a WordFinder whose words include MENTION_WORDS (others are ignored).
    """
    pronouns: list[Mention] = []
    descriptions: list[Mention] = []
    for word in words:
        if word.text in _PRONOUN_SET:
            gender = "f" if word.text in ("she", "She") else "m"
            pronouns.append(
                _new_mention((word.start, word.end, word.text, "pronoun", None, None, _NO_ROLES,
                              None, gender, False, True))
            )  # fmt: skip
    # Role nouns are rarer than determiners: find the noun, then look back for "the ...".
    for role in words:
        if role.text not in _ROLE_SET:
            continue
        match = _description_head(masked, role.start)
        if match is None:
            continue
        head = match.start()
        descriptions.append(
            _new_mention((head, role.end, masked[head : role.end], "description", None, None,
                          frozenset({role.text}), country_of(match.group(1)), None,
                          _possessive_at(masked, role.end), True))
        )  # fmt: skip
    return pronouns, descriptions
