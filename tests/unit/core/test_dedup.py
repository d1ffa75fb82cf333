"""decide_entry and decide_paragraphs: earliest is canonical, replays are stable."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from schemas.entries import EntryStatus
from service.core.dedup import (
    Candidate,
    DedupThresholds,
    ParagraphClaim,
    claimable_paragraphs,
    decide_entry,
    decide_paragraphs,
    resemblance,
)
from service.core.fingerprints import EntryFingerprint, fingerprint_entry
from tests.unit.core.seed_excerpts import (
    ARTICLE_001,
    ARTICLE_002,
    ARTICLE_003,
    ARTICLE_004,
    DILEMMA,
    HURRY,
    RUBIO,
)

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Earlier:
    """An entry that carried some of the same keys: what the owner scores against."""

    entry_id: str
    minutes: int
    paragraphs: list[str]


def _candidate(entry_id: str, minutes: int, paragraphs: list[str]) -> Earlier:
    return Earlier(entry_id, minutes, paragraphs)


def _decide(paragraphs: list[str], minutes: int, *earlier: Earlier, entry_id: str = "me"):
    """decide_entry on the candidates as the owners would score them."""
    fp = fingerprint_entry(paragraphs)
    candidates = []
    for e in earlier:
        scored = resemblance(fp, fingerprint_entry(e.paragraphs))
        if scored is not None:
            candidates.append(Candidate(e.entry_id, T0 + timedelta(minutes=e.minutes), scored))
    return decide_entry(entry_id, T0 + timedelta(minutes=minutes), candidates)


def test_no_candidates_is_unique() -> None:
    decision = _decide(HURRY, 0)
    assert decision.status is EntryStatus.UNIQUE and decision.canonical_id is None


def test_exact_copy_is_duplicate_of_the_earliest_candidate() -> None:
    decision = _decide(HURRY, 30, _candidate("second", 10, HURRY), _candidate("first", 5, HURRY))
    assert (decision.status, decision.canonical_id) == (EntryStatus.DUPLICATE, "first")


def test_equal_event_times_break_ties_by_entry_id() -> None:
    decision = _decide(HURRY, 30, _candidate("b", 5, HURRY), _candidate("a", 5, HURRY))
    assert decision.canonical_id == "a"


def test_copy_with_different_quotes_is_a_duplicate() -> None:
    straight = [p.replace("“", '"').replace("”", '"').replace("’", "'") for p in HURRY]
    decision = _decide(straight, 30, _candidate("orig", 0, HURRY))
    assert decision.status is EntryStatus.DUPLICATE


def test_light_edit_001_is_near_duplicate_of_the_blog_entry() -> None:
    decision = _decide(ARTICLE_001, 60, _candidate("blog", 0, HURRY))
    assert (decision.status, decision.canonical_id) == (EntryStatus.NEAR_DUPLICATE, "blog")


def test_trimmed_copy_003_is_near_duplicate_of_the_blog_entry() -> None:
    decision = _decide(ARTICLE_003, 60, _candidate("blog", 0, DILEMMA))
    assert (decision.status, decision.canonical_id) == (EntryStatus.NEAR_DUPLICATE, "blog")


def test_excerpt_of_first_half_is_near_duplicate_by_containment() -> None:
    decision = _decide(HURRY[: len(HURRY) // 2], 60, _candidate("blog", 0, HURRY))
    assert decision.status is EntryStatus.NEAR_DUPLICATE


def test_rewrite_004_is_unique_and_relates_to_nothing_but_its_sources() -> None:
    decision = _decide(
        ARTICLE_004, 60, _candidate("hurry", 0, HURRY), _candidate("a001", 5, ARTICLE_001)
    )
    assert decision.status is EntryStatus.UNIQUE
    # Not asserted: that both sources are listed. 12% of the rewrite's features are in each
    # source, and the estimate of that share (sd ~0.03 with 128 slots) falls either side of
    # the 0.1 "related" threshold depending on the MinHash's hash function.
    assert {entry_id for entry_id, _ in decision.related} <= {"hurry", "a001"}


def test_entry_sharing_a_quarter_of_its_text_lists_the_source_as_related() -> None:
    # A quarter of its features are the blog entry's (first four paragraphs), far from both
    # the "related" threshold (0.1) and the containment one (0.85).
    decision = _decide(HURRY[:4] + RUBIO, 60, _candidate("hurry", 0, HURRY))

    assert decision.status is EntryStatus.UNIQUE
    assert [entry_id for entry_id, _ in decision.related] == ["hurry"]


def test_later_candidate_never_becomes_canonical() -> None:
    decision = _decide(HURRY, 0, _candidate("later", 10, HURRY))
    assert decision.status is EntryStatus.UNIQUE and decision.canonical_id is None


def test_replay_of_the_same_entry_is_not_its_own_duplicate() -> None:
    decision = _decide(HURRY, 0, _candidate("me", 0, HURRY), entry_id="me")
    assert decision.status is EntryStatus.UNIQUE


def test_near_duplicate_points_at_the_earliest_qualifying_candidate() -> None:
    decision = _decide(
        ARTICLE_001, 60, _candidate("copy", 30, ARTICLE_001[:-1]), _candidate("orig", 0, HURRY)
    )
    assert decision.canonical_id == "orig"


def test_tiny_entry_is_not_contained_in_a_long_one() -> None:
    # 25 features, under min_containment_shingles (40): only its Jaccard counts.
    decision = _decide([HURRY[3]], 60, _candidate("blog", 0, HURRY))
    assert decision.status is EntryStatus.UNIQUE


def _repeats(verdicts) -> dict[int, tuple[str | None, int | None]]:
    return {v.index: (v.repeat_of_entry, v.repeat_of_index) for v in verdicts if not v.is_new}


def test_second_body_copy_in_002_repeats_the_first_copy() -> None:
    fp = fingerprint_entry(ARTICLE_002)
    repeats = _repeats(decide_paragraphs("a002", T0, fp, {}))
    first = ARTICLE_002.index(ARTICLE_002[1])
    second = ARTICLE_002.index(ARTICLE_002[1], first + 1)
    assert repeats[second] == ("a002", first)
    assert len(repeats) == 20


def test_replayed_entry_gets_the_same_paragraph_verdicts() -> None:
    fp = fingerprint_entry(ARTICLE_002)
    first_pass = decide_paragraphs("a002", T0, fp, {})
    # What the key owners recorded on the first pass: this entry, at the first index.
    claims = {
        digest: ParagraphClaim("a002", index, T0) for index, digest in claimable_paragraphs(fp)
    }
    assert decide_paragraphs("a002", T0, fp, claims) == first_pass


def test_paragraph_first_claimed_by_an_earlier_entry_is_a_repeat() -> None:
    fp = fingerprint_entry(HURRY)
    claims = {fp.paragraph_digests[2]: ParagraphClaim("blog", 7, T0 - timedelta(hours=1))}
    assert _repeats(decide_paragraphs("me", T0, fp, claims)) == {2: ("blog", 7)}


def test_paragraph_claimed_by_a_later_entry_is_new() -> None:
    fp = fingerprint_entry(HURRY)
    claims = {fp.paragraph_digests[2]: ParagraphClaim("later", 0, T0 + timedelta(hours=1))}
    assert _repeats(decide_paragraphs("me", T0, fp, claims)) == {}


def test_short_paragraphs_are_never_repeats() -> None:
    fp = fingerprint_entry(["Reuters", "Reuters", "A long enough paragraph about Kursk."])
    claims = {fp.paragraph_digests[0]: ParagraphClaim("other", 0, T0 - timedelta(hours=1))}
    assert _repeats(decide_paragraphs("me", T0, fp, claims)) == {}


def test_short_paragraph_limit_is_a_parameter() -> None:
    fp = fingerprint_entry(["Reuters", "Reuters"])
    verdicts = decide_paragraphs("me", T0, fp, {}, DedupThresholds(min_paragraph_words=1))
    assert _repeats(verdicts) == {1: ("me", 0)}


def test_claimable_paragraphs_skip_short_and_repeated_ones() -> None:
    fp: EntryFingerprint = fingerprint_entry(["Reuters", HURRY[0], HURRY[0]])
    assert [index for index, _ in claimable_paragraphs(fp)] == [1]
