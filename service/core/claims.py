"""State folds for partitioned dedup: what a signature's owner remembers, and answers gathered.

A signature (entry digest, paragraph digest or LSH band) is owned by one shard (a partition of
the probes topic). Its owner keeps the earliest entries that carried it (bounded), answers each
probe with the *other* entries it knows, and remembers the prober. Answering is idempotent: a
replayed probe gets the same answer as the first time.

An entry's probes reach a shard as one batch and its answers come back as one batch per
recipient; the owner keeps one sketch (MinHash, digest) per entry and shard, not one per key.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from schemas.dedup import (
    AnswerBatch,
    Claimant,
    HolderRef,
    KeyAnswer,
    ProbeBatch,
    SignatureAnswer,
    SignatureKind,
    SignatureProbe,
    SignatureRef,
)

# Enough to find the canonical (earliest) holder and a few alternatives; bounds a hot bucket.
MAX_CLAIMANTS = {SignatureKind.ENTRY: 4, SignatureKind.PARAGRAPH: 4, SignatureKind.BAND: 8}


def _order(claimant: Claimant) -> tuple[float, str]:
    return (claimant.event_time.timestamp(), claimant.entry_id)


def answer_probe(
    claimants: list[Claimant], probe: SignatureProbe
) -> tuple[list[SignatureAnswer], list[Claimant]]:
    """Answers to send and the owner's updated memory (oldest first, bounded).

    The first answer goes to the prober. When the prober is older than entries that already
    hold the signature (an earlier entry arriving late), each of those gets a revised answer
    too, so their verdicts can name the true original.
    """
    prober = probe.claimant
    others = [c for c in claimants if c.entry_id != prober.entry_id]
    # Only earlier holders matter to an entry (later ones are its copies, not its source).
    answers = [_answer(probe, prober, _earlier_than(prober, others), revision=False)]
    if len(others) == len(claimants):  # not remembered yet
        limit = MAX_CLAIMANTS[probe.kind]
        updated = sorted([*claimants, prober], key=_order)[:limit]
        answers += [
            _answer(probe, later, _earlier_than(later, updated), revision=True)
            for later in others
            if _order(later) > _order(prober)
        ]
        claimants = updated
    return answers, claimants


def in_horizon(claimants: list[Claimant], at: datetime, horizon_s: float) -> list[Claimant]:
    """Holders within the horizon of the prober's event time `at` (older ones left the index),
    oldest first, each once (a holder can be remembered in two windows)."""
    oldest = at.timestamp() - horizon_s
    unique = {c.entry_id: c for c in claimants if c.event_time.timestamp() >= oldest}
    return sorted(unique.values(), key=_order)


def _earlier_than(claimant: Claimant, claimants: list[Claimant]) -> list[Claimant]:
    return [c for c in claimants if _order(c) < _order(claimant)]


def _answer(
    probe: SignatureProbe, to: Claimant, earlier: list[Claimant], *, revision: bool
) -> SignatureAnswer:
    return SignatureAnswer(
        entry_id=to.entry_id,
        event_time=to.event_time,
        key=probe.key,
        kind=probe.kind,
        expected=probe.expected,
        paragraph_index=to.paragraph_index,
        earlier=earlier,
        revision=revision,
    )


def shard_of(key: str, shards: int) -> int:
    """The shard that owns a signature key: stable across processes and runs (not hash())."""
    return zlib.crc32(key.encode("utf-8")) % shards


def probe_batches(
    sketch: Claimant, signatures: Iterable[SignatureRef], shards: int
) -> list[ProbeBatch]:
    """An entry's signatures grouped by owning shard: one batch per shard that owns any."""
    by_shard: dict[int, list[SignatureRef]] = {}
    for ref in signatures:
        by_shard.setdefault(shard_of(ref.key, shards), []).append(ref)
    return [
        ProbeBatch(
            entry_id=sketch.entry_id,
            shard=shard,
            shards=len(by_shard),
            sketch=sketch,
            signatures=refs,
        )
        for shard, refs in sorted(by_shard.items())
    ]


def _prober(batch: ProbeBatch, ref: SignatureRef) -> Claimant:
    # What the owner remembers per key is small; the sketch is kept once per entry and shard.
    return Claimant(
        entry_id=batch.entry_id,
        event_time=batch.sketch.event_time,
        paragraph_index=ref.paragraph_index,
    )


def answer_batch(
    batch: ProbeBatch,
    known: Mapping[str, list[Claimant]],
    sketches: Mapping[str, Claimant],
) -> tuple[list[AnswerBatch], dict[str, list[Claimant]]]:
    """A shard's answers to one probe batch, one batch per recipient (the prober first, then
    later holders whose verdicts a late earlier entry revises), and the keys whose memory
    changed. `known`: each key's holders within the horizon; `sketches`: by entry id."""
    by_recipient: dict[str, list[SignatureAnswer]] = {}
    changed: dict[str, list[Claimant]] = {}
    for ref in batch.signatures:
        before = known.get(ref.key, [])
        probe = SignatureProbe(
            key=ref.key, kind=ref.kind, expected=batch.shards, claimant=_prober(batch, ref)
        )
        answers, memory = answer_probe(before, probe)
        if memory != before:
            changed[ref.key] = memory
        for answer in answers:
            by_recipient.setdefault(answer.entry_id, []).append(answer)
    replies = [_answer_batch(batch, answers, sketches) for answers in by_recipient.values()]
    return replies, changed


def _answer_batch(
    batch: ProbeBatch, answers: list[SignatureAnswer], sketches: Mapping[str, Claimant]
) -> AnswerBatch:
    holders: dict[str, Claimant] = {}
    for answer in answers:
        for held in answer.earlier:
            if held.entry_id not in holders:
                holders[held.entry_id] = sketches.get(held.entry_id) or held.model_copy(
                    update={"paragraph_index": None}
                )
    return AnswerBatch(
        entry_id=answers[0].entry_id,
        event_time=answers[0].event_time,
        shard=batch.shard,
        shards=answers[0].expected,
        revision=answers[0].revision,
        holders=list(holders.values()),
        answers=[
            KeyAnswer(
                key=a.key,
                kind=a.kind,
                earlier=[
                    HolderRef(entry_id=c.entry_id, paragraph_index=c.paragraph_index)
                    for c in a.earlier
                ],
            )
            for a in answers
        ],
    )


@dataclass(frozen=True)
class Gathered:
    """What one entry has learnt from its answer batches so far, folded as they arrive.

    Candidates are kept once per entry id however many band keys named them, which keeps the
    state (and its changelog record, rewritten on every batch) small.
    """

    expected: int
    shards: frozenset[int] = frozenset()
    candidates: Mapping[str, Claimant] = field(default_factory=dict)  # by entry id
    first_claims: Mapping[str, Claimant] = field(default_factory=dict)  # paragraph key -> first

    @property
    def complete(self) -> bool:
        return len(self.shards) >= self.expected


def gather_batch(gathered: Gathered | None, batch: AnswerBatch) -> Gathered:
    """Fold one answer batch in. Answers only ever add knowledge, so a repeated or revised
    batch merges in without double counting (idempotent)."""
    # A revision carries the *prober's* batch count; the entry's own count stays authoritative.
    expected = gathered.expected if gathered else batch.shards
    candidates = dict(gathered.candidates) if gathered else {}
    first_claims = dict(gathered.first_claims) if gathered else {}
    holders = {h.entry_id: h for h in batch.holders}
    for answer in batch.answers:
        if answer.kind is SignatureKind.PARAGRAPH:
            _learn_first_claim(
                first_claims, answer.key, [_first_claim(holders, r) for r in answer.earlier]
            )
        else:
            for ref in answer.earlier:
                _learn_candidate(candidates, _holder(holders, ref))
    shards = (gathered.shards if gathered else frozenset()) | {batch.shard}
    return Gathered(expected, shards, candidates, first_claims)


def _holder(holders: Mapping[str, Claimant], ref: HolderRef) -> Claimant:
    held = holders.get(ref.entry_id)
    if held is None:
        raise ValueError(f"answer names {ref.entry_id} but the batch has no holder for it")
    return held


def _first_claim(holders: Mapping[str, Claimant], ref: HolderRef) -> Claimant:
    # Where the paragraph sits and when is all a first claim needs, not the sketch.
    held = _holder(holders, ref)
    return Claimant(
        entry_id=held.entry_id, event_time=held.event_time, paragraph_index=ref.paragraph_index
    )


def _learn_first_claim(
    first_claims: dict[str, Claimant], key: str, earlier: list[Claimant]
) -> None:
    known = [c for c in earlier if c.paragraph_index is not None]
    held = first_claims.get(key)
    if held is not None:
        known.append(held)
    if known:
        first_claims[key] = min(known, key=_order)


def _learn_candidate(candidates: dict[str, Claimant], claimant: Claimant) -> None:
    held = candidates.get(claimant.entry_id)
    # The same entry can be named with and without its sketch (a shard that no longer has it).
    if held is None or (held.minhash is None and claimant.minhash is not None):
        candidates[claimant.entry_id] = claimant
