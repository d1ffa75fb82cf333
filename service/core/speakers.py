"""Speaker registry: who a name refers to, under a stable canonical id.

One job: merge the written variants of a speaker's name (titles, honorifics, middle initials,
possessives, transliterations, surname-only mentions) into one canonical speaker with a
deterministic id.

Id policy (stable across runs, documents and processes — no counters, no hashing of order):
- person: the transliteration-folded surname, e.g. "putin", "zelensky" (Zelenskyy, Zelenskiy),
  "peskov". Given names never enter the id, so "Dmitri S. Peskov" and "Dmitry Peskov" agree.
- collision: when one document names two people with the same folded surname whose given names
  start with different letters (Donald / Melania Trump), both get "<surname>.<given>" ids
  ("trump.donald", "trump.melania") in that document, and a surname-only mention goes to the most
  recently named of them. Without such a clash the plain surname is used.
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
from dataclasses import dataclass, field, replace

from schemas.quotes import SpeakerType

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$")

# Transliteration folds applied to a lower-cased, accent-free word, in order. Surnames get the
# first, conservative group only (so ids stay readable: "gandhi" keeps its i).
_SURNAME_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"x"), "ks"),  # Alexander / Aleksandr
    (re.compile(r"(?:yy|iy|ij|ii|yi)$"), "y"),  # Zelenskyy, Zelenskiy, Dmitrii
)
_GIVEN_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = (
    *_SURNAME_FOLDS,
    (re.compile(r"(?<=[a-z])i$"), "y"),  # Dmitri / Dmitry, Yuri / Yury
    (re.compile(r"ph"), "f"),
    (re.compile(r"(?<=[a-z])j(?=[aeiou])"), "y"),  # Sergej / Sergey
    (re.compile(r"ie(?=[aeiou])"), "ye"),
    (re.compile(r"er$"), "r"),  # Aleksander / Aleksandr
)

# Country adjectives and short forms folded to one country key (for ids and nationality).
COUNTRY_FORMS: dict[str, str] = {
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
}  # fmt: skip

_SPELLING = {"defence": "defense", "programme": "program", "centre": "center"}
_ORG_DROP = frozenset({"the", "of", "for", "and", "in", "s"})


def fold_word(word: str, *, given: bool = False) -> str:
    """Lower-case, strip accents and fold common transliteration variants of one name word."""
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"[^a-z0-9-]", "", plain)
    for pattern, replacement in _GIVEN_FOLDS if given else _SURNAME_FOLDS:
        plain = pattern.sub(replacement, plain)
    return plain


def person_id(surname: str, given: str | None = None) -> str:
    """Deterministic id of a person; `given` only when the surname clashes in a document."""
    key = fold_word(surname).strip("-") or "unknown"
    if given:
        key = f"{key}.{fold_word(given, given=True).strip('-') or 'x'}"
    return key[:200]


def organisation_id(name: str) -> str:
    """Deterministic id of an organisation from its written name."""
    words = re.findall(r"[A-Za-z0-9À-ÿ.]+", name.replace("’", "'").replace("'s", " "))
    keys: list[str] = []
    for word in words:
        lowered = word.lower().strip(".")
        if lowered in _ORG_DROP or not lowered:
            continue
        lowered = COUNTRY_FORMS.get(lowered, COUNTRY_FORMS.get(lowered + ".", lowered))
        lowered = _SPELLING.get(lowered, lowered)
        keys.append(re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", lowered).lower()))
    slug = "-".join(key for key in keys if key) or "unknown"
    return f"org:{slug}"[:200]


@dataclass(frozen=True, slots=True)
class Speaker:
    """A canonical speaker: id, display name, type and every written form seen."""

    id: str
    name: str
    type: SpeakerType
    aliases: frozenset[str] = field(default_factory=frozenset)


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
            return SpeakerRegistry(self.speakers + (seen,))
        updated = merge_speaker(existing, seen)
        return SpeakerRegistry(tuple(updated if s.id == seen.id else s for s in self.speakers))

    def display_name(self, speaker_id: str, fallback: str) -> str:
        known = self.get(speaker_id)
        return known.name if known is not None else fallback
