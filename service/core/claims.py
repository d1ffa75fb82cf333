"""State folds for partitioned dedup: what a signature's owner remembers, and answers gathered.

A signature (entry digest, paragraph digest or LSH band) is owned by one shard (a partition of
the probes topic). Its owner knows every entry that carried it within the dedup horizon
(ClaimIndex, built from the probe batches the shard stored), answers each probe with the
earliest *other* entries that carried it before and, for entry and band keys, the prober's
closest copies among them, and tells later holders when an earlier entry arrives after them.
Answering is idempotent: a replayed probe gets the same answers, and the gathering folds them
so that the verdict does not depend on the order anything arrived in.

An entry's probes reach a shard as one batch and its answers come back as one batch per
recipient; the owner keeps one sketch (MinHash, digest) per entry and shard, not one per key,
and scores the recipient against each holder it names: answers (and the state gathering them)
carry three numbers per holder instead of a MinHash.
"""

from __future__ import annotations

import math
import zlib
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
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
    SignatureKind,
    SignatureRef,
)

# How much the first sketch's entry resembles the second's (None: not comparable).
Scorer = Callable[[Claimant, Claimant], Resemblance | None]
# How close a copy of the second claimant's entry the first's is: 0 none, 1 a near-duplicate,
# 2 a duplicate (dedup.Match). Only the owner can tell: it holds both sketches.
Rank = Callable[[Claimant, Claimant], int]


@dataclass(frozen=True, slots=True)
class SignatureProbe:
    """Asks the owner of `key`: who carried this signature before the claimant?"""

    key: str
    kind: SignatureKind
    expected: int  # how many probe batches the entry sent in all
    claimant: Claimant


@dataclass(frozen=True, slots=True)
class SignatureAnswer:
    """The owner's answer about one key to one recipient (the prober, or a later holder told
    of an earlier one). The answers to one recipient travel as one AnswerBatch; these values
    never leave the fold, so they are plain dataclasses: a pydantic model for each was a
    fifth of an owner's CPU."""

    entry_id: str
    event_time: datetime
    key: str
    kind: SignatureKind
    expected: int
    paragraph_index: int | None
    earlier: list[Claimant]  # other entries holding the key, oldest first
    closest: list[Claimant] = field(default_factory=list)  # its earliest (near-)duplicates
    revision: bool = False  # sent unasked to a later holder when an earlier entry arrived


@dataclass(frozen=True)
class Judge:
    """How a signature's owner compares an entry with the holders of its keys."""

    score: Scorer
    level: Callable[[Resemblance], int]  # dedup.Match of a resemblance


# Earlier holders an answer names per key: enough for the canonical (earliest) holder and a few
# alternatives, and a bound on an answer about a hot bucket.
MAX_CLAIMANTS = {SignatureKind.ENTRY: 4, SignatureKind.PARAGRAPH: 4, SignatureKind.BAND: 8}


def _order(claimant: Claimant | Holder) -> tuple[float, str]:
    return (claimant.event_time.timestamp(), claimant.entry_id)


# An owner's sketches by entry id: one, or one per version of the entry it holds.
Sketches = Mapping[str, Claimant] | Mapping[str, tuple[Claimant, ...]]


def resemblance_order(found: Resemblance) -> tuple[bool, float, float]:
    """Which of two resemblances of one pair of entries (two versions of one of them) is the
    closer: the same text, then the higher Jaccard, then containment. A total order, so the
    closest is the same whichever version was scored first."""
    return (found.same_text, found.jaccard, found.containment)


def _claim_order(claimant: Claimant) -> tuple[float, str, int]:
    # Two versions of an entry may carry one paragraph at two places: the first place wins.
    index = -1 if claimant.paragraph_index is None else claimant.paragraph_index
    return (claimant.event_time.timestamp(), claimant.entry_id, index)


def answer_probe(
    claimants: list[Claimant],
    probe: SignatureProbe,
    rank: Rank | None = None,
    horizon_s: float = math.inf,
) -> tuple[list[SignatureAnswer], list[Claimant]]:
    """Answers to send, and the key's holders with the prober (oldest first).

    `claimants`: every holder the owner knows within the prober's horizon, oldest first
    (ClaimIndex.holders). The first answer goes to the prober and names the MAX_CLAIMANTS
    earliest holders before it and, when `rank` is given (entry and band keys), its closest
    holders: the earliest near-duplicate and the earliest duplicate, however many holders come
    before them. A hot key then cannot hide the copy an entry is of.

    A later holder gets a revised answer when the prober is among the earliest holders before
    it, or is its earliest (near-)duplicate: an earlier entry that arrived late. Knowledge only
    grows, so what the gathering keeps (the earliest named per key, every closest named)
    converges on what an owner that knew every holder from the start would have answered,
    whatever the arrival order. A replay sends the same answers again: a revision lost in a
    crash is not lost for good, and receiving one twice changes nothing.
    """
    prober = probe.claimant
    limit = MAX_CLAIMANTS[probe.kind]
    rank = None if probe.kind is SignatureKind.PARAGRAPH else rank
    me = _order(prober)
    others = claimants
    orders = getattr(claimants, "orders", None) or [_order(c) for c in claimants]
    if any(c.entry_id == prober.entry_id for c in claimants):  # a replay: it is held already
        kept = [i for i, c in enumerate(claimants) if c.entry_id != prober.entry_id]
        others, orders = [claimants[i] for i in kept], [orders[i] for i in kept]
    at = bisect_left(orders, me)
    updated = [*others[:at], prober, *others[at:]]
    oldest = bisect_left(orders, (me[0] - horizon_s,), 0, at)
    before = others[oldest:at]
    answers = [
        _answer(probe, prober, before[:limit], _closest(prober, before, rank), revision=False)
    ]
    times = [t for t, _ in orders]
    times.insert(at, me[0])
    for later_at in range(at + 1, len(updated)):
        later = updated[later_at]
        # The later holder's own horizon: the holders before it that it can be told of.
        start = bisect_left(times, times[later_at] - horizon_s, 0, later_at)
        if start > at:
            continue  # the prober is too old for it, and so is everything before
        first = updated[start : min(later_at, start + limit)]
        closest = _closest(later, updated[start : at + 1], rank, only=prober)
        if at - start < limit or closest:
            answers.append(_answer(probe, later, first, closest, revision=True))
    return answers, updated


def _closest(
    recipient: Claimant,
    earlier: list[Claimant],
    rank: Rank | None,
    only: Claimant | None = None,
) -> list[Claimant]:
    """The earliest near-duplicate and the earliest duplicate of `recipient` in `earlier`
    (oldest first): the holders its verdict can name as the original. With `only`, the last
    of `earlier`: whether it is one of them (and nothing else)."""
    if rank is None or (only is not None and not rank(recipient, only)):
        return []
    if only is not None:
        return [c for c in _closest(recipient, earlier, rank) if c is only]
    near: Claimant | None = None
    for held in earlier:
        level = rank(recipient, held)
        if level and near is None:
            near = held
        if level >= 2:
            return [held] if near is None or near is held else [near, held]
    return [near] if near is not None else []


def _answer(
    probe: SignatureProbe,
    to: Claimant,
    earlier: list[Claimant],
    closest: list[Claimant],
    *,
    revision: bool,
) -> SignatureAnswer:
    return SignatureAnswer(
        entry_id=to.entry_id,
        event_time=to.event_time,
        key=probe.key,
        kind=probe.kind,
        expected=probe.expected,
        paragraph_index=to.paragraph_index,
        earlier=earlier,
        closest=closest,
        revision=revision,
    )


def shard_of(key: str, shards: int) -> int:
    """The shard that owns a signature key: stable across processes and runs (not hash())."""
    return zlib.crc32(key.encode("utf-8")) % shards


def probe_batches(
    sketch: Claimant, signatures: Iterable[SignatureRef], shards: int, version: str | None = None
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
            version=version,
        )
        for shard, refs in sorted(by_shard.items())
    ]


def _prober(batch: ProbeBatch, paragraph_index: int | None) -> Claimant:
    # What the owner remembers per key is small; the sketch is kept once per entry and shard.
    return Claimant(
        entry_id=batch.entry_id,
        event_time=batch.sketch.event_time,
        paragraph_index=paragraph_index,
    )


def answer_batch(
    batch: ProbeBatch,
    known: Mapping[str, list[Claimant]],
    sketches: Sketches,
    judge: Judge,
    horizon_s: float = math.inf,
) -> tuple[list[AnswerBatch], dict[str, list[Claimant]]]:
    """A shard's answers to one probe batch, one batch per recipient (the prober first, then
    later holders whose verdicts a late earlier entry revises), and the keys whose memory
    changed. `known`: each key's holders within the prober's horizon; `sketches`: the shard's,
    by entry id (the prober's is in the batch). Each pair of entries is scored once."""
    scores = _Scores(batch, sketches, judge)
    by_recipient: dict[str, list[SignatureAnswer]] = {}
    changed: dict[str, list[Claimant]] = {}
    # One claimant per paragraph (None: the entry's and band keys), shared by its keys.
    probers: dict[int | None, Claimant] = {}
    for ref in batch.signatures:
        before = known.get(ref.key, [])
        prober = probers.get(ref.paragraph_index)
        if prober is None:
            prober = probers[ref.paragraph_index] = _prober(batch, ref.paragraph_index)
        probe = SignatureProbe(key=ref.key, kind=ref.kind, expected=batch.shards, claimant=prober)
        answers, memory = answer_probe(before, probe, scores.rank, horizon_s)
        if len(memory) != len(before):  # the prober is new to the key (not a replay)
            changed[ref.key] = memory
        for answer in answers:
            by_recipient.setdefault(answer.entry_id, []).append(answer)
    replies = [_answer_batch(batch, answers, scores) for answers in by_recipient.values()]
    return replies, changed


@dataclass
class _Scores:
    """The owner's resemblance of each (recipient, holder) pair met while answering a batch."""

    batch: ProbeBatch
    sketches: Sketches
    judge: Judge
    _memo: dict[tuple[str, str], Resemblance | None] = field(default_factory=dict)
    _levels: dict[tuple[str, str], int] = field(default_factory=dict)

    def _versions(self, entry_id: str) -> tuple[Claimant, ...]:
        if entry_id == self.batch.entry_id:
            return (self.batch.sketch,)  # the version probing now
        found = self.sketches.get(entry_id)
        if found is None:
            return ()
        return (found,) if isinstance(found, Claimant) else tuple(found)

    def recipient_version(self, entry_id: str) -> str | None:
        """The version of `entry_id` its answers are about: the prober's own, else the latest
        this owner holds (a revision scored against a version since replaced is dropped)."""
        if entry_id == self.batch.entry_id:
            return self.batch.version
        latest = getattr(self.sketches, "latest_version", None)
        return latest(entry_id) if latest else None

    def resemblance(self, entry_id: str, holder_id: str) -> Resemblance | None:
        """How much the recipient's latest version resembles the holder: the closest of any
        version of the holder (a copy of words it carried before a correction is a copy)."""
        pair = (entry_id, holder_id)
        if pair not in self._memo:
            found = [
                score
                for entry in self._versions(entry_id)[-1:]
                for holder in self._versions(holder_id)
                if (score := self.judge.score(entry, holder)) is not None
            ]
            self._memo[pair] = max(found, key=resemblance_order) if found else None
        return self._memo[pair]

    def rank(self, entry: Claimant, holder: Claimant) -> int:
        # Called for every holder of every key before the entry: memoised apart from scores.
        pair = (entry.entry_id, holder.entry_id)
        level = self._levels.get(pair)
        if level is None:
            found = self.resemblance(*pair)
            level = self._levels[pair] = self.judge.level(found) if found is not None else 0
        return level


def _answer_batch(
    batch: ProbeBatch, answers: list[SignatureAnswer], scores: _Scores
) -> AnswerBatch:
    recipient = answers[0].entry_id
    holders: dict[str, Holder] = {}
    ref = _Refs()
    for answer in answers:
        for held in (*answer.earlier, *answer.closest):
            named = holders.get(held.entry_id)
            if named is not None and (named.resemblance or answer.kind is SignatureKind.PARAGRAPH):
                continue
            # Only entry and band keys make candidates; a paragraph holder needs no score.
            scored = (
                scores.resemblance(recipient, held.entry_id)
                if answer.kind is not SignatureKind.PARAGRAPH
                else None
            )
            holders[held.entry_id] = Holder(
                entry_id=held.entry_id, event_time=held.event_time, resemblance=scored
            )
    return AnswerBatch(
        entry_id=recipient,
        event_time=answers[0].event_time,
        shard=batch.shard,
        shards=answers[0].expected,
        revision=answers[0].revision,
        version=scores.recipient_version(recipient),
        holders=list(holders.values()),
        answers=[
            KeyAnswer(
                key=a.key,
                kind=a.kind,
                earlier=[ref(c) for c in a.earlier],
                closest=[ref(c) for c in a.closest],
            )
            for a in answers
        ],
    )


class _Refs(dict[tuple[str, int | None], HolderRef]):
    """HolderRefs made once per holder and paragraph: the same few holders answer most keys of
    an entry, and building a model is most of the cost of an answer."""

    def __call__(self, claimant: Claimant) -> HolderRef:
        at = (claimant.entry_id, claimant.paragraph_index)
        found = self.get(at)
        if found is None:
            found = self[at] = HolderRef(entry_id=at[0], paragraph_index=at[1])
        return found


# A holder as the index keeps it: (event time in epoch seconds, entry id, paragraph index or -1,
# the holder). Tuples sort like _order (the first three always differ); an entry's keys share
# one holder per paragraph index, so the index holds a tuple, not a model, per key it carried.
_Held = tuple[float, str, int, Claimant]


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
    # "entry_id@shard" -> (version, sketch) of each version of the entry held, by row.
    _sketches: dict[str, dict[Hashable, tuple[str, Claimant]]] = field(default_factory=dict)

    def add(self, row: Hashable, batch: ProbeBatch) -> None:
        """Index one stored probe batch (idempotent: a row already indexed is left alone).

        Every version of an entry has a row of its own and stays held: a copy of the words an
        entry carried before its correction is still a copy of that entry, whichever of the
        two the owner saw first."""
        if row in self._rows:
            return
        at_time = batch.sketch.event_time
        ts = at_time.timestamp()
        keys = []
        made: dict[int, Claimant] = {}
        for ref in batch.signatures:
            index = -1 if ref.paragraph_index is None else ref.paragraph_index
            if index not in made:
                made[index] = _claimant(batch.entry_id, at_time, ref.paragraph_index)
            held = (ts, batch.entry_id, index, made[index])
            holders = self._holders.setdefault(ref.key, [])
            at = bisect_left(holders, held[:3])
            if at == len(holders) or holders[at][:3] != held[:3]:
                holders.insert(at, held)
            keys.append(ref.key)
        sketch_key = f"{batch.entry_id}@{batch.shard}"
        self._rows[row] = (ts, batch.entry_id, keys, sketch_key)
        self._sketches.setdefault(sketch_key, {})[row] = (batch.version or "", batch.sketch)

    def remove(self, row: Hashable) -> None:
        """Forget one row (its window expired or was deleted); unknown rows are ignored. The
        versions of an entry share its event time, hence its window: they go together."""
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
        versions = self._sketches.get(sketch_key, {})
        versions.pop(row, None)
        if not versions:
            self._sketches.pop(sketch_key, None)

    def holders(self, key: str, prober: Claimant, horizon_s: float) -> list[Claimant]:
        """Every holder of `key` within the horizon of `prober`, oldest first: answer_probe
        looks for the prober's closest copies among all those before it, and may revise any
        after it."""
        held = self._holders.get(key)
        if not held:
            return []
        first = bisect_left(held, (prober.event_time.timestamp() - horizon_s,))
        return _Holders.of(held[first:])

    def sketches(self, shard: int) -> Mapping[str, tuple[Claimant, ...]]:
        """The sketches one shard holds, by entry id, one per version held (a live view)."""
        return _ShardSketches(self._sketches, shard)


class _Holders(list[Claimant]):
    """Holders of a key, oldest first, with their (event time, entry id) order keys, which
    answer_probe would otherwise compute for every holder of every key it is asked about."""

    orders: list[tuple[float, str]]

    @classmethod
    def of(cls, held: list[_Held]) -> _Holders:
        holders = cls(h[3] for h in held)
        holders.orders = [(h[0], h[1]) for h in held]
        return holders


@dataclass(frozen=True)
class _ShardSketches(Mapping[str, tuple[Claimant, ...]]):
    _all: Mapping[str, Mapping[Hashable, tuple[str, Claimant]]]
    _shard: int

    def __getitem__(self, entry_id: str) -> tuple[Claimant, ...]:
        """Each version's sketch, the latest version last."""
        held = sorted(self._all[f"{entry_id}@{self._shard}"].values(), key=lambda v: v[0])
        return tuple(sketch for _, sketch in held)

    def latest_version(self, entry_id: str) -> str | None:
        held = self._all.get(f"{entry_id}@{self._shard}")
        return max(version for version, _ in held.values()) or None if held else None

    def __iter__(self) -> Iterator[str]:
        suffix = f"@{self._shard}"
        return (key.removesuffix(suffix) for key in self._all if key.endswith(suffix))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _claimant(entry_id: str, event_time: datetime, paragraph_index: int | None) -> Claimant:
    # Built from values a validated batch already held: no validation needed.
    return Claimant.model_construct(
        entry_id=entry_id, event_time=event_time, paragraph_index=paragraph_index
    )


@dataclass(frozen=True)
class Gathered:
    """What one entry has learnt from its answer batches so far, folded as they arrive.

    Per entry and band key only the earliest holders named are kept: an answer given before
    some earlier holder arrived named later ones in their place, and those must not outlive
    the revision that corrects it (or the verdict would depend on arrival order). Closest
    holders (the earliest copies an owner found) are kept whatever the key. Candidates are
    those named by either, once per entry id, which keeps the state (and its changelog
    record, rewritten on every batch) small.
    """

    expected: int
    shards: frozenset[int] = frozenset()
    candidates: Mapping[str, Holder] = field(default_factory=dict)  # by entry id
    first_claims: Mapping[str, Claimant] = field(default_factory=dict)  # paragraph key -> first
    earliest: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # _slot -> entry ids
    closest: frozenset[str] = frozenset()  # entry ids

    @property
    def complete(self) -> bool:
        # expected is 0 until one of the entry's own batches told it (revisions came first).
        return self.expected > 0 and len(self.shards) >= self.expected


def gather_batch(gathered: Gathered | None, batch: AnswerBatch) -> Gathered:
    """Fold one answer batch in. Answers only ever add knowledge, so a repeated or revised
    batch merges in without double counting (idempotent), and in any order (commutative).

    Only the entry's own batches (answers to its probes) count towards completion: a revision
    carries the *prober's* batch count, and answers only the keys the two entries share, so a
    revision that arrives first must neither set how many batches to expect (too many, and the
    entry would never complete) nor stand in for its shard's own answer."""
    own = not batch.revision
    known = gathered.expected if gathered else 0
    expected = known or (batch.shards if own else 0)
    candidates = dict(gathered.candidates) if gathered else {}
    first_claims = dict(gathered.first_claims) if gathered else {}
    earliest = dict(gathered.earliest) if gathered else {}
    closest = set(gathered.closest) if gathered else set()
    holders = {h.entry_id: h for h in batch.holders}
    for answer in batch.answers:
        if answer.kind is SignatureKind.PARAGRAPH:
            _learn_first_claim(
                first_claims, answer.key, [_first_claim(holders, r) for r in answer.earlier]
            )
            continue
        for ref in (*answer.earlier, *answer.closest):
            _learn_candidate(candidates, _holder(holders, ref))
        slot = _slot(answer.key)
        named = {*earliest.get(slot, ()), *(r.entry_id for r in answer.earlier)}
        by_order = sorted(named, key=lambda i: _order(candidates[i]))
        earliest[slot] = tuple(by_order[: MAX_CLAIMANTS[answer.kind]])
        closest.update(r.entry_id for r in answer.closest)
    kept = closest.union(*earliest.values())
    shards = gathered.shards if gathered else frozenset()
    if own:
        shards |= {batch.shard}
    return Gathered(
        expected,
        shards,
        {i: c for i, c in candidates.items() if i in kept},
        first_claims,
        earliest,
        frozenset(closest),
    )


def _slot(key: str) -> str:
    """What tells an entry's entry and band keys apart: the part before the colon ("e", "b07").
    An entry carries one digest and one key per band, and the gathering state, rewritten on
    every answer batch, stays a few kB smaller than with whole keys."""
    return key.partition(":")[0]


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
        first_claims[key] = min(known, key=_claim_order)


def _learn_candidate(candidates: dict[str, Holder], holder: Holder) -> None:
    held = candidates.get(holder.entry_id)
    # The same entry can be named with and without a score (a shard no longer has its sketch),
    # and with two scores (two versions of it): the closest stands, in any arrival order.
    if held is None or _closer(holder.resemblance, held.resemblance):
        candidates[holder.entry_id] = holder


def _closer(found: Resemblance | None, held: Resemblance | None) -> bool:
    if found is None:
        return False
    return held is None or resemblance_order(found) > resemblance_order(held)
