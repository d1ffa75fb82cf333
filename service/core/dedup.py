"""Dedup decisions: given what the signature-key owners answered, classify one entry.

Pure: the stream gathers the answers (candidates and first paragraph claims) and calls these.
The rule throughout is that the EARLIER entry (event time, then entry id) is canonical, and an
entry is never a copy of itself, so replays and out-of-order arrival give stable answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Protocol

from schemas.dedup import Resemblance
from schemas.entries import EntryStatus, ParagraphVerdict
from service.core.fingerprints import EntryFingerprint, jaccard, share_from_jaccard


class Sketch(Protocol):
    """What resemblance needs of an entry (an EntryFingerprint has it)."""

    @property
    def digest(self) -> str: ...
    @property
    def minhash(self) -> Sequence[int]: ...
    @property
    def shingle_count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry a signature-key owner reported as sharing the key, and how much the entry
    being decided resembles it."""

    entry_id: str
    event_time: datetime
    resemblance: Resemblance


@dataclass(frozen=True, slots=True)
class ParagraphClaim:
    """The first entry (by event time) that carried a paragraph digest, and where."""

    entry_id: str
    index: int
    event_time: datetime


@dataclass(frozen=True, slots=True)
class DedupThresholds:
    # MinHash Jaccard at or above which two bodies are the same text (all slots equal by
    # default: same content words in the same order, up to case/punctuation/house style).
    duplicate: float = 1.0
    # Jaccard for "light edit of the same text".
    near_duplicate: float = 0.8
    # Share of this entry contained in an earlier one, for "excerpt / trimmed copy".
    containment: float = 0.85
    # max(Jaccard, containment) for "rewrite of the same news" (reported, status unchanged).
    related: float = 0.1
    # Containment of a tiny entry in a big one says nothing (a 10-word post is "contained" in
    # any long story on the topic); below this many features only Jaccard counts.
    min_containment_shingles: int = 40
    # Paragraphs shorter than this (words) are never repeats: "Reuters", "Image", a one-line
    # sign-off recur everywhere without being copied content.
    min_paragraph_words: int = 5


@dataclass(frozen=True, slots=True)
class EntryDecision:
    status: EntryStatus
    canonical_id: str | None
    similarity: float | None  # best max(Jaccard, containment) seen; None with no candidates
    related: tuple[tuple[str, float], ...]  # (entry_id, similarity), most similar first


class Match(IntEnum):
    """What an earlier entry is to the entry being decided, by their resemblance."""

    NONE = 0
    NEAR_DUPLICATE = 1  # a light edit or an excerpt of it
    DUPLICATE = 2


def match(r: Resemblance, thresholds: DedupThresholds = DedupThresholds()) -> Match:
    if r.same_text or r.jaccard >= thresholds.duplicate:
        return Match.DUPLICATE
    if r.jaccard >= thresholds.near_duplicate or r.containment >= thresholds.containment:
        return Match.NEAR_DUPLICATE
    return Match.NONE


def _order(entry_id: str, event_time: datetime) -> tuple[datetime, str]:
    return (event_time, entry_id)


def resemblance(
    entry: Sketch, holder: Sketch, thresholds: DedupThresholds = DedupThresholds()
) -> Resemblance | None:
    """How much `entry` resembles an earlier `holder`; None when their sketches cannot be
    compared (made with other parameters, or an empty holder)."""
    if entry.digest == holder.digest:
        return Resemblance(same_text=True, jaccard=1.0, containment=1.0)
    if len(entry.minhash) != len(holder.minhash) or not holder.shingle_count:
        return None
    j = jaccard(entry.minhash, holder.minhash)
    # How much of *this* entry stands in the earlier one: an excerpt or trimmed copy.
    k = (
        share_from_jaccard(j, entry.shingle_count, holder.shingle_count)
        if entry.shingle_count >= thresholds.min_containment_shingles
        else 0.0
    )
    return Resemblance(same_text=False, jaccard=j, containment=k)


def decide_entry(
    entry_id: str,
    event_time: datetime,
    candidates: Iterable[Candidate],
    thresholds: DedupThresholds = DedupThresholds(),
) -> EntryDecision:
    """Classify one entry against the candidates its signature keys surfaced.

    Only strictly earlier candidates count (later ones are copies of this one, not its
    source), and the same entry id (a replay) is skipped, so a replay decides the same way.
    Canonical is the earliest qualifying candidate: it points at the first version, not at an
    intermediate copy.
    """
    me = _order(entry_id, event_time)
    earlier: dict[str, Candidate] = {}
    for c in candidates:
        if c.entry_id != entry_id and _order(c.entry_id, c.event_time) < me:
            earlier.setdefault(c.entry_id, c)  # the same entry can arrive via several keys
    if not earlier:
        return EntryDecision(EntryStatus.UNIQUE, None, None, ())

    def earliest(cs: Iterable[Candidate]) -> Candidate:
        return min(cs, key=lambda c: _order(c.entry_id, c.event_time))

    exact = [c for c in earlier.values() if c.resemblance.same_text]
    if exact:
        return EntryDecision(EntryStatus.DUPLICATE, earliest(exact).entry_id, 1.0, ())

    score = {
        c.entry_id: max(c.resemblance.jaccard, c.resemblance.containment) for c in earlier.values()
    }
    level = {c.entry_id: match(c.resemblance, thresholds) for c in earlier.values()}
    status = EntryStatus.UNIQUE
    canonical: Candidate | None = None
    dups = [c for c in earlier.values() if level[c.entry_id] is Match.DUPLICATE]
    nears = [c for c in earlier.values() if level[c.entry_id] is not Match.NONE]
    if dups:
        status, canonical = EntryStatus.DUPLICATE, earliest(dups)
    elif nears:
        status, canonical = EntryStatus.NEAR_DUPLICATE, earliest(nears)

    canonical_id = canonical.entry_id if canonical else None
    related = tuple(
        sorted(
            (
                (cid, s)
                for cid, s in score.items()
                if cid != canonical_id and s >= thresholds.related
            ),
            key=lambda item: (-item[1], item[0]),
        )
    )
    similarity = score[canonical_id] if canonical_id else max(score.values())
    return EntryDecision(status, canonical_id, similarity, related)


def decide_paragraphs(
    entry_id: str,
    event_time: datetime,
    fingerprint: EntryFingerprint,
    first_claims: Mapping[str, ParagraphClaim],
    thresholds: DedupThresholds = DedupThresholds(),
) -> list[ParagraphVerdict]:
    """One verdict per paragraph: new, or a repeat of where it was first seen.

    ``first_claims`` maps a paragraph digest to its first claimant as the key owner recorded
    it (missing digests: no answer / nobody before). A paragraph repeats another entry's only if
    that entry is earlier; it repeats this entry if it appeared at a lower index here. A
    replay, whose claims now name this entry itself, gets the same verdicts as the first pass.
    """
    me = _order(entry_id, event_time)
    first_here: dict[str, int] = {}
    verdicts: list[ParagraphVerdict] = []
    for index, (digest, n_words) in enumerate(
        zip(fingerprint.paragraph_digests, fingerprint.paragraph_word_counts, strict=True)
    ):
        if n_words < thresholds.min_paragraph_words:
            verdicts.append(ParagraphVerdict(index=index, digest=digest))
            continue
        local = first_here.setdefault(digest, index)
        claim = first_claims.get(digest)
        if (
            claim is not None
            and claim.entry_id != entry_id
            and _order(claim.entry_id, claim.event_time) < me
        ):
            verdicts.append(
                ParagraphVerdict(
                    index=index,
                    digest=digest,
                    repeat_of_entry=claim.entry_id,
                    repeat_of_index=claim.index,
                )
            )
        elif local < index:
            verdicts.append(
                ParagraphVerdict(
                    index=index, digest=digest, repeat_of_entry=entry_id, repeat_of_index=local
                )
            )
        else:
            verdicts.append(ParagraphVerdict(index=index, digest=digest))
    return verdicts


def claimable_paragraphs(
    fingerprint: EntryFingerprint, thresholds: DedupThresholds = DedupThresholds()
) -> Sequence[tuple[int, str]]:
    """(index, digest) of paragraphs worth probing: long enough, first occurrence in the entry."""
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    for index, (digest, n_words) in enumerate(
        zip(fingerprint.paragraph_digests, fingerprint.paragraph_word_counts, strict=True)
    ):
        if n_words >= thresholds.min_paragraph_words and digest not in seen:
            seen.add(digest)
            out.append((index, digest))
    return out
