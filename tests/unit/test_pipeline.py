"""service.pipeline: the pure stages the agents chain, run here in memory like the agents do.

`Scatter` below plays the part of the three dedup agents: fingerprint_entries (probe batches per
entry and shard), claim_signatures (one claims table, a dict keyed by signature, and the shard's
sketches) and gather_verdicts (answer batches gathered per entry, a verdict once all are in,
revised when a revision batch arrives later).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.dedup import AnswerBatch, Claimant, ProbeBatch, SignatureKind
from schemas.entries import DocumentKind, EntryStatus, EntryVerdict, RawEntry
from service import pipeline
from service.core import claims
from service.core.claims import Gathered, answer_batch, gather_batch
from service.replay.seeds import load_manifest
from service.replay.source import read_entries

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
PARAMS = pipeline.PipelineParams.default()
JUDGE = pipeline.judge(PARAMS)
T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)

STORY = [
    "Officials in Geneva told reporters on Thursday evening that the talks between the two "
    "delegations had ended without an agreement on a truce.",
    "“We will not give up on the people of Ukraine,” President Volodymyr Zelensky said on "
    "Thursday in Kyiv, hours after the talks ended.",
    "The next round of negotiations is expected to take place in Riyadh later this month, "
    "according to two diplomats familiar with the planning.",
]
OTHER = [
    "Heavy rain flooded several districts of the coastal city overnight, and emergency "
    "services evacuated hundreds of residents from low-lying streets.",
    "The mayor said the drainage system had been overwhelmed by the volume of water.",
]


def entry(
    entry_id: str,
    paragraphs: list[str],
    *,
    minutes: float = 0,
    headline: str | None = None,
    outlet: str = "Example Times",
) -> RawEntry:
    return RawEntry(
        entry_id=entry_id,
        document_id=f"doc-{entry_id}",
        outlet=outlet,
        kind=DocumentKind.ARTICLE,
        position=0,
        event_time=T0 + timedelta(minutes=minutes),
        headline=headline,
        paragraphs=paragraphs,
    )


@dataclass
class Scatter:
    """The dedup stages in memory: probe batches -> claims -> answer batches -> verdict."""

    deliver_revisions: bool = True
    shards: int = 3
    claims: dict[str, list[Claimant]] = field(default_factory=dict)
    sketches: dict[tuple[str, int], Claimant] = field(default_factory=dict)
    gathering: dict[str, Gathered] = field(default_factory=dict)
    pending: dict[str, RawEntry] = field(default_factory=dict)
    verdicts: dict[str, EntryVerdict] = field(default_factory=dict)

    def store(self, item: RawEntry) -> list[ProbeBatch]:
        """fingerprint_entries: keep the entry, return the batches it scatters."""
        self.pending[item.entry_id] = item
        return pipeline.probe_batches(item, PARAMS, self.shards)

    def claim(self, batch: ProbeBatch) -> None:
        """claim_signatures for one batch, then gather_verdicts for each batch it sends."""
        self.sketches[(batch.entry_id, batch.shard)] = batch.sketch
        known = {ref.key: self.claims.get(ref.key, []) for ref in batch.signatures}
        own = {e: s for (e, shard), s in self.sketches.items() if shard == batch.shard}
        answers, changed = answer_batch(batch, known, own, JUDGE)
        self.claims.update(changed)
        for answer in answers:
            if answer.revision and not self.deliver_revisions:
                continue
            self.gather(answer)

    def gather(self, answer: AnswerBatch) -> None:
        gathered = gather_batch(self.gathering.get(answer.entry_id), answer)
        self.gathering[answer.entry_id] = gathered
        if gathered.complete:
            item = self.pending[answer.entry_id]
            self.verdicts[answer.entry_id] = pipeline.verdict_for_entry(item, gathered, PARAMS)

    def process(self, *entries: RawEntry) -> dict[str, EntryVerdict]:
        for item in entries:
            for batch in self.store(item):
                self.claim(batch)
        return self.verdicts


def verdicts_of(*entries: RawEntry, deliver_revisions: bool = True) -> dict[str, EntryVerdict]:
    return Scatter(deliver_revisions=deliver_revisions).process(*entries)


def outcome(verdicts: dict[str, EntryVerdict]) -> dict[str, object]:
    """What must not depend on arrival order: status, canonical entry, similarity, repeated
    paragraphs."""
    return {
        entry_id: (
            v.status,
            v.canonical_id,
            v.similarity,
            tuple((p.repeat_of_entry, p.repeat_of_index) for p in v.paragraphs),
        )
        for entry_id, v in sorted(verdicts.items())
    }


@pytest.fixture(scope="module")
def seeds() -> list[RawEntry]:
    return read_entries(SEEDS)


@pytest.fixture(scope="module")
def seed_verdicts(seeds: list[RawEntry]) -> dict[str, EntryVerdict]:
    return verdicts_of(*seeds)


def seed_document(seeds: list[RawEntry], prefix: str) -> RawEntry:
    """The single entry of the article whose manifest `file` starts with `prefix`."""
    (document,) = [d for d in load_manifest(SEEDS / "manifest.json") if d.file.startswith(prefix)]
    (found,) = [e for e in seeds if e.document_id == document.document_id]
    return found


def blog_entry(seeds: list[RawEntry], headline: str) -> RawEntry:
    (found,) = [e for e in seeds if e.kind is DocumentKind.LIVEBLOG and e.headline == headline]
    return found


HURRY = "Putin, in No Hurry for Cease-Fire, Seeks Ukrainian Concessions"
DILEMMA = "The U.S.-backed cease-fire offer poses a dilemma for Putin."


# --- probe_batches -------------------------------------------------------------------------


def signatures(item: RawEntry, shards: int = 3) -> list[tuple[str, SignatureKind, int | None]]:
    batches = pipeline.probe_batches(item, PARAMS, shards)
    return [(r.key, r.kind, r.paragraph_index) for b in batches for r in b.signatures]


def test_each_batch_announces_how_many_batches_the_entry_sent() -> None:
    batches = pipeline.probe_batches(entry("a", STORY), PARAMS, 3)

    assert {b.shards for b in batches} == {len(batches)}
    assert len({b.shard for b in batches}) == len(batches)


def test_every_key_goes_to_the_one_shard_that_owns_it() -> None:
    batches = pipeline.probe_batches(entry("a", STORY), PARAMS, 3)

    assert all(claims.shard_of(r.key, 3) == b.shard for b in batches for r in b.signatures)
    assert len({b.shard for b in batches}) > 1  # ~45 keys over 3 shards


def test_the_shard_split_does_not_change_the_signatures() -> None:
    assert sorted(signatures(entry("a", STORY), 1)) == sorted(signatures(entry("a", STORY), 4))


def test_entry_probes_its_digest_each_paragraph_and_its_bands() -> None:
    kinds = [kind for _, kind, _ in signatures(entry("a", STORY))]

    assert kinds.count(SignatureKind.ENTRY) == 1
    assert kinds.count(SignatureKind.PARAGRAPH) == len(STORY)
    assert kinds.count(SignatureKind.BAND) >= 1
    assert len(set(signatures(entry("a", STORY)))) == len(kinds)


def test_a_paragraph_repeated_within_an_entry_is_probed_once() -> None:
    found = signatures(entry("a", [*STORY, STORY[0]]))

    assert sorted(i for _, kind, i in found if kind is SignatureKind.PARAGRAPH) == [0, 1, 2]


def test_same_text_gives_the_same_signature_keys_in_any_entry() -> None:
    one = signatures(entry("a", STORY))

    other = signatures(entry("b", STORY, minutes=30, outlet="Other"))

    assert one == other


# --- verdicts -------------------------------------------------------------------------------


def test_lone_entry_is_unique_with_all_paragraphs_new() -> None:
    verdicts = verdicts_of(entry("a", STORY))

    verdict = verdicts["a"]
    assert verdict.status is EntryStatus.UNIQUE
    assert verdict.canonical_id is None
    assert verdict.new_paragraphs == len(STORY)


def test_exact_copy_with_a_later_event_time_is_a_duplicate_of_the_earlier() -> None:
    original, copy = entry("orig", STORY, minutes=0), entry("copy", STORY, minutes=30)

    verdicts = verdicts_of(original, copy)

    assert verdicts["orig"].status is EntryStatus.UNIQUE
    assert verdicts["copy"].status is EntryStatus.DUPLICATE
    assert verdicts["copy"].canonical_id == "orig"
    assert [p.repeat_of_entry for p in verdicts["copy"].paragraphs] == ["orig"] * len(STORY)


def test_original_arriving_after_its_copy_revises_the_copys_verdict() -> None:
    original, copy = entry("orig", STORY, minutes=0), entry("copy", STORY, minutes=30)

    verdicts = verdicts_of(copy, original)

    assert verdicts["orig"].status is EntryStatus.UNIQUE
    assert verdicts["copy"].status is EntryStatus.DUPLICATE
    assert verdicts["copy"].canonical_id == "orig"


def test_without_revision_answers_a_late_original_leaves_its_copy_unique() -> None:
    original, copy = entry("orig", STORY, minutes=0), entry("copy", STORY, minutes=30)

    verdicts = verdicts_of(copy, original, deliver_revisions=False)

    assert verdicts["copy"].status is EntryStatus.UNIQUE


def test_unrelated_entries_are_both_unique() -> None:
    verdicts = verdicts_of(entry("a", STORY), entry("b", OTHER, minutes=5))

    assert {v.status for v in verdicts.values()} == {EntryStatus.UNIQUE}


def test_entry_sharing_one_paragraph_marks_only_that_paragraph_as_a_repeat() -> None:
    first = entry("first", STORY)
    second = entry("second", [*OTHER, STORY[1]], minutes=10)

    verdicts = verdicts_of(first, second)

    repeats = [(p.repeat_of_entry, p.repeat_of_index) for p in verdicts["second"].paragraphs]
    assert repeats == [(None, None), (None, None), ("first", 1)]


def test_entry_processed_twice_gets_the_same_verdict_and_is_no_copy_of_itself() -> None:
    scatter = Scatter()
    first = dict(scatter.process(entry("a", STORY)))

    again = scatter.process(entry("a", STORY))

    assert again["a"] == first["a"]
    assert again["a"].status is EntryStatus.UNIQUE


# --- the seeds ------------------------------------------------------------------------------


def test_seed_002_second_body_copy_repeats_the_first_copy(
    seeds: list[RawEntry], seed_verdicts: dict[str, EntryVerdict]
) -> None:
    doc = seed_document(seeds, "002_")
    half = len(doc.paragraphs) // 2
    assert doc.paragraphs[:half] == doc.paragraphs[half:]

    verdict = seed_verdicts[doc.entry_id]

    first_copy = verdict.paragraphs[:half]
    second_copy = verdict.paragraphs[half:]
    assert all(p.is_new for p in first_copy)
    assert [(p.repeat_of_entry, p.repeat_of_index) for p in second_copy] == [
        (doc.entry_id, i) for i in range(half)
    ]


def test_seed_001_is_a_near_duplicate_of_the_no_hurry_blog_entry(
    seeds: list[RawEntry], seed_verdicts: dict[str, EntryVerdict]
) -> None:
    article = seed_document(seeds, "001_")

    verdict = seed_verdicts[article.entry_id]

    assert verdict.status is EntryStatus.NEAR_DUPLICATE
    assert verdict.canonical_id == blog_entry(seeds, HURRY).entry_id


def test_seed_003_is_a_near_duplicate_of_the_dilemma_blog_entry(
    seeds: list[RawEntry], seed_verdicts: dict[str, EntryVerdict]
) -> None:
    article = seed_document(seeds, "003_")

    verdict = seed_verdicts[article.entry_id]

    assert verdict.status is EntryStatus.NEAR_DUPLICATE
    assert verdict.canonical_id == blog_entry(seeds, DILEMMA).entry_id


def test_seed_blog_entries_copied_by_articles_stay_unique(
    seeds: list[RawEntry], seed_verdicts: dict[str, EntryVerdict]
) -> None:
    originals = [blog_entry(seeds, HURRY), blog_entry(seeds, DILEMMA)]

    statuses = [seed_verdicts[e.entry_id].status for e in originals]

    assert statuses == [EntryStatus.UNIQUE, EntryStatus.UNIQUE]


def test_every_seed_entry_gets_exactly_one_verdict(
    seeds: list[RawEntry], seed_verdicts: dict[str, EntryVerdict]
) -> None:
    assert sorted(seed_verdicts) == sorted(e.entry_id for e in seeds)


@settings(max_examples=15, deadline=None)
@given(order=st.randoms(use_true_random=False))
def test_seed_verdicts_do_not_depend_on_the_order_entries_arrive_in(
    order: random.Random, seeds: list[RawEntry], seed_verdicts: dict[str, EntryVerdict]
) -> None:
    shuffled = list(seeds)
    order.shuffle(shuffled)

    verdicts = verdicts_of(*shuffled)

    assert outcome(verdicts) == outcome(seed_verdicts)


@pytest.mark.parametrize("seed", range(4))
def test_seed_verdicts_do_not_depend_on_how_probes_of_all_entries_interleave(
    seed: int, seeds: list[RawEntry], seed_verdicts: dict[str, EntryVerdict]
) -> None:
    scatter = Scatter()
    probes = [probe for item in seeds for probe in scatter.store(item)]
    random.Random(seed).shuffle(probes)

    for probe in probes:
        scatter.claim(probe)

    assert outcome(scatter.verdicts) == outcome(seed_verdicts)


@settings(max_examples=20, deadline=None)
@given(order=st.randoms(use_true_random=False))
def test_sources_of_a_paragraph_repeated_many_times_do_not_depend_on_arrival_order(
    order: random.Random,
) -> None:
    """More copies than an answer names: each must still name the very first."""
    copies = [
        entry(f"c{i:02d}", [f"Copy number {i} opens with its own words, as reprints do.", STORY[0]],
              minutes=i)
        for i in range(12)
    ]  # fmt: skip
    shuffled = list(copies)
    order.shuffle(shuffled)

    verdicts = verdicts_of(*shuffled)

    assert outcome(verdicts) == outcome(verdicts_of(*copies))
    assert {v.paragraphs[1].repeat_of_entry for k, v in verdicts.items() if k != "c00"} == {"c00"}


def test_reversed_seed_order_needs_revision_answers_to_find_the_originals(
    seeds: list[RawEntry], seed_verdicts: dict[str, EntryVerdict]
) -> None:
    verdicts = verdicts_of(*reversed(seeds), deliver_revisions=False)

    assert outcome(verdicts) != outcome(seed_verdicts)


# --- quote occurrences ----------------------------------------------------------------------


def test_quote_occurrence_is_located_in_its_paragraph() -> None:
    item = entry("a", STORY, headline="Talks end without a truce")

    (located,) = pipeline.quote_occurrences(item)

    occ = located.occurrence
    assert located.paragraph_index == occ.paragraph_index == 1
    assert item.text()[occ.start : occ.end] == occ.text
    assert occ.speaker_id is not None
    assert (occ.entry_id, occ.outlet, occ.event_time) == (item.entry_id, item.outlet, T0)


def test_same_paragraph_in_two_entries_gives_the_same_occurrence_id() -> None:
    blog = entry("blog", STORY, headline="Talks end without a truce")
    copy = entry("copy", [OTHER[0], STORY[1]], minutes=45, outlet="Syndicated")

    (in_blog,), (in_copy,) = pipeline.quote_occurrences(blog), pipeline.quote_occurrences(copy)

    assert in_blog.occurrence.occurrence_id == in_copy.occurrence.occurrence_id
    assert in_blog.occurrence.quote_id == in_copy.occurrence.quote_id
    assert in_blog.occurrence.entry_id != in_copy.occurrence.entry_id


def test_same_words_in_a_different_paragraph_are_another_occurrence_of_the_same_quote() -> None:
    reworded = "“We will not give up on the people of Ukraine,” President Volodymyr Zelensky said."
    one = entry("one", STORY)
    two = entry("two", [reworded], minutes=5)

    (a,), (b,) = pipeline.quote_occurrences(one), pipeline.quote_occurrences(two)

    assert a.occurrence.quote_id == b.occurrence.quote_id
    assert a.occurrence.occurrence_id != b.occurrence.occurrence_id


def test_a_repeated_paragraph_gives_the_same_occurrence_in_another_entry() -> None:
    original = entry("orig", STORY)
    copy = entry("copy", [*OTHER, STORY[1]], minutes=30)

    (a,), (b,) = pipeline.quote_occurrences(original), pipeline.quote_occurrences(copy)

    assert a.occurrence.occurrence_id == b.occurrence.occurrence_id
    assert (a.occurrence.entry_id, b.occurrence.entry_id) == ("orig", "copy")


def test_a_repeated_headline_gives_the_same_occurrence() -> None:
    headline = "“We are ready,” Zelensky says as talks end"
    original = entry("orig", STORY, headline=headline)
    copy = entry("copy", STORY, headline=headline, minutes=30)

    in_original = [q for q in pipeline.quote_occurrences(original) if q.paragraph_index is None]
    in_copy = [q for q in pipeline.quote_occurrences(copy) if q.paragraph_index is None]

    assert in_original
    assert [q.occurrence.occurrence_id for q in in_copy] == [
        q.occurrence.occurrence_id for q in in_original
    ]


def test_seed_002_second_copy_quotes_share_occurrence_ids_with_the_first(
    seeds: list[RawEntry],
) -> None:
    doc = seed_document(seeds, "002_")
    half = len(doc.paragraphs) // 2
    located = pipeline.quote_occurrences(doc)

    first = {q.occurrence.occurrence_id for q in located if q.paragraph_index < half}
    second = [q for q in located if q.paragraph_index >= half]

    assert second
    assert {q.occurrence.occurrence_id for q in second} == first


def test_a_full_name_and_a_surname_alone_travel_under_one_surname_group() -> None:
    full = entry("full", ["“The locks close at dusk,” Ursula von der Leyen said on Friday."])
    alone = entry("alone", ["“The canal stays open all summer,” Ms. von der Leyen told reporters."])
    found = [located.occurrence for e in (full, alone) for located in pipeline.quote_occurrences(e)]

    mentions = [pipeline.speaker_mention(occ, new_quote=True) for occ in found]

    assert [m.occurrence.speaker_id for m in mentions] == [
        "ursula-von-der-leyen",
        "surname:von-der-leyen",
    ]
    assert {m.occurrence.surname_key for m in mentions} == {"von-der-leyen"}
    assert {m.route_key for m in mentions} == {"surname:von-der-leyen"}


def test_an_organisation_travels_under_its_own_id() -> None:
    said = entry("org", ["“Repairs will take a week,” the Ukrainian Defense Ministry said."])

    [mention] = [
        pipeline.speaker_mention(located.occurrence, new_quote=True)
        for located in pipeline.quote_occurrences(said)
    ]

    assert mention.occurrence.surname_key is None
    assert mention.route_key == mention.occurrence.speaker_id
