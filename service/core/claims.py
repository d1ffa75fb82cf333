"""State folds for partitioned dedup: what a signature's owner remembers, and answers gathered.

A signature (entry digest, paragraph digest or LSH band) is owned by one partition. Its owner
keeps the earliest entries that carried it (bounded), answers each probe with the *other*
entries it knows, and remembers the prober. Answering is idempotent: a replayed probe gets the
same answer as the first time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from schemas.dedup import Claimant, SignatureAnswer, SignatureKind, SignatureProbe

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


def in_horizon(
    claimants: list[Claimant], probe: SignatureProbe, horizon_s: float
) -> list[Claimant]:
    """Holders within the horizon of the prober's event time (older ones left the index), oldest
    first, each once (a holder can be remembered in two windows)."""
    oldest = probe.claimant.event_time.timestamp() - horizon_s
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


@dataclass(frozen=True)
class Gathered:
    """What one entry has learnt from its answers so far, folded as they arrive.

    Candidates are kept once per entry id however many band keys named them, which keeps the
    state (and its changelog record, rewritten on every answer) small.
    """

    expected: int
    keys: frozenset[str] = frozenset()
    candidates: Mapping[str, Claimant] = field(default_factory=dict)  # by entry id
    first_claims: Mapping[str, Claimant] = field(default_factory=dict)  # paragraph key -> first

    @property
    def complete(self) -> bool:
        return len(self.keys) >= self.expected


def gather_answer(gathered: Gathered | None, answer: SignatureAnswer) -> Gathered:
    """Fold one answer in. Answers only ever add knowledge, so a repeated or revised answer for
    a key merges in without double counting (idempotent)."""
    # A revision carries the *prober's* probe count; the entry's own count stays authoritative.
    expected = gathered.expected if gathered else answer.expected
    candidates = dict(gathered.candidates) if gathered else {}
    first_claims = dict(gathered.first_claims) if gathered else {}
    if answer.kind is SignatureKind.PARAGRAPH:
        known = [c for c in answer.earlier if c.paragraph_index is not None]
        held = first_claims.get(answer.key)
        if held is not None:
            known.append(held)
        if known:
            first_claims[answer.key] = min(known, key=_order)
    else:
        for claimant in answer.earlier:
            candidates.setdefault(claimant.entry_id, claimant)
    keys = (gathered.keys if gathered else frozenset()) | {answer.key}
    return Gathered(expected, keys, candidates, first_claims)
