"""State folds for partitioned dedup: what a signature's owner remembers, and answers gathered.

A signature (entry digest, paragraph digest or LSH band) is owned by one shard (a partition of
the probes topic). Its owner knows every entry that carried it within the dedup horizon
(ClaimIndex, built from the probe batches the shard stored), answers each probe with the
earliest *other* entries that carried it before, and tells later holders when an earlier
entry arrives after them. Answering is idempotent: a replayed probe gets the same answers.

An entry's probes reach a shard as one batch and its answers come back as one batch per
recipient; the owner keeps one sketch (MinHash, digest) per entry and shard, not one per key,
and scores the recipient against each holder it names: answers (and the state gathering them)
carry three numbers per holder instead of a MinHash.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from schemas.dedup import (
    AnswerBatch,
    Claimant,
    Holder,
    HolderRef,
    KeyAnswer,
    ProbeBatch,
    Resemblance,
    SignatureAnswer,
    SignatureKind,
    SignatureProbe,
    SignatureRef,
)

# How much the first sketch's entry resembles the second's (None: not comparable).
Scorer = Callable[[Claimant, Claimant], Resemblance | None]

# Earlier holders an answer names per key: enough for the canonical (earliest) holder and a few
# alternatives, and a bound on an answer about a hot bucket.
MAX_CLAIMANTS = {SignatureKind.ENTRY: 4, SignatureKind.PARAGRAPH: 4, SignatureKind.BAND: 8}


def _order(claimant: Claimant) -> tuple[float, str]:
    return (claimant.event_time.timestamp(), claimant.entry_id)


def answer_probe(
    claimants: list[Claimant], probe: SignatureProbe
) -> tuple[list[SignatureAnswer], list[Claimant]]:
    """Answers to send, and the key's holders with the prober (oldest first).

    `claimants`: the holders the owner knows, oldest first: at least the MAX_CLAIMANTS earliest
    before the prober, and every later one when the prober is among those (ClaimIndex.holders
    gives exactly that). The first answer goes to the prober: the earliest holders before it.
    When the prober is among the earliest holders a later holder was told of (an earlier entry
    arriving late), each later holder gets a revised answer, so its verdict can name the true
    original. A replay sends them again: a revision lost in a crash is not lost for good, and
    receiving one twice changes nothing.
    """
    prober = probe.claimant
    limit = MAX_CLAIMANTS[probe.kind]
    others = [c for c in claimants if c.entry_id != prober.entry_id]
    updated = sorted([*others, prober], key=_order)
    before = _earlier_than(prober, others)
    answers = [_answer(probe, prober, before[:limit], revision=False)]
    if len(before) < limit:
        answers += [
            _answer(probe, later, _earlier_than(later, updated)[:limit], revision=True)
            for later in others
            if _order(later) > _order(prober)
        ]
    return answers, updated


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
    score: Scorer,
) -> tuple[list[AnswerBatch], dict[str, list[Claimant]]]:
    """A shard's answers to one probe batch, one batch per recipient (the prober first, then
    later holders whose verdicts a late earlier entry revises), and the keys whose memory
    changed. `known`: each key's holders within the horizon; `sketches`: by entry id (the
    recipient's and its holders' are scored against each other here)."""
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
    replies = [_answer_batch(batch, answers, sketches, score) for answers in by_recipient.values()]
    return replies, changed


def _answer_batch(
    batch: ProbeBatch,
    answers: list[SignatureAnswer],
    sketches: Mapping[str, Claimant],
    score: Scorer,
) -> AnswerBatch:
    recipient = sketches.get(answers[0].entry_id)
    holders: dict[str, Holder] = {}
    for answer in answers:
        for held in answer.earlier:
            named = holders.get(held.entry_id)
            if named is not None and (named.resemblance or answer.kind is SignatureKind.PARAGRAPH):
                continue
            sketch = sketches.get(held.entry_id)
            # Only entry and band keys make candidates; a paragraph holder needs no score.
            scored = (
                score(recipient, sketch)
                if recipient and sketch and answer.kind is not SignatureKind.PARAGRAPH
                else None
            )
            holders[held.entry_id] = Holder(
                entry_id=held.entry_id, event_time=held.event_time, resemblance=scored
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


# A holder as the index keeps it: (event time in epoch seconds, entry id, paragraph index or -1,
# the event time itself). Tuples sort like _order and weigh a fraction of a Claimant: the index
# holds one per key an entry carried, for every entry within two horizons.
_Held = tuple[float, str, int, datetime]


@dataclass
class ClaimIndex:
    """Every entry that carried each signature key of a shard, from the probe batches the shard
    stored (one row per entry and shard): the signature owner's memory.

    It lives in the worker process only. The rows are a table with a changelog, and the index
    follows every change of it: a live write, a row restored from the changelog on recovery,
    a window expired. So one changelog record per entry and shard stands in for one per key.
    """

    _holders: dict[str, list[_Held]] = field(default_factory=dict)  # key -> oldest first
    _rows: dict[Hashable, tuple[float, str, list[str], str]] = field(default_factory=dict)
    _sketches: dict[str, Claimant] = field(default_factory=dict)  # "entry_id@shard" -> sketch

    def add(self, row: Hashable, batch: ProbeBatch) -> None:
        """Index one stored probe batch (idempotent: a row already indexed is left alone)."""
        if row in self._rows:
            return
        at_time = batch.sketch.event_time
        ts = at_time.timestamp()
        keys = []
        for ref in batch.signatures:
            index = -1 if ref.paragraph_index is None else ref.paragraph_index
            held = (ts, batch.entry_id, index, at_time)
            holders = self._holders.setdefault(ref.key, [])
            at = bisect_left(holders, held[:3])
            if at == len(holders) or holders[at][:3] != held[:3]:
                holders.insert(at, held)
            keys.append(ref.key)
        sketch_key = f"{batch.entry_id}@{batch.shard}"
        self._rows[row] = (ts, batch.entry_id, keys, sketch_key)
        self._sketches[sketch_key] = batch.sketch

    def remove(self, row: Hashable) -> None:
        """Forget one row (its window expired or was deleted); unknown rows are ignored."""
        found = self._rows.pop(row, None)
        if found is None:
            return
        ts, entry_id, keys, sketch_key = found
        for key in keys:
            holders = self._holders.get(key, [])
            at = bisect_left(holders, (ts, entry_id))
            while at < len(holders) and holders[at][:2] == (ts, entry_id):
                del holders[at]
            if not holders:
                self._holders.pop(key, None)
        self._sketches.pop(sketch_key, None)

    def holders(
        self, key: str, prober: Claimant, kind: SignatureKind, horizon_s: float
    ) -> list[Claimant]:
        """What answer_probe needs of a key's holders within the horizon of `prober`, oldest
        first: the earliest MAX_CLAIMANTS before it and, only when it is among those, every
        later one (whom its arrival may revise). A hot key costs a slice, not a sort."""
        held = self._holders.get(key)
        if not held:
            return []
        ts = prober.event_time.timestamp()
        first = bisect_left(held, (ts - horizon_s,))
        me = bisect_left(held, (ts, prober.entry_id))
        limit = MAX_CLAIMANTS[kind]
        chosen = held[first:me][:limit]
        if len(chosen) < limit:
            chosen += held[me:]
        return [_claimant(h) for h in chosen]

    def sketch(self, entry_id: str, shard: int) -> Claimant | None:
        return self._sketches.get(f"{entry_id}@{shard}")


def _claimant(held: _Held) -> Claimant:
    _, entry_id, index, event_time = held
    # Built from values a validated batch already held: no validation needed.
    return Claimant.model_construct(
        entry_id=entry_id, event_time=event_time, paragraph_index=None if index < 0 else index
    )


@dataclass(frozen=True)
class Gathered:
    """What one entry has learnt from its answer batches so far, folded as they arrive.

    Candidates are kept once per entry id however many band keys named them, which keeps the
    state (and its changelog record, rewritten on every batch) small.
    """

    expected: int
    shards: frozenset[int] = frozenset()
    candidates: Mapping[str, Holder] = field(default_factory=dict)  # by entry id
    first_claims: Mapping[str, Claimant] = field(default_factory=dict)  # paragraph key -> first

    @property
    def complete(self) -> bool:
        # expected is 0 until one of the entry's own batches told it (revisions came first).
        return self.expected > 0 and len(self.shards) >= self.expected


def gather_batch(gathered: Gathered | None, batch: AnswerBatch) -> Gathered:
    """Fold one answer batch in. Answers only ever add knowledge, so a repeated or revised
    batch merges in without double counting (idempotent).

    Only the entry's own batches (answers to its probes) count towards completion: a revision
    carries the *prober's* batch count, and answers only the keys the two entries share, so a
    revision that arrives first must neither set how many batches to expect (too many, and the
    entry would never complete) nor stand in for its shard's own answer."""
    own = not batch.revision
    known = gathered.expected if gathered else 0
    expected = known or (batch.shards if own else 0)
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
    shards = gathered.shards if gathered else frozenset()
    if own:
        shards |= {batch.shard}
    return Gathered(expected, shards, candidates, first_claims)


def _holder(holders: Mapping[str, Holder], ref: HolderRef) -> Holder:
    held = holders.get(ref.entry_id)
    if held is None:
        raise ValueError(f"answer names {ref.entry_id} but the batch has no holder for it")
    return held


def _first_claim(holders: Mapping[str, Holder], ref: HolderRef) -> Claimant:
    # Where the paragraph sits and when is all a first claim needs.
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


def _learn_candidate(candidates: dict[str, Holder], holder: Holder) -> None:
    held = candidates.get(holder.entry_id)
    # The same entry can be named with and without a score (a shard no longer has its sketch).
    if held is None or (held.resemblance is None and holder.resemblance is not None):
        candidates[holder.entry_id] = holder
