"""Speaker registry: who a name refers to, under a stable canonical id.

One job: merge the written variants of a speaker's name (titles, honorifics, middle initials,
possessives, transliterations, surname-only mentions) into one canonical speaker with a
deterministic id.

Id policy (stable across runs, documents and processes — no counters, no hashing of order):
- person named in full somewhere in the document: a readable slug of the canonical given name
  and surname, in the order written ("boris-johnson", "xi-jinping", "ursula-von-der-leyen").
  Transliteration variants fold ("Zelenskyy" / "Zelensky", "Dmitri" / "Dmitry"); middle
  initials, titles, honorifics and generational suffixes are no part of it. Every mention of
  that surname in the document (Mr. Johnson, Johnson) takes the full name's id.
- collision: when one document names two people with the same folded surname whose given names
  start with different letters (Donald / Melania Trump), each keeps its own id, and a
  surname-only mention goes to the most recently named of them.
- person known only by surname in the document: an explicit unresolved id, "surname:johnson",
  and `Speaker.resolved` is False. A surname alone is never taken for one person across
  documents; the stream's registry may resolve it against the full names it knows.
- organisation: "org:" + the folded, hyphenated name without articles, with country adjectives and
  possessives folded to the country ("Russia's Defense Ministry", "the Russian Defence Ministry"
  -> "org:russia-defense-ministry").
Ids always match ^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$.

`SpeakerRegistry` is the optional cross-document value: `merge` returns a new registry in which a
display name can be upgraded ("Putin" -> "Vladimir Putin"); nothing here holds global state.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from schemas.quotes import SpeakerType

if TYPE_CHECKING:
    from service.core.mentions import Mention

# Constants are Final: compiled with mypyc, a Final name is read from a C static, not looked
# up in the module's dict at every use.
ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$")

# Transliteration folds of a lower-cased, accent-free word, written out in fold_word so that
# each runs only where its letters occur. Surnames get the first, conservative two only (so
# ids stay readable: "gandhi" keeps its i): x -> ks after the first letter (Alexander /
# Aleksandr, but Xi keeps its X) and a -yy/-iy/-ij/-ii/-yi ending -> y (Zelenskyy, Dmitrii).
# Given names also fold a final i after a, e or r (Dmitri / Dmitry, Yuri, Sergei; not Kofi),
# ph -> f, j before a vowel -> y (Sergej), ie before a vowel -> ye, and a final -er -> r
# (Aleksander / Aleksandr).
_J_BEFORE_VOWEL: Final = re.compile(r"(?<=[a-z])j(?=[aeiou])")
_IE_BEFORE_VOWEL: Final = re.compile(r"ie(?=[aeiou])")

# Country adjectives and short forms folded to one country key (for ids and nationality).
COUNTRY_FORMS: Final[dict[str, str]] = {
    "russia": "russia", "russian": "russia", "russians": "russia",
    "ukraine": "ukraine", "ukrainian": "ukraine", "ukrainians": "ukraine",
    "us": "us", "u.s": "us", "u.s.": "us", "usa": "us", "american": "us", "america": "us",
    "united states": "us",
    "belarus": "belarus", "belarusian": "belarus",
    "britain": "uk", "british": "uk", "uk": "uk", "u.k.": "uk",
    "china": "china", "chinese": "china", "france": "france", "french": "france",
    "germany": "germany", "german": "germany", "israel": "israel", "israeli": "israel",
    "iran": "iran", "iranian": "iran", "turkey": "turkey", "turkish": "turkey",
    "poland": "poland", "polish": "poland", "canada": "canada", "canadian": "canada",
    "japan": "japan", "japanese": "japan", "italy": "italy", "italian": "italy",
    "india": "india", "indian": "india", "nato": "nato", "eu": "eu", "european": "eu",
    "hungary": "hungary", "hungarian": "hungary", "spain": "spain", "spanish": "spain",
    "mexico": "mexico", "mexican": "mexico", "brazil": "brazil", "brazilian": "brazil",
    "netherlands": "netherlands", "dutch": "netherlands", "sweden": "sweden",
    "swedish": "sweden", "norway": "norway", "norwegian": "norway", "finland": "finland",
    "finnish": "finland", "georgia": "georgia", "georgian": "georgia", "syria": "syria",
    "syrian": "syria", "egypt": "egypt", "egyptian": "egypt", "korea": "korea",
    "korean": "korea", "australia": "australia", "australian": "australia",
    "venezuela": "venezuela", "venezuelan": "venezuela", "moldova": "moldova",
    "moldovan": "moldova", "romania": "romania", "romanian": "romania",
}  # fmt: skip

_LEADING_THE: Final = re.compile(r"^(?:[Tt]he)\s+")
_SPELLING: Final = {"defence": "defense", "programme": "program", "centre": "center"}
_ORG_DROP: Final = frozenset({"the", "of", "for", "and", "in", "s"})


_NOT_ID_CHAR: Final = re.compile(r"[^a-z0-9-]")
_ORG_WORD: Final = re.compile(r"[A-Za-z0-9À-ÿ.]+")
_NOT_KEY_CHAR: Final = re.compile(r"[^a-z0-9]")
_SURNAME_ENDINGS: Final[tuple[str, ...]] = ("yy", "iy", "ij", "ii", "yi")


@lru_cache(maxsize=4096)
def fold_word(word: str, *, given: bool = False) -> str:
    """Lower-case, strip accents and fold common transliteration variants of one name word."""
    # ASCII words (most names in English copy) skip the Unicode decomposition, which leaves
    # them unchanged anyway.
    if word.isascii():
        plain = word.lower()
    else:
        plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    if not (plain.isalnum() and plain.isascii()):
        plain = _NOT_ID_CHAR.sub("", plain)
    # The folds run only where they can apply (called for every name mention).
    if "x" in plain[1:]:
        plain = plain[0] + plain[1:].replace("x", "ks")
    if plain.endswith(_SURNAME_ENDINGS):
        plain = plain[:-2] + "y"
    if not given:
        return plain
    if plain.endswith("i") and plain[-2:-1] in ("a", "e", "r"):
        plain = plain[:-1] + "y"
    if "ph" in plain:
        plain = plain.replace("ph", "f")
    if "j" in plain:
        plain = _J_BEFORE_VOWEL.sub("y", plain)
    if "ie" in plain:
        plain = _IE_BEFORE_VOWEL.sub("ye", plain)
    if plain.endswith("er"):
        plain = plain[:-2] + "r"
    return plain


UNRESOLVED_PREFIX = "surname:"


def _surname_slug(surname: str) -> str:
    # "von der Leyen" -> "von-der-leyen": each word folded, joined by hyphens.
    return "-".join(w for w in (fold_word(p).strip("-") for p in surname.split()) if w)


def surname_key(surname: str) -> str:
    """The folded surname every id of that surname is built on: "johnson" for "Boris Johnson",
    "Mr. Johnson" and a lone "Johnson". The stream's registry groups people by it, and
    UNRESOLVED_PREFIX + key is exactly the unresolved id (ids are at most 200 characters)."""
    return (_surname_slug(surname) or "unknown")[: 200 - len(UNRESOLVED_PREFIX)]


@lru_cache(maxsize=4096)
def person_id(surname: str, given: str | None = None) -> str:
    """Deterministic id of a person: "given-surname" when the given name is known, else the
    explicit unresolved id of the surname ("surname:johnson")."""
    key = _surname_slug(surname) or "unknown"
    if not given:
        return f"{UNRESOLVED_PREFIX}{key}"[:200]
    first = fold_word(given, given=True).strip("-")
    return (f"{first}-{key}" if first else key)[:200]


def is_resolved(speaker_id: str) -> bool:
    """False for the explicit id of a surname that no full name has resolved yet."""
    return not speaker_id.startswith(UNRESOLVED_PREFIX)


@lru_cache(maxsize=4096)
def organisation_id(name: str) -> str:
    """Deterministic id of an organisation from its written name (cached: names recur)."""
    words = _ORG_WORD.findall(name.replace("’", "'").replace("'s", " "))
    keys: list[str] = []
    for word in words:
        lowered = word.lower().strip(".")
        if lowered in _ORG_DROP or not lowered:
            continue
        lowered = COUNTRY_FORMS.get(lowered, COUNTRY_FORMS.get(lowered + ".", lowered))
        lowered = _SPELLING.get(lowered, lowered)
        keys.append(_NOT_KEY_CHAR.sub("", unicodedata.normalize("NFKD", lowered).lower()))
    slug = "-".join(key for key in keys if key) or "unknown"
    return f"org:{slug}"[:200]


@dataclass(frozen=True, slots=True)
class Speaker:
    """A canonical speaker: id, display name, type and every written form seen."""

    id: str
    name: str
    type: SpeakerType
    aliases: frozenset[str] = field(default_factory=frozenset)
    resolved: bool = True  # False: known only by surname (see the id policy)
    surname_key: str | None = None  # a person's folded surname (surname_key()); None: organisation

    # The __init__ @dataclass would generate, written out so that mypyc compiles it (see
    # quotes.ExtractedQuote).
    def __init__(
        self,
        id: str,
        name: str,
        type: SpeakerType,
        aliases: frozenset[str] = frozenset(),
        resolved: bool = True,
        surname_key: str | None = None,
    ) -> None:
        set_field = object.__setattr__  # frozen: plain assignment raises
        set_field(self, "id", id)
        set_field(self, "name", name)
        set_field(self, "type", type)
        set_field(self, "aliases", aliases)
        set_field(self, "resolved", resolved)
        set_field(self, "surname_key", surname_key)


def _better_name(current: str, candidate: str) -> str:
    # More name words wins (Putin -> Vladimir Putin); ties keep the earlier one, so the result
    # depends only on the order of merges, never on hashing.
    return candidate if len(candidate.split()) > len(current.split()) else current


def merge_speaker(current: Speaker, other: Speaker) -> Speaker:
    """The same speaker seen again: keep the id, upgrade the name, union the aliases."""
    return replace(
        current,
        name=_better_name(current.name, other.name),
        aliases=current.aliases | other.aliases | {other.name},
    )


@dataclass(frozen=True, slots=True)
class SpeakerRegistry:
    """Cross-document view of speakers; a pure value — `merge` returns a new registry."""

    speakers: tuple[Speaker, ...] = ()

    def get(self, speaker_id: str) -> Speaker | None:
        return next((s for s in self.speakers if s.id == speaker_id), None)

    def merge(self, seen: Speaker) -> SpeakerRegistry:
        existing = self.get(seen.id)
        if existing is None:
            return SpeakerRegistry((*self.speakers, seen))
        updated = merge_speaker(existing, seen)
        return SpeakerRegistry(tuple(updated if s.id == seen.id else s for s in self.speakers))

    def display_name(self, speaker_id: str, fallback: str) -> str:
        known = self.get(speaker_id)
        return known.name if known is not None else fallback


@dataclass(frozen=True, slots=True)
class Entity:
    """A speaker as known inside one document: the canonical speaker plus what the text says."""

    speaker: Speaker
    roles: frozenset[str]
    nationality: str | None
    gender: str | None

    # Written out so that mypyc compiles it (see quotes.ExtractedQuote).
    def __init__(
        self, speaker: Speaker, roles: frozenset[str], nationality: str | None, gender: str | None
    ) -> None:
        set_field = object.__setattr__  # frozen: plain assignment raises
        set_field(self, "speaker", speaker)
        set_field(self, "roles", roles)
        set_field(self, "nationality", nationality)
        set_field(self, "gender", gender)


@dataclass(frozen=True, slots=True)
class DocumentSpeakers:
    """Per-document resolution: each name mention (by start offset) -> its entity.

    Entities are built on first use: attribution asks for the speakers of the quotes and their
    antecedents, usually a fraction of everyone the document names.
    """

    by_start: dict[int, str]
    mentions_by_id: dict[str, list[Mention]]
    person_starts: tuple[int, ...]  # starts of resolved person mentions, in order
    _built: dict[str, Entity] = field(default_factory=dict)

    def entity_at(self, start: int) -> Entity | None:
        speaker_id = self.by_start.get(start)
        if speaker_id is None:
            return None
        entity = self._built.get(speaker_id)
        if entity is None:
            entity = self._built[speaker_id] = _entity(speaker_id, self.mentions_by_id[speaker_id])
        return entity


def _given_initial(given: str | None) -> str | None:
    return fold_word(given, given=True)[:1] if given else None


def _display(mention: Mention) -> str:
    return f"{mention.given} {mention.surname}" if mention.given else str(mention.surname)


def _person_ids(persons: list[Mention], surnames: list[str]) -> dict[int, str]:
    """Each person mention's id, by surname cluster (see the module's id policy).

    `surnames`: the folded surname of each person mention.
    """
    by_surname: dict[str, list[Mention]] = {}
    for mention, surname in zip(persons, surnames, strict=True):
        by_surname.setdefault(surname, []).append(mention)
    ids: dict[int, str] = {}
    for group in by_surname.values():
        # Given names repeat ("Donald Trump" twenty times): fold each distinct one once.
        givens = list(dict.fromkeys(m.given for m in group if m.given))
        surname = str(group[0].surname)
        if not givens:
            unresolved = person_id(surname)
            for mention in group:
                ids[mention.start] = unresolved
            continue
        # One person per given-name initial ("Mike" and "Michael" Johnson are one); each is
        # named by the fullest given name the document uses for them.
        if len(givens) == 1:  # the common case: one given name, nothing to compare
            only = person_id(surname, givens[0])
            for mention in group:
                ids[mention.start] = only
            continue
        by_initial: dict[str | None, str] = {}
        for given in givens:
            initial = _given_initial(given)
            if len(given) > len(by_initial.get(initial, "")):
                by_initial[initial] = given
        if len(by_initial) == 1:
            only = person_id(surname, next(iter(by_initial.values())))
            for mention in group:
                ids[mention.start] = only
            continue
        latest: str | None = None
        first_given = by_initial[_given_initial(givens[0])]
        for mention in group:
            if mention.given:
                latest = person_id(surname, by_initial[_given_initial(mention.given)])
            ids[mention.start] = latest or person_id(surname, first_given)
    return ids


def _key_of(speaker_id: str, surname: str) -> str:
    # An unresolved id carries its key: taken from it, the two can never disagree.
    if speaker_id.startswith(UNRESOLVED_PREFIX):
        return speaker_id[len(UNRESOLVED_PREFIX) :]
    return surname_key(surname)


def _entity(speaker_id: str, mentions: list[Mention]) -> Entity:
    first = mentions[0]
    if first.kind == "organisation":
        name = _LEADING_THE.sub("", first.text)
        kind = SpeakerType.ORGANISATION
    else:
        name = str(first.surname)
        # Each distinct written form once (a speaker is often named dozens of times); the
        # first form with the most words wins, as when going through every mention.
        for display in dict.fromkeys(_display(m) for m in mentions):
            name = _better_name(name, display)
        kind = SpeakerType.PERSON
    speaker = Speaker(
        speaker_id,
        name,
        kind,
        frozenset(m.text for m in mentions),
        is_resolved(speaker_id),
        _key_of(speaker_id, str(first.surname)) if kind is SpeakerType.PERSON else None,
    )
    return Entity(
        speaker=speaker,
        roles=frozenset().union(*(m.roles for m in mentions if m.roles)),
        nationality=next((m.nationality for m in mentions if m.nationality), None),
        gender=next((m.gender for m in mentions if m.gender), None),
    )


_SPEAKER_KINDS: Final = frozenset({"person", "organisation"})


def resolve_document(mentions: Sequence[Mention]) -> DocumentSpeakers:
    """Merge the name mentions of one document into entities with stable ids."""
    people: list[Mention] = []
    organisations: list[Mention] = []
    for mention in mentions:
        if mention.kind == "person":
            people.append(mention)
        elif mention.kind == "organisation":
            organisations.append(mention)
    # Surnames repeat ("Putin" dozens of times): fold each distinct one once.
    folds: dict[str | None, str] = {}
    surnames: list[str] = []
    known_surnames: set[str] = set()
    for mention in people:
        surname = folds.get(mention.surname)
        if surname is None:
            surname = folds[mention.surname] = fold_word(str(mention.surname))
        surnames.append(surname)
        if mention.confirmed:
            known_surnames.add(surname)
    # A lone "Putin" is a person once the document has named a Putin somewhere.
    persons: list[Mention] = []
    kept_surnames: list[str] = []
    for mention, surname in zip(people, surnames, strict=True):
        if mention.confirmed or surname in known_surnames:
            persons.append(mention)
            kept_surnames.append(surname)
    by_start = _person_ids(persons, kept_surnames)
    # Organisations repeat too ("the Kremlin"): a plain dict answers repeats more cheaply than
    # the lru_cache behind organisation_id.
    org_ids: dict[str, str] = {}
    for mention in organisations:
        org = org_ids.get(mention.text)
        if org is None:
            org = org_ids[mention.text] = organisation_id(mention.text)
        by_start[mention.start] = org
    grouped: dict[str, list[Mention]] = {}
    for mention in mentions:
        speaker_id = by_start.get(mention.start)
        if speaker_id is not None and mention.kind in _SPEAKER_KINDS:
            grouped.setdefault(speaker_id, []).append(mention)
    return DocumentSpeakers(
        by_start=by_start,
        mentions_by_id=grouped,
        person_starts=tuple(m.start for m in persons),
    )


def entity_for_unknown(mention: Mention) -> Entity:
    """A lone name the document never introduced, used only when it is right next to a cue."""
    if mention.kind == "organisation":
        return _entity(organisation_id(mention.text), [mention])
    return _entity(person_id(str(mention.surname)), [mention])
