"""State folds for partitioned dedup: what a signature's owner remembers, and answers gathered.

A signature (entry digest, paragraph digest or LSH band) is owned by one partition. Its owner
keeps the earliest entries that carried it (bounded), answers each probe with the *other*
entries it knows, and remembers the prober. Answering is idempotent: a replayed probe gets the
same answer as the first time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.dedup import Claimant, SignatureAnswer, SignatureKind, SignatureProbe

# Enough to find the canonical (earliest) holder and a few alternatives; bounds a hot bucket.
MAX_CLAIMANTS = {SignatureKind.ENTRY: 4, SignatureKind.PARAGRAPH: 4, SignatureKind.BAND: 16}


def _order(claimant: Claimant) -> tuple[float, str]:
    return (claimant.event_time.timestamp(), claimant.entry_id)


def answer_probe(
    claimants: list[Claimant], probe: SignatureProbe
) -> tuple[SignatureAnswer, list[Claimant]]:
    """The answer to `probe` and the owner's updated memory (oldest first, bounded)."""
    prober = probe.claimant
    others = [c for c in claimants if c.entry_id != prober.entry_id]
    answer = SignatureAnswer(
        entry_id=prober.entry_id,
        key=probe.key,
        kind=probe.kind,
        expected=probe.expected,
        paragraph_index=prober.paragraph_index,
        earlier=others,
    )
    if len(others) == len(claimants):  # not remembered yet
        limit = MAX_CLAIMANTS[probe.kind]
        claimants = sorted([*claimants, prober], key=_order)[:limit]
    return answer, claimants


@dataclass(frozen=True)
class Gathered:
    """Answers collected for one entry, by signature key."""

    expected: int
    answers: dict[str, SignatureAnswer] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return len(self.answers) >= self.expected


def gather_answer(gathered: Gathered | None, answer: SignatureAnswer) -> Gathered:
    """Add one answer; a repeated answer for the same key replaces the first (idempotent)."""
    answers = dict(gathered.answers) if gathered else {}
    answers[answer.key] = answer
    return Gathered(expected=answer.expected, answers=answers)
