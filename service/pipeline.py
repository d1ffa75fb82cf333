"""The pure steps the agents chain: entry -> probes, answers -> verdict, verdict -> quotes.

Still pure: no Kafka, no tables. Agents read the state these functions need and write what they
return.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from schemas.dedup import Claimant, ProbeBatch, Resemblance, SignatureKind, SignatureRef
from schemas.entries import EntryVerdict, RawEntry
from schemas.quotes import QuoteOccurrence, SpeakerMention, SpeakerType
from service.core import claims, registry
from service.core.claims import Gathered, Judge
from service.core.dedup import (
    Candidate,
    DedupThresholds,
    ParagraphClaim,
    claimable_paragraphs,
    decide_entry,
    decide_paragraphs,
    match,
    resemblance,
)
from service.core.fingerprints import (
    EntryFingerprint,
    FingerprintParams,
    fingerprint_entry,
    minhash_array,
    pack_minhash,
    text_digest,
)
from service.core.normalise import words
from service.core.quotes import ExtractedQuote, extract_quotes


@dataclass(frozen=True)
class PipelineParams:
    fingerprint: FingerprintParams
    thresholds: DedupThresholds

    @classmethod
    def default(cls) -> PipelineParams:
        return cls(FingerprintParams(), DedupThresholds())


@lru_cache(maxsize=4096)
def _fingerprint(paragraphs: tuple[str, ...], params: FingerprintParams) -> EntryFingerprint:
    """Each entry is fingerprinted when it is scattered and again when its verdict is gathered,
    usually moments apart on the same worker: remember recent ones (a pure function)."""
    return fingerprint_entry(paragraphs, params)


def _entry_key(fp: EntryFingerprint) -> str:
    return f"e:{fp.digest}"


def _paragraph_key(digest: str) -> str:
    return f"p:{digest}"


def probe_batches(entry: RawEntry, params: PipelineParams, shards: int) -> list[ProbeBatch]:
    """The entry's distinct signatures (its digest, paragraphs and LSH bands), one batch per
    shard that owns any of them, marked with the entry's version."""
    fp = _fingerprint(tuple(entry.paragraphs), params.fingerprint)
    sketch = Claimant(
        entry_id=entry.entry_id,
        event_time=entry.event_time,
        digest=fp.digest,
        minhash=pack_minhash(fp.minhash),
        shingle_count=fp.shingle_count,
    )
    refs = [SignatureRef(key=_entry_key(fp), kind=SignatureKind.ENTRY)]
    refs += [
        SignatureRef(key=_paragraph_key(digest), kind=SignatureKind.PARAGRAPH, paragraph_index=i)
        for i, digest in claimable_paragraphs(fp, params.thresholds)
    ]
    refs += [
        SignatureRef(key=band, kind=SignatureKind.BAND) for band in dict.fromkeys(fp.band_keys)
    ]
    return claims.probe_batches(sketch, refs, shards, entry.version().tag)


@dataclass(frozen=True, slots=True)
class _Sketch:
    digest: str
    minhash: np.ndarray
    shingle_count: int


@lru_cache(maxsize=8192)
def _unpacked(digest: str, minhash: str, shingle_count: int) -> _Sketch:
    """An owner scores the same recent sketches against many entries: unpack each once."""
    return _Sketch(digest, minhash_array(minhash), shingle_count)


def judge(params: PipelineParams) -> Judge:
    """How a signature's owner scores an entry against a holder of the key, and whether that
    makes the holder an original the entry is a copy of."""

    def score(entry: Claimant, holder: Claimant) -> Resemblance | None:
        a, b = _sketch(entry), _sketch(holder)
        return resemblance(a, b, params.thresholds) if a and b else None

    def level(found: Resemblance) -> int:
        return match(found, params.thresholds)

    return Judge(score, level)


def _sketch(c: Claimant) -> _Sketch | None:
    if c.digest is None or c.minhash is None or c.shingle_count is None:
        return None
    return _unpacked(c.digest, c.minhash, c.shingle_count)


def verdict_for_entry(entry: RawEntry, gathered: Gathered, params: PipelineParams) -> EntryVerdict:
    """Decide the entry's status and which of its paragraphs are new, from all answers."""
    fp = _fingerprint(tuple(entry.paragraphs), params.fingerprint)
    first_claims = {
        key.removeprefix("p:"): ParagraphClaim(
            entry_id=c.entry_id, index=c.paragraph_index, event_time=c.event_time
        )
        for key, c in gathered.first_claims.items()
        if c.paragraph_index is not None
    }
    candidates = [
        Candidate(entry_id=c.entry_id, event_time=c.event_time, resemblance=c.resemblance)
        for c in gathered.candidates.values()
        if c.resemblance is not None
    ]
    decision = decide_entry(entry.entry_id, entry.event_time, candidates, params.thresholds)
    paragraphs = decide_paragraphs(
        entry.entry_id, entry.event_time, fp, first_claims, params.thresholds
    )
    return EntryVerdict(
        entry_id=entry.entry_id,
        document_id=entry.document_id,
        outlet=entry.outlet,
        event_time=entry.event_time,
        headline=entry.headline,
        status=decision.status,
        canonical_id=decision.canonical_id,
        similarity=decision.similarity,
        paragraphs=paragraphs,
    )


def quote_id(text: str, speaker_id: str | None) -> str:
    """Same words (after normalisation) from the same speaker: the same quote."""
    key = " ".join(words(text)) + "\x00" + (speaker_id or "")
    return "q:" + hashlib.blake2b(key.encode("utf-8"), digest_size=12).hexdigest()


@dataclass(frozen=True)
class LocatedQuote:
    """An occurrence and the paragraph it starts in (None: the headline)."""

    occurrence: QuoteOccurrence
    paragraph_index: int | None


def _line_starts(text: str) -> list[int]:
    starts, pos = [], 0
    for line in text.split("\n"):
        starts.append(pos)
        pos += len(line) + 1
    return starts


def occurrence_id(line: str, start: int, end: int, speaker_id: str | None) -> str:
    """Content-based: the same quote in the same paragraph is one occurrence, whichever entry
    carried it and in whatever order entries arrive. A repeated paragraph adds no count."""
    key = f"{text_digest(line)}\x00{start}\x00{end}\x00{speaker_id or ''}"
    return "o:" + hashlib.blake2b(key.encode("utf-8"), digest_size=12).hexdigest()


def quote_occurrences(entry: RawEntry) -> list[LocatedQuote]:
    """Every direct quote of the entry, located in its paragraph."""
    text = entry.text()
    lines = text.split("\n")
    starts = _line_starts(text)
    located = []
    for quote in extract_quotes(text):
        line = bisect_right(starts, quote.start) - 1
        index = line - 1 if entry.headline else line
        local = starts[line]
        occurrence = _occurrence(
            entry,
            quote,
            occurrence_id(lines[line], quote.start - local, quote.end - local, quote.speaker_id),
            index if index >= 0 else None,
        )
        located.append(LocatedQuote(occurrence, occurrence.paragraph_index))
    return located


def _occurrence(
    entry: RawEntry, quote: ExtractedQuote, occ_id: str, paragraph: int | None
) -> QuoteOccurrence:
    return QuoteOccurrence(
        occurrence_id=occ_id,
        quote_id=quote_id(quote.text, quote.speaker_id),
        entry_id=entry.entry_id,
        document_id=entry.document_id,
        outlet=entry.outlet,
        event_time=entry.event_time,
        text=quote.text,
        start=quote.start,
        end=quote.end,
        paragraph_index=paragraph,
        kind=quote.kind,
        speaker=quote.speaker,
        speaker_id=quote.speaker_id,
        speaker_as_written=quote.speaker_as_written,
        speaker_type=quote.speaker_type,
        cue=quote.cue,
        speaker_resolved=quote.speaker_resolved,
        surname_key=quote.surname_key if quote.speaker_type is SpeakerType.PERSON else None,
        corrected=entry.updated_time is not None and entry.updated_time > entry.event_time,
    )


def speaker_mention(
    occ: QuoteOccurrence, new_quote: bool, *, retracted: bool = False
) -> SpeakerMention:
    """An attributed occurrence on its way to the tallies, under the key of its speaker's
    surname group (a person) or of its speaker (an organisation): see core/registry.py."""
    if occ.speaker_id is None:
        raise ValueError("only attributed occurrences are tallied")
    return SpeakerMention(
        occurrence=occ,
        new_quote=new_quote,
        retracted=retracted,
        route_key=registry.route_key(occ.speaker_id, occ.surname_key),
    )
