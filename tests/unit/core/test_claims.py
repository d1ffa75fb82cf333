"""service.core.claims: what a signature's owner remembers and answers; answers gathered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.dedup import Claimant, SignatureAnswer, SignatureKind, SignatureProbe
from service.core.claims import (
    MAX_CLAIMANTS,
    Gathered,
    answer_probe,
    gather_answer,
    in_horizon,
)

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)
KEY = "p:0123abcd"


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
    key: str,
    *,
    expected: int = 2,
    earlier: list[Claimant] | None = None,
    revision: bool = False,
) -> SignatureAnswer:
    return SignatureAnswer(
        entry_id=entry_id,
        event_time=T0,
        key=key,
        kind=SignatureKind.PARAGRAPH,
        expected=expected,
        earlier=earlier or [],
        revision=revision,
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


def test_replayed_probe_of_an_earlier_entry_sends_no_new_revisions() -> None:
    later, earlier = claimant("b", 10), claimant("a", 0)
    _, memory = probe_all(probe(later), probe(earlier))

    replayed, after = answer_probe(memory, probe(earlier))

    assert [a.revision for a in replayed] == [False]
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


def test_memory_is_bounded_and_keeps_the_oldest_claimants() -> None:
    limit = MAX_CLAIMANTS[SignatureKind.PARAGRAPH]
    claimants = [claimant(f"e{i:02d}", minutes=i) for i in range(limit + 3)]

    _, memory = probe_all(*(probe(c) for c in reversed(claimants)))

    assert memory == claimants[:limit]


def test_band_signatures_remember_more_claimants_than_paragraphs() -> None:
    n = MAX_CLAIMANTS[SignatureKind.BAND]
    claimants = [claimant(f"e{i:02d}", minutes=i, paragraph_index=None) for i in range(n + 1)]

    _, memory = probe_all(*(probe(c, key="b00:x", kind=SignatureKind.BAND) for c in claimants))

    assert len(memory) == n > MAX_CLAIMANTS[SignatureKind.PARAGRAPH]


def test_prober_newer_than_a_full_memory_still_gets_the_oldest_as_earlier() -> None:
    limit = MAX_CLAIMANTS[SignatureKind.PARAGRAPH]
    claimants = [claimant(f"e{i:02d}", minutes=i) for i in range(limit + 1)]

    replies, memory = probe_all(*(probe(c) for c in claimants))

    assert replies[-1][0].earlier == claimants[:limit]
    assert claimants[-1] not in memory


def test_answering_does_not_modify_the_memory_passed_in() -> None:
    memory = [claimant("b", 10)]
    snapshot = list(memory)

    answer_probe(memory, probe(claimant("a", 0)))

    assert memory == snapshot


# --- gather_answer --------------------------------------------------------------------------


def test_gathering_is_incomplete_until_expected_distinct_keys_are_in() -> None:
    first = gather_answer(None, answer("x", "k1", expected=2))

    second = gather_answer(first, answer("x", "k2", expected=2))

    assert not first.complete
    assert second.complete
    assert second.keys == {"k1", "k2"}


def test_single_probe_entry_is_complete_after_one_answer() -> None:
    gathered = gather_answer(None, answer("x", "k1", expected=1))

    assert gathered.complete


def test_repeated_key_does_not_count_twice() -> None:
    once = gather_answer(None, answer("x", "k1", expected=2))

    twice = gather_answer(once, answer("x", "k1", expected=2))

    assert not twice.complete
    assert twice.keys == {"k1"}


def test_revised_answer_names_the_earlier_holder_as_first_claimant() -> None:
    first = gather_answer(None, answer("x", "k1", expected=2))
    original = claimant("a", 0)
    newer = answer("x", "k1", expected=2, earlier=[original], revision=True)

    gathered = gather_answer(first, newer)

    assert gathered.first_claims == {"k1": original}
    assert gathered.keys == {"k1"}


def test_revision_keeps_the_entrys_own_expected_count() -> None:
    gathered = gather_answer(None, answer("x", "k1", expected=3))
    revision = answer("x", "k2", expected=1, earlier=[claimant("a", 0)], revision=True)

    after = gather_answer(gathered, revision)

    assert after.expected == 3
    assert not after.complete


def test_gathering_does_not_modify_the_previous_state() -> None:
    before = gather_answer(None, answer("x", "k1", expected=2))
    snapshot = Gathered(
        before.expected, before.keys, dict(before.candidates), dict(before.first_claims)
    )

    gather_answer(before, answer("x", "k2", expected=2, earlier=[claimant("a", 0)]))

    assert before == snapshot


# --- in_horizon -----------------------------------------------------------------------------


def test_holders_older_than_the_horizon_have_left_the_index() -> None:
    old, recent = claimant("old", 0), claimant("recent", 50)
    prober = probe(claimant("me", 60))

    kept = in_horizon([old, recent], prober, horizon_s=30 * 60)

    assert kept == [recent]


def test_a_holder_remembered_in_two_windows_counts_once() -> None:
    holder = claimant("a", 5)

    kept = in_horizon([holder, holder], probe(claimant("me", 10)), horizon_s=3600)

    assert kept == [holder]
