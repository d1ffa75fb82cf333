"""service.core.claims: what a signature's owner remembers and answers; answers gathered."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

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
from service.core.claims import (
    MAX_CLAIMANTS,
    ClaimIndex,
    Gathered,
    Judge,
    SignatureAnswer,
    SignatureProbe,
    answer_batch,
    answer_probe,
    gather_batch,
    probe_batches,
    shard_of,
)
from service.core.dedup import Candidate, DedupThresholds, decide_entry, match

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)
KEY = "p:0123abcd"
SIMILAR = Resemblance(same_text=False, jaccard=0.9, containment=0.5)


class Scores:
    """A scorer that records which entry it scored against which holder."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []

    def __call__(self, entry: Claimant, holder: Claimant) -> Resemblance:
        self.pairs.append((entry.entry_id, holder.entry_id))
        return SIMILAR

    @property
    def judge(self) -> Judge:
        return Judge(self, no_copy)


def similar(entry: Claimant, holder: Claimant) -> Resemblance:
    return SIMILAR


def no_copy(found: Resemblance) -> int:
    return 0


# Every pair resembles a little; nothing is a copy of anything.
score = Judge(similar, no_copy)


def claimant(entry_id: str, minutes: int, paragraph_index: int | None = 0) -> Claimant:
    return Claimant(
        entry_id=entry_id,
        event_time=T0 + timedelta(minutes=minutes),
        paragraph_index=paragraph_index,
    )


def probe(
    who: Claimant,
    *,
    key: str = KEY,
    kind: SignatureKind = SignatureKind.PARAGRAPH,
    expected: int = 3,
) -> SignatureProbe:
    return SignatureProbe(key=key, kind=kind, expected=expected, claimant=who)


def answer(
    entry_id: str,
    shard: int,
    *,
    shards: int = 2,
    earlier: list[Claimant | Holder] | None = None,
    key: str = KEY,
    kind: SignatureKind = SignatureKind.PARAGRAPH,
    revision: bool = False,
) -> AnswerBatch:
    """A batch from `shard` answering one key, naming `earlier` holders."""
    held = earlier or []
    return AnswerBatch(
        entry_id=entry_id,
        event_time=T0,
        shard=shard,
        shards=shards,
        revision=revision,
        holders=[
            c if isinstance(c, Holder) else Holder(entry_id=c.entry_id, event_time=c.event_time)
            for c in held
        ],
        answers=[
            KeyAnswer(
                key=key,
                kind=kind,
                earlier=[
                    HolderRef(
                        entry_id=c.entry_id, paragraph_index=getattr(c, "paragraph_index", None)
                    )
                    for c in held
                ],
            )
        ],
    )


def _paragraph(c: Claimant | Holder) -> int | None:
    return c.paragraph_index if isinstance(c, Claimant) else None


def sketch(entry_id: str, minutes: int) -> Claimant:
    return Claimant(
        entry_id=entry_id,
        event_time=T0 + timedelta(minutes=minutes),
        digest=f"d-{entry_id}",
        minhash="AAAAAAEAAAA=",
        shingle_count=12,
    )


def batch(
    entry_id: str, minutes: int, refs: list[SignatureRef], *, shard: int = 0, shards: int = 1
) -> ProbeBatch:
    return ProbeBatch(
        entry_id=entry_id,
        shard=shard,
        shards=shards,
        sketch=sketch(entry_id, minutes),
        signatures=refs,
    )


def probe_all(*probes: SignatureProbe) -> tuple[list[list[SignatureAnswer]], list[Claimant]]:
    """Feed probes for one key to its owner in order; the answers of each and the memory."""
    memory: list[Claimant] = []
    replies = []
    for p in probes:
        answers, memory = answer_probe(memory, p)
        replies.append(answers)
    return replies, memory


# --- answer_probe ---------------------------------------------------------------------------


def test_first_prober_gets_no_earlier_claimants() -> None:
    first = claimant("a", 0)

    answers, _ = answer_probe([], probe(first))

    assert len(answers) == 1
    assert answers[0].entry_id == "a"
    assert answers[0].earlier == []
    assert answers[0].revision is False


def test_first_prober_is_remembered() -> None:
    first = claimant("a", 0)

    _, memory = answer_probe([], probe(first))

    assert memory == [first]


def test_answer_is_addressed_to_the_prober_with_the_probe_key_kind_and_count() -> None:
    first = claimant("a", 0, paragraph_index=7)

    answers, _ = answer_probe([], probe(first, key="p:ffff", expected=9))

    assert (answers[0].key, answers[0].kind, answers[0].expected) == (
        "p:ffff",
        SignatureKind.PARAGRAPH,
        9,
    )
    assert answers[0].paragraph_index == 7


def test_second_prober_sees_the_first() -> None:
    first, second = claimant("a", 0), claimant("b", 10)

    replies, memory = probe_all(probe(first), probe(second))

    assert [a.entry_id for a in replies[1]] == ["b"]
    assert replies[1][0].earlier == [first]
    assert memory == [first, second]


def test_a_prober_never_sees_itself_among_the_earlier_claimants() -> None:
    first, second = claimant("a", 0), claimant("b", 10)

    replies, _ = probe_all(probe(first), probe(second), probe(first))

    assert all(c.entry_id != "a" for c in replies[2][0].earlier)


def test_replayed_probe_gets_the_same_answer_as_the_first_time() -> None:
    first, second = claimant("a", 0), claimant("b", 10)
    replies, memory = probe_all(probe(first), probe(second))

    replayed, after = answer_probe(memory, probe(second))

    assert replayed == replies[1]
    assert after == memory


def test_replayed_probe_of_an_earlier_entry_sends_the_same_revisions_again() -> None:
    """A crash may lose revisions sent after the owner stored the prober: a replay resends
    them (a revision received twice changes nothing)."""
    later, earlier = claimant("b", 10), claimant("a", 0)
    replies, memory = probe_all(probe(later), probe(earlier))

    replayed, after = answer_probe(memory, probe(earlier))

    assert replayed == replies[1]
    assert [a.revision for a in replayed] == [False, True]
    assert after == memory


def test_earlier_entry_arriving_late_sends_a_revision_to_the_later_entry() -> None:
    later, earlier = claimant("b", 10), claimant("a", 0)

    replies, _ = probe_all(probe(later), probe(earlier))

    to_prober, *revisions = replies[1]
    assert to_prober.entry_id == "a" and to_prober.revision is False
    assert [(r.entry_id, r.revision) for r in revisions] == [("b", True)]
    assert revisions[0].earlier == [earlier]


def test_revision_carries_the_later_entrys_own_paragraph_index() -> None:
    later, earlier = claimant("b", 10, paragraph_index=5), claimant("a", 0, paragraph_index=2)

    replies, _ = probe_all(probe(later), probe(earlier))

    revision = replies[1][1]
    assert revision.paragraph_index == 5
    assert revision.earlier[0].paragraph_index == 2


def test_late_earlier_entry_revises_every_later_holder_and_none_before_it() -> None:
    oldest, middle, newest = claimant("a", 0), claimant("m", 5), claimant("z", 10)

    replies, _ = probe_all(probe(oldest), probe(newest), probe(middle))

    revised = {a.entry_id: a for a in replies[2] if a.revision}
    assert set(revised) == {"z"}
    assert revised["z"].earlier == [oldest, middle]


def test_memory_is_kept_oldest_first_whatever_the_arrival_order() -> None:
    c = [claimant(name, minutes) for name, minutes in [("a", 0), ("b", 5), ("c", 10)]]

    _, memory = probe_all(probe(c[2]), probe(c[0]), probe(c[1]))

    assert memory == c


def test_equal_event_times_are_ordered_by_entry_id() -> None:
    b, a = claimant("b", 0), claimant("a", 0)

    replies, memory = probe_all(probe(b), probe(a))

    assert memory == [a, b]
    assert [r.entry_id for r in replies[1] if r.revision] == ["b"]


def test_the_owner_remembers_every_holder_oldest_first() -> None:
    limit = MAX_CLAIMANTS[SignatureKind.PARAGRAPH]
    claimants = [claimant(f"e{i:02d}", minutes=i) for i in range(limit + 3)]

    _, memory = probe_all(*(probe(c) for c in reversed(claimants)))

    assert memory == claimants


def test_an_answer_names_only_the_earliest_holders() -> None:
    limit = MAX_CLAIMANTS[SignatureKind.PARAGRAPH]
    claimants = [claimant(f"e{i:02d}", minutes=i) for i in range(limit + 3)]

    replies, _ = probe_all(*(probe(c) for c in claimants))

    assert replies[-1][0].earlier == claimants[:limit]


def test_band_answers_name_more_holders_than_paragraph_answers() -> None:
    n = MAX_CLAIMANTS[SignatureKind.BAND]
    claimants = [claimant(f"e{i:02d}", minutes=i, paragraph_index=None) for i in range(n + 2)]

    replies, _ = probe_all(*(probe(c, key="b00:x", kind=SignatureKind.BAND) for c in claimants))

    assert len(replies[-1][0].earlier) == n > MAX_CLAIMANTS[SignatureKind.PARAGRAPH]


def test_a_late_earlier_entry_revises_every_later_holder_however_many() -> None:
    """Even the holders beyond the earliest few: their answers named an entry it precedes."""
    limit = MAX_CLAIMANTS[SignatureKind.PARAGRAPH]
    later = [claimant(f"e{i:02d}", minutes=i) for i in range(1, limit + 4)]
    earliest = claimant("e00", minutes=0)

    replies, _ = probe_all(*(probe(c) for c in later), probe(earliest))

    revised = [a for a in replies[-1] if a.revision]
    assert [a.entry_id for a in revised] == [c.entry_id for c in later]
    assert all(a.earlier[0] == earliest for a in revised)


def test_a_late_entry_after_the_earliest_few_revises_nobody() -> None:
    limit = MAX_CLAIMANTS[SignatureKind.PARAGRAPH]
    claimants = [claimant(f"e{i:02d}", minutes=2 * i) for i in range(limit + 2)]
    late = claimant("late", minutes=2 * limit + 1)  # after the earliest `limit` holders

    replies, _ = probe_all(*(probe(c) for c in claimants), probe(late))

    assert [a.revision for a in replies[-1]] == [False]


def test_answering_does_not_modify_the_memory_passed_in() -> None:
    memory = [claimant("b", 10)]
    snapshot = list(memory)

    answer_probe(memory, probe(claimant("a", 0)))

    assert memory == snapshot


# --- shards and batches -------------------------------------------------------------------

BAND = SignatureRef(key="b00:1234", kind=SignatureKind.BAND)
PARA = SignatureRef(key=KEY, kind=SignatureKind.PARAGRAPH, paragraph_index=3)


def test_shard_of_is_stable_and_in_range() -> None:
    keys = [f"b{i:02d}:{i * 7919:x}" for i in range(200)]

    shards = [shard_of(k, 4) for k in keys]

    assert shards == [shard_of(k, 4) for k in keys]
    assert set(shards) == {0, 1, 2, 3}


def test_shard_of_is_the_same_in_another_process_with_another_hash_seed() -> None:
    code = "from service.core.claims import shard_of; print(shard_of('e:abc', 7))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}

    other = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)

    assert other.stdout.strip() == str(shard_of("e:abc", 7))


def test_probe_batches_group_keys_by_owner_and_count_the_batches() -> None:
    refs = [SignatureRef(key=f"b{i:02d}:x", kind=SignatureKind.BAND) for i in range(40)]

    batches = probe_batches(sketch("a", 0), refs, 4)

    assert sorted(r.key for b in batches for r in b.signatures) == sorted(r.key for r in refs)
    assert all(shard_of(r.key, 4) == b.shard for b in batches for r in b.signatures)
    assert {b.shards for b in batches} == {len(batches)}


def test_answer_batch_names_earlier_holders_once_with_the_owners_score() -> None:
    first = batch("a", 0, [BAND, PARA])
    _, memory = answer_batch(first, {}, {"a": first.sketch}, score)
    scores = Scores()

    second = batch("b", 10, [BAND, PARA])
    (reply,), changed = answer_batch(
        second, memory, {"a": first.sketch, "b": second.sketch}, scores.judge
    )

    assert reply.entry_id == "b" and reply.revision is False
    assert reply.holders == [Holder(entry_id="a", event_time=T0, resemblance=SIMILAR)]
    assert scores.pairs == [("b", "a")]  # the answered entry against its earlier holder, once
    assert [(a.key, [r.entry_id for r in a.earlier]) for a in reply.answers] == [
        (BAND.key, ["a"]),
        (KEY, ["a"]),
    ]
    assert reply.answers[1].earlier[0].paragraph_index == 3
    assert [c.entry_id for c in changed[BAND.key]] == ["a", "b"]


def test_a_holder_of_paragraphs_only_is_not_scored() -> None:
    first = batch("a", 0, [PARA])
    _, memory = answer_batch(first, {}, {"a": first.sketch}, score)
    scores = Scores()

    second = batch("b", 10, [PARA])
    (reply,), _ = answer_batch(
        second, memory, {"a": first.sketch, "b": second.sketch}, scores.judge
    )

    assert reply.holders == [Holder(entry_id="a", event_time=T0)]
    assert scores.pairs == []


def test_a_revision_scores_the_later_holder_against_the_late_earlier_entry() -> None:
    late = batch("late", 10, [BAND])
    _, memory = answer_batch(late, {}, {"late": late.sketch}, score)
    scores = Scores()

    early = batch("early", 0, [BAND])
    _, revision = answer_batch(
        early, memory, {"late": late.sketch, "early": early.sketch}, scores.judge
    )[0]

    assert (revision.entry_id, [h.entry_id for h in revision.holders]) == ("late", ["early"])
    assert scores.pairs == [("late", "early")]


def test_memory_keeps_no_sketch_per_key() -> None:
    _, memory = answer_batch(batch("a", 0, [BAND]), {}, {}, score)

    assert memory[BAND.key][0].minhash is None


def test_a_holder_whose_sketch_is_gone_is_named_by_event_time_only() -> None:
    _, memory = answer_batch(batch("a", 0, [BAND]), {}, {}, score)

    (reply,), _ = answer_batch(batch("b", 10, [BAND]), memory, {}, score)

    assert [(h.entry_id, h.resemblance) for h in reply.holders] == [("a", None)]


def test_late_earlier_entry_sends_one_revision_batch_per_later_holder() -> None:
    _, memory = answer_batch(batch("late", 10, [BAND, PARA]), {}, {}, score)

    replies, _ = answer_batch(batch("early", 0, [BAND, PARA]), memory, {}, score)

    to_prober, revision = replies
    assert (to_prober.entry_id, to_prober.revision) == ("early", False)
    assert (revision.entry_id, revision.revision) == ("late", True)
    assert [a.key for a in revision.answers] == [BAND.key, KEY]
    assert revision.event_time == T0 + timedelta(minutes=10)


def test_replayed_batch_gets_the_same_answers_and_changes_nothing() -> None:
    _, memory = answer_batch(batch("a", 0, [BAND]), {}, {}, score)
    again, changed = answer_batch(batch("b", 10, [BAND]), memory, {}, score)
    memory.update(changed)

    replayed, unchanged = answer_batch(batch("b", 10, [BAND]), memory, {}, score)

    assert replayed == again
    assert unchanged == {}


# --- gather_batch ---------------------------------------------------------------------------


def test_gathering_is_incomplete_until_every_shard_answered() -> None:
    first = gather_batch(None, answer("x", 0, shards=2))

    second = gather_batch(first, answer("x", 1, shards=2))

    assert not first.complete
    assert second.complete
    assert second.shards == {0, 1}


def test_single_shard_entry_is_complete_after_one_batch() -> None:
    assert gather_batch(None, answer("x", 0, shards=1)).complete


def test_repeated_batch_does_not_count_twice() -> None:
    once = gather_batch(None, answer("x", 0))

    twice = gather_batch(once, answer("x", 0))

    assert not twice.complete
    assert twice == once


def test_revised_batch_names_the_earlier_holder_as_first_claimant() -> None:
    first = gather_batch(None, answer("x", 0))
    original = claimant("a", 0)

    gathered = gather_batch(first, answer("x", 0, earlier=[original], revision=True))

    assert gathered.first_claims == {KEY: original}
    assert gathered.shards == {0}


def test_revision_keeps_the_entrys_own_expected_count() -> None:
    gathered = gather_batch(None, answer("x", 0, shards=3))
    revision = answer("x", 1, shards=1, earlier=[claimant("a", 0)], revision=True)

    after = gather_batch(gathered, revision)

    assert after.expected == 3
    assert not after.complete


def test_a_revision_arriving_before_the_entrys_own_answers_sets_no_batch_count() -> None:
    """The revision carries the prober's count (4); the entry itself sent 2 batches."""
    revision = answer("x", 1, shards=4, earlier=[claimant("a", 0)], revision=True)

    first = gather_batch(None, revision)
    second = gather_batch(first, answer("x", 0, shards=2))
    third = gather_batch(second, answer("x", 1, shards=2))

    assert (first.expected, first.complete) == (0, False)
    assert (second.expected, second.complete) == (2, False)
    assert third.complete
    assert third.first_claims == {KEY: claimant("a", 0)}  # what the revision taught is kept


def test_a_revision_does_not_stand_in_for_its_shards_own_answer() -> None:
    """It answers only the keys the two entries share: the entry waits for shard 1's own."""
    own = gather_batch(None, answer("x", 0, shards=2))

    revised = gather_batch(own, answer("x", 1, earlier=[claimant("a", 0)], revision=True))

    assert not revised.complete
    assert gather_batch(revised, answer("x", 1, shards=2)).complete


def test_a_candidate_named_with_its_sketch_replaces_one_named_without() -> None:
    bare = claimant("a", 0, paragraph_index=None)
    known = Holder(entry_id="a", event_time=T0, resemblance=SIMILAR)
    first = gather_batch(None, answer("x", 0, earlier=[bare], key="b00:1", kind=SignatureKind.BAND))

    second = gather_batch(
        first, answer("x", 1, earlier=[known], key="b01:1", kind=SignatureKind.BAND)
    )
    third = gather_batch(
        second, answer("x", 1, earlier=[bare], key="b02:1", kind=SignatureKind.BAND)
    )

    assert first.candidates["a"].resemblance is None
    assert third.candidates["a"] == known


def test_gathering_does_not_modify_the_previous_state() -> None:
    before = gather_batch(None, answer("x", 0))
    snapshot = Gathered(
        before.expected, before.shards, dict(before.candidates), dict(before.first_claims)
    )

    gather_batch(before, answer("x", 1, earlier=[claimant("a", 0)]))

    assert before == snapshot


# --- ClaimIndex -----------------------------------------------------------------------------


def index_of(*batches: ProbeBatch) -> ClaimIndex:
    index = ClaimIndex()
    for b in batches:
        index.add(("row", b.entry_id), b)
    return index


def test_holders_older_than_the_horizon_have_left_the_index() -> None:
    index = index_of(batch("old", 0, [PARA]), batch("recent", 50, [PARA]))

    kept = index.holders(KEY, claimant("me", 60), horizon_s=30 * 60)

    assert [c.entry_id for c in kept] == ["recent"]


def test_the_index_names_where_each_holder_carried_the_key() -> None:
    index = index_of(batch("a", 0, [PARA, BAND]))

    (para,) = index.holders(KEY, claimant("me", 5), 3600)
    (band,) = index.holders(BAND.key, claimant("me", 5), 3600)

    assert (para.entry_id, para.paragraph_index, band.paragraph_index) == ("a", 3, None)
    assert para.event_time == T0


def test_a_row_indexed_twice_counts_once_and_its_removal_forgets_it() -> None:
    first = batch("a", 0, [PARA])
    index = index_of(first)
    index.add(("row", "a"), first)
    index.add(("other window", "a"), first)

    assert len(index.holders(KEY, claimant("me", 5), 3600)) == 1
    index.remove(("row", "a"))
    index.remove(("other window", "a"))
    index.remove(("never", "indexed"))
    assert index.holders(KEY, claimant("me", 5), 3600) == []
    assert index.sketches(0).get("a") is None


def test_the_index_keeps_each_entrys_sketch_per_shard() -> None:
    index = index_of(batch("a", 0, [PARA], shard=2))

    assert index.sketches(2).get("a") == (sketch("a", 0),)
    assert index.sketches(1).get("a") is None


@settings(max_examples=80, deadline=None)
@given(st.permutations(range(9)), st.integers(0, 8))
def test_answers_from_the_index_equal_answers_from_every_holder(
    arrival: list[int], prober_at: int
) -> None:
    """The index cuts a key's holders at the prober's horizon; answer_probe cuts each later
    holder's at its own: together they answer (and revise) as every holder would."""
    horizon_s = 4 * 60
    others = [i for i in arrival if i != prober_at]
    index = index_of(*(batch(f"e{i}", minutes=i, refs=[PARA]) for i in others))
    everyone = [claimant(f"e{i}", i, paragraph_index=PARA.paragraph_index) for i in sorted(others)]
    prober = claimant(f"e{prober_at}", prober_at)

    held = index.holders(KEY, prober, horizon_s)

    assert (
        answer_probe(held, probe(prober), horizon_s=horizon_s)[0]
        == answer_probe(everyone, probe(prober), horizon_s=horizon_s)[0]
    )


# --- closest copies and order independence ----------------------------------------------------

HOT = SignatureRef(key="b00:hot", kind=SignatureKind.BAND)
JACCARD = {1: 0.85, 2: 1.0}  # a Jaccard estimate of each dedup.Match level but the first


class Copies:
    """A judge that knows which entry copies which: levels[(entry, holder)] (default 0)."""

    def __init__(self, levels: dict[tuple[str, str], int]) -> None:
        self.levels = levels

    def score(self, entry: Claimant, holder: Claimant) -> Resemblance:
        level = self.levels.get((entry.entry_id, holder.entry_id), 0)
        # Entries that are no copies still resemble a little, each pair its own (0.05 to 0.5).
        unrelated = 0.05 * (1 + zlib.crc32(f"{entry.entry_id}|{holder.entry_id}".encode()) % 10)
        jaccard = JACCARD[level] if level else unrelated
        return Resemblance(same_text=False, jaccard=jaccard, containment=0.0)

    @property
    def judge(self) -> Judge:
        return Judge(self.score, lambda r: match(r, DedupThresholds()))


def owner_answers(
    judge: Judge, batches: list[ProbeBatch], horizon_s: float = 3600
) -> list[AnswerBatch]:
    """One shard's owner answering `batches` in this order, as claim_signatures does."""
    index = ClaimIndex()
    sent: list[AnswerBatch] = []
    for b in batches:
        known = {ref.key: index.holders(ref.key, b.sketch, horizon_s) for ref in b.signatures}
        replies, _ = answer_batch(b, known, index.sketches(b.shard), judge, horizon_s)
        index.add(b.entry_id, b)
        sent += replies
    return sent


def test_an_answer_names_the_earliest_copy_however_many_holders_come_before_it() -> None:
    limit = MAX_CLAIMANTS[SignatureKind.BAND]
    held = [batch(f"e{i:02d}", i, [HOT]) for i in range(limit + 3)]
    copied = held[limit + 1].entry_id  # beyond the earliest `limit`
    me = batch("me", 60, [HOT])

    *_, reply = owner_answers(Copies({("me", copied): 1}).judge, [*held, me])

    (key_answer,) = reply.answers
    assert len(key_answer.earlier) == limit
    assert [r.entry_id for r in key_answer.closest] == [copied]
    assert copied in {h.entry_id for h in reply.holders}


def test_closest_names_the_earliest_near_duplicate_and_the_earliest_duplicate() -> None:
    held = [batch(f"e{i:02d}", i, [HOT]) for i in range(6)]
    levels = {("me", "e02"): 1, ("me", "e03"): 1, ("me", "e04"): 2, ("me", "e05"): 2}

    *_, reply = owner_answers(Copies(levels).judge, [*held, batch("me", 60, [HOT])])

    assert [r.entry_id for r in reply.answers[0].closest] == ["e02", "e04"]


def test_paragraph_keys_name_no_closest_copy() -> None:
    held = batch("a", 0, [PARA])

    *_, reply = owner_answers(Copies({("me", "a"): 2}).judge, [held, batch("me", 60, [PARA])])

    assert reply.answers[0].closest == []


def test_a_late_copy_revises_a_later_holder_it_is_the_earliest_copy_for() -> None:
    limit = MAX_CLAIMANTS[SignatureKind.BAND]
    held = [batch(f"e{i:02d}", i, [HOT]) for i in range(limit + 1)]
    late = batch("late", limit + 1, [HOT])  # after the earliest `limit`: no revision for that
    me = batch("me", 60, [HOT])

    replies = owner_answers(Copies({("me", "late"): 1}).judge, [*held, me, late])

    (revision,) = [r for r in replies if r.revision]
    assert revision.entry_id == "me"
    assert [r.entry_id for r in revision.answers[0].closest] == ["late"]


def test_a_late_copy_revises_nobody_when_an_earlier_copy_was_named() -> None:
    held = [batch(f"e{i:02d}", i, [HOT]) for i in range(10)]
    levels = {("me", "e01"): 1, ("me", "late"): 1}
    me, late = batch("me", 60, [HOT]), batch("late", 30, [HOT])

    replies = owner_answers(Copies(levels).judge, [*held, me, late])

    assert not [r for r in replies if r.revision]


def test_a_late_copy_revises_nobody_beyond_one_horizon_after_it() -> None:
    early, later = batch("early", 0, [HOT]), batch("later", 90, [HOT])

    replies = owner_answers(
        Copies({("later", "early"): 2}).judge, [later, early], horizon_s=60 * 60
    )

    assert [r.revision for r in replies] == [False, False]


def test_gathering_keeps_only_the_earliest_holders_named_per_key() -> None:
    """An answer given before the earliest holders arrived named later ones in their place."""
    limit = MAX_CLAIMANTS[SignatureKind.BAND]
    early = [claimant(f"a{i}", i, paragraph_index=None) for i in range(limit)]
    late = [claimant(f"z{i}", 30 + i, paragraph_index=None) for i in range(limit)]
    band = {"key": HOT.key, "kind": SignatureKind.BAND}

    first = gather_batch(None, answer("x", 0, shards=1, earlier=late, **band))
    revised = gather_batch(first, answer("x", 0, earlier=early, revision=True, **band))

    assert revised.earliest == {"b00": tuple(c.entry_id for c in early)}
    assert set(revised.candidates) == {c.entry_id for c in early}


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_verdicts_do_not_depend_on_the_order_probes_and_answers_arrive_in(
    data: st.DataObject,
) -> None:
    """Random copies among 20 entries that share a hot band key (some a second one too), and
    a horizon shorter than the stream: every arrival order of the probes, and every delivery
    order of the answers, gives each entry the verdict the in-order run gives it."""
    ids = [f"e{i:02d}" for i in range(20)]
    pairs = [(ids[i], ids[j]) for i in range(len(ids)) for j in range(i)]
    levels = data.draw(st.dictionaries(st.sampled_from(pairs), st.integers(1, 2), max_size=20))
    other = SignatureRef(key="b01:other", kind=SignatureKind.BAND)
    sharing = data.draw(st.sets(st.sampled_from(ids)))
    batches = [batch(e, i, [HOT, other] if e in sharing else [HOT]) for i, e in enumerate(ids)]
    judge = Copies(levels).judge

    def verdicts(sent: list[AnswerBatch]) -> dict[str, tuple[object, ...]]:
        gathered: dict[str, Gathered] = {}
        for reply in sent:
            gathered[reply.entry_id] = gather_batch(gathered.get(reply.entry_id), reply)
        decided: dict[str, tuple[object, ...]] = {}
        for b in batches:
            g = gathered[b.entry_id]
            found = [
                Candidate(c.entry_id, c.event_time, c.resemblance)
                for c in g.candidates.values()
                if c.resemblance is not None
            ]
            d = decide_entry(b.entry_id, b.sketch.event_time, found)
            decided[b.entry_id] = (g.complete, d.status, d.canonical_id, d.similarity)
        return decided

    # More holders within a horizon than an answer names: the closest copies must be found.
    horizon_s = 12 * 60
    in_order = owner_answers(judge, batches, horizon_s)
    shuffled = owner_answers(judge, data.draw(st.permutations(batches)), horizon_s)

    assert verdicts(data.draw(st.permutations(shuffled))) == verdicts(in_order)


# --- versions of an entry -------------------------------------------------------------------


def versioned(entry_id: str, minutes: int, version: str) -> ProbeBatch:
    """A probe batch of one version of an entry (one band key, which is scored); its sketch's
    digest names the version."""
    b = batch(entry_id, minutes, [BAND])
    return b.model_copy(
        update={"version": version, "sketch": b.sketch.model_copy(update={"digest": version})}
    )


class ByDigest:
    """A scorer that records which sketches (by digest) it compared."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str | None, str | None]] = []

    def __call__(self, entry: Claimant, holder: Claimant) -> Resemblance:
        self.pairs.append((entry.digest, holder.digest))
        return SIMILAR


def test_a_later_holder_is_answered_about_its_latest_version_only() -> None:
    index = ClaimIndex()
    index.add(("row", "later@v1"), versioned("later", 10, "v1"))
    index.add(("row", "later@v2"), versioned("later", 10, "v2"))
    scorer = ByDigest()
    late_earlier = versioned("earlier", 0, "e1")
    known = {BAND.key: index.holders(BAND.key, late_earlier.sketch, 3600)}

    replies, _ = answer_batch(late_earlier, known, index.sketches(0), Judge(scorer, no_copy))

    revision = next(r for r in replies if r.entry_id == "later")
    assert revision.revision and revision.version == "v2"
    assert ("v1", "e1") not in scorer.pairs


def test_an_entry_is_scored_against_every_version_of_an_earlier_holder() -> None:
    index = ClaimIndex()
    index.add(("row", "earlier@v1"), versioned("earlier", 0, "v1"))
    index.add(("row", "earlier@v2"), versioned("earlier", 0, "v2"))
    scorer = ByDigest()
    prober = versioned("later", 10, "l1")
    known = {BAND.key: index.holders(BAND.key, prober.sketch, 3600)}

    replies, _ = answer_batch(prober, known, index.sketches(0), Judge(scorer, no_copy))

    assert replies[0].version == "l1"
    assert {("l1", "v1"), ("l1", "v2")} <= set(scorer.pairs)
