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
) -> tuple[list[SignatureAnswer], list[Claimant]]:
    """Answers to send and the owner's updated memory (oldest first, bounded).

    The first answer goes to the prober. When the prober is older than entries that already
    hold the signature (an earlier entry arriving late), each of those gets a revised answer
    too, so their verdicts can name the true original.
    """
    prober = probe.claimant
    others = [c for c in claimants if c.entry_id != prober.entry_id]
    answers = [_answer(probe, prober, others, revision=False)]
    if len(others) == len(claimants):  # not remembered yet
        limit = MAX_CLAIMANTS[probe.kind]
        updated = sorted([*claimants, prober], key=_order)[:limit]
        answers += [
            _answer(
                probe, later, [c for c in updated if c.entry_id != later.entry_id], revision=True
            )
            for later in others
            if _order(later) > _order(prober)
        ]
        claimants = updated
    return answers, claimants


def _answer(
    probe: SignatureProbe, to: Claimant, earlier: list[Claimant], *, revision: bool
) -> SignatureAnswer:
    return SignatureAnswer(
        entry_id=to.entry_id,
        key=probe.key,
        kind=probe.kind,
        expected=probe.expected,
        paragraph_index=to.paragraph_index,
        earlier=earlier,
        revision=revision,
    )


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
    # A revision carries the *prober's* probe count; the entry's own count stays authoritative.
    expected = gathered.expected if gathered else answer.expected
    return Gathered(expected=expected, answers=answers)
