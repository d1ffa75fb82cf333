"""The real agents of service.stream.agents, driven in-process through Faust's test_context."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

import faust
import pytest
from aiokafka.errors import KafkaTimeoutError

from schemas.dead_letters import DeadLetter, Failure
from schemas.dedup import AnswerBatch, Holder, ProbeBatch, Resemblance, SignatureKind
from schemas.entries import DocumentKind, EntryStatus, EntryVerdict, RawEntry
from schemas.quotes import CanonicalQuote, QuoteMention, QuoteOccurrence, SpeakerMention
from schemas.speakers import SpeakerUpdate
from service.core.claims import Gathered
from service.stream import failures
from service.stream.agents import _dump_gathered, _load_gathered
from service.stream.codec import encode
from tests.agents.conftest import PREFIX, T0, AppScenario, SendRecorder, occurrence

Run = Callable[[AppScenario], None]
AGENTS = {
    "validate_entries",
    "fingerprint_entries",
    "claim_signatures",
    "gather_verdicts",
    "record_quotes",
    "tally_speakers",
}
PARAGRAPHS = [
    "Officials in Geneva told reporters on Thursday evening that the talks between the two "
    "delegations had ended without an agreement on a truce.",
    "“We will not give up on the people of Ukraine,” President Volodymyr Zelensky said on "
    "Thursday in Kyiv, hours after the talks ended.",
]


def raw_entry(entry_id: str = "doc:1", paragraphs: list[str] | None = None) -> RawEntry:
    return RawEntry(
        entry_id=entry_id,
        document_id="doc",
        outlet="Example Times",
        kind=DocumentKind.ARTICLE,
        position=0,
        event_time=T0,
        headline="Talks end without a truce",
        paragraphs=paragraphs or PARAGRAPHS,
    )


def reported(occ: QuoteOccurrence) -> bytes:
    """An occurrence on quote-mentions, as gather_verdicts sends it."""
    return encode(QuoteMention(occurrence=occ))


def agent(app: faust.App, name: str) -> faust.types.AgentT:
    return app.agents[name]


def test_app_registers_every_stage_agent(run_with_app: Run) -> None:
    names: set[str] = set()

    async def scenario(app: faust.App) -> None:
        names.update(app.agents)

    run_with_app(scenario)

    assert names == AGENTS


# --- validate_entries -----------------------------------------------------------------------


def test_invalid_raw_entry_goes_to_the_dead_letter_topic(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    async def scenario(app: faust.App) -> None:
        async with agent(app, "validate_entries").test_context() as ctx:
            await ctx.put(key=b"producer-key", value=b"{not json")
            await recorder.wait_for("dead-letters")

    run_with_app(scenario)

    (sent,) = recorder.sent
    letter = sent.model(DeadLetter)
    assert sent.topic == "dead-letters"
    assert sent.key == f"{PREFIX}raw-entries".encode()
    assert letter.error_type == "invalid_json"
    assert letter.stage == "validate_entries"
    assert letter.original_value() == b"{not json"


def test_valid_raw_entry_goes_to_the_entries_topic_keyed_by_entry_id(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    entry = raw_entry()

    async def scenario(app: faust.App) -> None:
        async with agent(app, "validate_entries").test_context() as ctx:
            await ctx.put(key=b"whatever-the-producer-used", value=encode(entry))
            await recorder.wait_for("entries")

    run_with_app(scenario)

    (sent,) = recorder.sent
    assert sent.topic == "entries"
    assert sent.key == entry.entry_id.encode()
    assert sent.model(RawEntry) == entry
    assert sent.timestamp == entry.event_time.timestamp()


def test_a_bad_event_does_not_stop_the_stream(run_with_app: Run, recorder: SendRecorder) -> None:
    entry = raw_entry()

    async def scenario(app: faust.App) -> None:
        async with agent(app, "validate_entries").test_context() as ctx:
            await ctx.put(key=b"k", value=b'["an", "array"]')
            await ctx.put(key=b"k", value=None)
            await ctx.put(key=b"k", value=encode(entry))
            await recorder.wait_for("entries")

    run_with_app(scenario)

    assert [s.model(DeadLetter).error_type for s in recorder.to("dead-letters")] == [
        "not_an_object",
        "empty_value",
    ]
    assert [s.model(RawEntry) for s in recorder.to("entries")] == [entry]


# --- the dedup chain: fingerprint -> claim -> gather ----------------------------------------


def test_fingerprint_entries_scatters_one_batch_to_the_partition_owning_its_keys(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    async def scenario(app: faust.App) -> None:
        async with agent(app, "fingerprint_entries").test_context() as ctx:
            await ctx.put(key=b"doc:1", value=encode(raw_entry()))
            await recorder.wait_for("dedup-probes")

    run_with_app(scenario)

    (sent,) = recorder.to("dedup-probes")  # one partition in these tests: one batch
    batch = sent.model(ProbeBatch)
    assert (batch.shard, batch.shards, sent.partition) == (0, 1, 0)
    assert sent.key == b"doc:1"
    assert len({r.key for r in batch.signatures}) == len(batch.signatures)
    assert {r.kind for r in batch.signatures} == set(SignatureKind)
    assert batch.sketch.entry_id == "doc:1" and batch.sketch.minhash


def test_an_exact_copy_gets_a_duplicate_verdict_through_the_agent_chain(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    original, copy = (
        raw_entry("doc:1"),
        raw_entry("doc:2").model_copy(
            update={"event_time": T0.replace(hour=13), "outlet": "Syndicated"}
        ),
    )

    async def scenario(app: faust.App) -> None:
        async with (
            agent(app, "fingerprint_entries").test_context() as fingerprint,
            agent(app, "claim_signatures").test_context() as claim,
            agent(app, "gather_verdicts").test_context() as gather,
        ):
            for item in (original, copy):
                recorder.clear()
                await fingerprint.put(key=item.entry_id.encode(), value=encode(item))
                (probe,) = await recorder.wait_for("dedup-probes")
                await claim.put(key=probe.key, value=probe.value)
                (answer,) = await recorder.wait_for("dedup-answers")
                await gather.put(key=answer.key, value=answer.value)
                await recorder.wait_for("entry-verdicts")
                verdicts[item.entry_id] = recorder.to("entry-verdicts")[0].model(EntryVerdict)
                outputs[item.entry_id] = {s.topic for s in recorder.sent}

    verdicts: dict[str, EntryVerdict] = {}
    outputs: dict[str, set[str]] = {}
    run_with_app(scenario)

    assert verdicts["doc:1"].status is EntryStatus.UNIQUE
    assert verdicts["doc:2"].status is EntryStatus.DUPLICATE
    assert verdicts["doc:2"].canonical_id == "doc:1"
    assert "unique-entries" in outputs["doc:1"]
    assert "unique-entries" not in outputs["doc:2"]


def test_claim_signatures_answers_a_second_prober_with_the_first_and_their_resemblance(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    def probe(entry_id: str, hour: int) -> ProbeBatch:
        return ProbeBatch.model_validate(
            {
                "entry_id": entry_id,
                "shard": 0,
                "shards": 1,
                "sketch": {
                    "entry_id": entry_id,
                    "event_time": T0.replace(hour=hour).isoformat(),
                    "digest": f"d-{entry_id}",
                    "minhash": "AAAAAA==",
                    "shingle_count": 9,
                },
                "signatures": [{"key": "b00:abc", "kind": "band"}],
            }
        )

    async def scenario(app: faust.App) -> None:
        async with agent(app, "claim_signatures").test_context() as ctx:
            await ctx.put(key=b"first", value=encode(probe("first", 10)))
            await recorder.wait_for("dedup-answers", 1)
            await ctx.put(key=b"second", value=encode(probe("second", 11)))
            await recorder.wait_for("dedup-answers", 2)

    run_with_app(scenario)

    first, second = (s.model(AnswerBatch) for s in recorder.to("dedup-answers"))
    assert (first.entry_id, first.answers[0].earlier, first.holders) == ("first", [], [])
    assert second.entry_id == "second"
    assert [r.entry_id for r in second.answers[0].earlier] == ["first"]
    assert [h.entry_id for h in second.holders] == ["first"]
    # Scored at the owner: equal MinHash slots, different texts.
    assert second.holders[0].resemblance == Resemblance(
        same_text=False, jaccard=1.0, containment=0.0
    )
    assert recorder.to("dedup-answers")[1].key == b"second"


def test_answers_for_an_entry_never_stored_are_dead_lettered_as_a_processing_error(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    answer = AnswerBatch(entry_id="ghost", event_time=T0, shard=0, shards=1, holders=[], answers=[])

    async def scenario(app: faust.App) -> None:
        async with agent(app, "gather_verdicts").test_context() as ctx:
            await ctx.put(key=b"ghost", value=encode(answer))
            await recorder.wait_for("dead-letters")

    run_with_app(scenario)

    (sent,) = recorder.sent
    letter = sent.model(DeadLetter)
    assert letter.error_type == "processing_error"
    assert "ghost" in letter.reason
    assert letter.original_value() == encode(answer)


# --- record_quotes and tally_speakers -------------------------------------------------------


def test_record_quotes_counts_a_repeated_occurrence_once(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    occ = occurrence()

    async def scenario(app: faust.App) -> None:
        async with agent(app, "record_quotes").test_context() as ctx:
            await ctx.put(key=b"q:1", value=reported(occ))
            await ctx.put(key=b"q:1", value=reported(occ))
            await recorder.wait_for("canonical-quotes", 2)

    run_with_app(scenario)

    quotes = [s.model(CanonicalQuote) for s in recorder.to("canonical-quotes")]
    assert [q.occurrences for q in quotes] == [1, 1]
    mentions = [s.model(SpeakerMention) for s in recorder.to("speaker-mentions")]
    assert mentions[0].new_quote is True
    assert all(s.key == b"zelensky" for s in recorder.to("speaker-mentions"))


def test_record_quotes_links_each_quote_to_every_entry_that_carried_it(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    first = occurrence("o:1")
    rewrite = occurrence("o:2", entry_id="doc:2")
    copy = occurrence("o:2", entry_id="doc:3")

    async def scenario(app: faust.App) -> None:
        async with agent(app, "record_quotes").test_context() as ctx:
            for occ in (first, rewrite, copy):
                await ctx.put(key=b"q:1", value=reported(occ))
            await recorder.wait_for("canonical-quotes", 3)

    run_with_app(scenario)

    quote = recorder.to("canonical-quotes")[-1].model(CanonicalQuote)
    assert [r.entry_id for r in quote.reports] == ["doc:1", "doc:2", "doc:3"]
    assert quote.occurrences == 2  # the copy repeats o:2's paragraph: no new occurrence
    mentions = [s.model(SpeakerMention) for s in recorder.to("speaker-mentions")]
    assert [m.new_quote for m in mentions] == [True, False, False]


def test_record_quotes_publishes_each_occurrence_as_its_earliest_report(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    copy = occurrence("o:1", entry_id="doc:2")
    original = copy.model_copy(update={"entry_id": "doc:1", "event_time": T0 - timedelta(hours=1)})
    other = occurrence("o:2")

    async def scenario(app: faust.App) -> None:
        async with agent(app, "record_quotes").test_context() as ctx:
            # The copy is processed before its earlier original (arrival order after a restart).
            for occ in (copy, other, original, copy):
                await ctx.put(key=b"q:1", value=reported(occ))
            await recorder.wait_for("canonical-quotes", 4)

    run_with_app(scenario)

    published = [(s.key, s.model(QuoteOccurrence).entry_id) for s in recorder.to("quotes")]
    assert published == [(b"o:1", "doc:2"), (b"o:2", "doc:1"), (b"o:1", "doc:1")]


def _mark(app: faust.App, table: str, occurrence_id: str, value: list | dict) -> None:
    """A marker as a killed worker may leave it: in the changelog, its row's write not."""
    windowed = app.tables[table]
    for window in windowed.window.ranges(T0.timestamp()):
        windowed.data[(occurrence_id, window)] = value


# doc:1 carries it: event time, start, end, paragraph, document, outlet, offset 1, carried.
CARRIED_AT_1 = [T0.timestamp(), 0, 19, -1, "doc", "Example Times", 1, 1]


def test_record_quotes_counts_an_occurrence_whose_marker_outlived_the_row(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    first, second = occurrence("o:1"), occurrence("o:2")

    async def scenario(app: faust.App) -> None:
        async with agent(app, "record_quotes").test_context() as ctx:
            await ctx.put(key=b"q:1", value=reported(first), timestamp=T0.timestamp())  # offset 0
            await recorder.wait_for("canonical-quotes", 1)
            # The event at offset 1 counted o:2 and was killed after its marker was written.
            _mark(app, "recorded-occurrences", "o:2", {"entries": {"doc:1": CARRIED_AT_1}})
            await ctx.put(key=b"q:1", value=reported(second), timestamp=T0.timestamp())
            await recorder.wait_for("canonical-quotes", 2)

    run_with_app(scenario)

    assert recorder.to("canonical-quotes")[-1].model(CanonicalQuote).occurrences == 2


def test_record_quotes_replay_restores_a_marker_lost_after_its_row(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    occ = occurrence("o:1")
    copy = occ.model_copy(update={"entry_id": "doc:2"})

    async def scenario(app: faust.App) -> None:
        async with agent(app, "record_quotes").test_context() as ctx:
            await ctx.put(key=b"q:1", value=reported(occ), timestamp=T0.timestamp())  # offset 0
            await recorder.wait_for("canonical-quotes", 1)
            # Killed after the row's write (it applied offsets up to 1), before the marker's.
            quotes = app.tables["canonical-quotes"].data
            quotes["q:1"] = {**quotes["q:1"], "offset": 1}
            app.tables["recorded-occurrences"].data.clear()
            await ctx.put(key=b"q:1", value=reported(occ), timestamp=T0.timestamp())  # replay
            await ctx.put(key=b"q:1", value=reported(copy), timestamp=T0.timestamp())
            await recorder.wait_for("canonical-quotes", 3)

    run_with_app(scenario)

    assert recorder.to("dead-letters") == []
    assert [s.model(CanonicalQuote).occurrences for s in recorder.to("canonical-quotes")] == [
        1,
        1,
        1,
    ]


def test_tally_speakers_counts_an_occurrence_whose_marker_outlived_the_row(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    mention = SpeakerMention(occurrence=occurrence("o:1"), new_quote=True)

    async def scenario(app: faust.App) -> None:
        # The event at offset 0 counted o:1 and was killed after its marker was written.
        _mark(app, "counted-occurrences", "o:1", [T0.timestamp(), 0])
        async with agent(app, "tally_speakers").test_context() as ctx:
            await ctx.put(key=b"zelensky", value=encode(mention), timestamp=T0.timestamp())
            await recorder.wait_for("speaker-updates")

    run_with_app(scenario)

    (update,) = [s.model(SpeakerUpdate) for s in recorder.to("speaker-updates")]
    assert (update.occurrences, update.distinct_quotes) == (1, 1)


def test_tally_speakers_does_not_count_an_occurrence_another_event_counted(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    counted = SpeakerMention(occurrence=occurrence("o:1"), new_quote=True)
    other = SpeakerMention(occurrence=occurrence("o:2"), new_quote=False)

    async def scenario(app: faust.App) -> None:
        _mark(app, "counted-occurrences", "o:1", [T0.timestamp(), 7])  # counted at offset 7
        async with agent(app, "tally_speakers").test_context() as ctx:
            for mention in (counted, other):
                await ctx.put(key=b"zelensky", value=encode(mention), timestamp=T0.timestamp())
            await recorder.wait_for("speaker-updates", 2)

    run_with_app(scenario)

    last = recorder.to("speaker-updates")[-1].model(SpeakerUpdate)
    assert last.occurrences == 1  # o:2 only


def test_tally_speakers_counts_one_occurrence_once_even_if_delivered_twice(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    mention = SpeakerMention(occurrence=occurrence("o:1"), new_quote=True)
    other = SpeakerMention(occurrence=occurrence("o:2"), new_quote=False)

    async def scenario(app: faust.App) -> None:
        async with agent(app, "tally_speakers").test_context() as ctx:
            await ctx.put(key=b"zelensky", value=encode(mention))
            await ctx.put(key=b"zelensky", value=encode(mention))
            await ctx.put(key=b"zelensky", value=encode(other))
            await recorder.wait_for("speaker-updates", 3)

    run_with_app(scenario)

    updates = [s.model(SpeakerUpdate) for s in recorder.to("speaker-updates")]
    assert [(u.occurrences, u.distinct_quotes) for u in updates] == [(1, 1), (1, 1), (2, 1)]
    assert all(s.key == b"zelensky" for s in recorder.to("speaker-updates"))


def test_tally_speakers_dead_letters_a_mention_without_a_speaker(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    mention = SpeakerMention(occurrence=occurrence(speaker_id=None), new_quote=True)

    async def scenario(app: faust.App) -> None:
        async with agent(app, "tally_speakers").test_context() as ctx:
            await ctx.put(key=b"nobody", value=encode(mention))
            await recorder.wait_for("dead-letters")

    run_with_app(scenario)

    (sent,) = recorder.sent
    assert sent.model(DeadLetter).error_type == "processing_error"
    assert sent.model(DeadLetter).stage == "tally_speakers"


# --- the dedup index expires by event time ---------------------------------------------------


def test_dedup_windows_expire_by_event_time_not_by_the_wall_clock(run_with_app: Run) -> None:
    kept: dict[str, bool] = {}

    async def scenario(app: faust.App) -> None:
        table = app.tables["pending-entries"]
        horizon = 7 * 86_400.0
        old_start = T0.timestamp()  # a year before the test runs: Faust would drop it at once
        old = ("old", (old_start, old_start + horizon))
        table.data[old] = {"entry_id": "old"}
        table._maybe_set_key_ttl(old, 0)
        await table._del_old_keys()
        kept["while newest"] = old in table.data
        later_start = old_start + 3 * horizon  # the partition's stream time moves on
        later = ("later", (later_start, later_start + horizon))
        table.data[later] = {"entry_id": "later"}
        table._maybe_set_key_ttl(later, 0)
        await table._del_old_keys()
        kept["after three horizons"] = old in table.data
        kept["newer window"] = later in table.data

    run_with_app(scenario)

    assert kept == {"while newest": True, "after three horizons": False, "newer window": True}


def test_windows_restored_from_the_changelog_expire_too(run_with_app: Run) -> None:
    """A restarted worker restores every window of the changelog; old ones must still go."""
    kept: dict[str, bool] = {}
    horizon = 7 * 86_400.0
    old_start = T0.timestamp()
    later_start = old_start + 3 * horizon

    def event(key: str, start: float, value: object) -> SimpleNamespace:
        # As the recovery reads a windowed table's changelog: a JSON list key, a decoded value.
        return SimpleNamespace(
            key=[key, [start, start + horizon]],
            value=value,
            message=SimpleNamespace(partition=0, value=b"..."),
        )

    async def scenario(app: faust.App) -> None:
        table = app.tables["pending-entries"]
        table.apply_changelog_batch(
            [event("old", old_start, {"entry_id": "old"}), event("later", later_start, {})]
        )
        kept["restored"] = ("old", (old_start, old_start + horizon)) in table.data
        await table._del_old_keys()
        kept["after cleanup"] = ("old", (old_start, old_start + horizon)) in table.data
        kept["newer window"] = ("later", (later_start, later_start + horizon)) in table.data

    run_with_app(scenario)

    assert kept == {"restored": True, "after cleanup": False, "newer window": True}


def test_gathering_state_survives_its_table_row_with_every_key_and_copy() -> None:
    """The row stores each entry id once (per-key lists hold positions): what a restarted
    worker reads back must be the state that was written."""
    holders = {
        name: Holder(
            entry_id=name,
            event_time=T0 + timedelta(minutes=i),
            resemblance=Resemblance(same_text=False, jaccard=0.2 * i, containment=0.0),
        )
        for i, name in enumerate(["a", "b", "c"])
    }
    gathered = Gathered(
        expected=2,
        shards=frozenset({1}),
        candidates=holders,
        earliest={"b00:x": ("a", "b"), "b01:y": ("b",)},
        closest=frozenset({"c"}),
    )

    row = _dump_gathered(gathered, None)

    assert _load_gathered(json.loads(json.dumps(row))) == gathered


# --- Failures that pass, failures that recur ---------------------------------------------------


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between tries, recorded instead of waited."""
    waits: list[float] = []

    async def pause(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(failures, "pause", pause)
    return waits


def test_a_send_that_times_out_once_is_tried_again_and_not_dead_lettered(
    run_with_app: Run, recorder: SendRecorder, no_backoff: list[float]
) -> None:
    recorder.failing["entries"] = [KafkaTimeoutError("no answer from the partition leader")]

    async def scenario(app: faust.App) -> None:
        async with agent(app, "validate_entries").test_context() as ctx:
            await ctx.put(key=b"doc:1", value=encode(raw_entry()))
            await recorder.wait_for("entries")

    run_with_app(scenario)

    assert [s.topic for s in recorder.sent] == ["entries"]
    assert len(no_backoff) == 1


def test_a_timeout_that_lasts_is_dead_lettered_as_transient_after_every_try(
    run_with_app: Run, recorder: SendRecorder, no_backoff: list[float]
) -> None:
    recorder.failing["entries"] = [TimeoutError("timed out")] * failures.TRANSIENT_ATTEMPTS

    async def scenario(app: faust.App) -> None:
        async with agent(app, "validate_entries").test_context() as ctx:
            await ctx.put(key=b"doc:1", value=encode(raw_entry()))
            await recorder.wait_for("dead-letters")

    run_with_app(scenario)

    (sent,) = recorder.sent
    letter = sent.model(DeadLetter)
    assert (letter.failure, letter.attempts) == (Failure.TRANSIENT, failures.TRANSIENT_ATTEMPTS)
    assert letter.reason == "TimeoutError: timed out"
    assert letter.original_value() == encode(raw_entry())


def test_a_failure_that_will_recur_is_dead_lettered_at_once_as_permanent(
    run_with_app: Run, recorder: SendRecorder, no_backoff: list[float]
) -> None:
    answer = AnswerBatch(entry_id="ghost", event_time=T0, shard=0, shards=1, holders=[], answers=[])

    async def scenario(app: faust.App) -> None:
        async with agent(app, "gather_verdicts").test_context() as ctx:
            await ctx.put(key=b"ghost", value=encode(answer))
            await recorder.wait_for("dead-letters")

    run_with_app(scenario)

    letter = recorder.to("dead-letters")[0].model(DeadLetter)
    assert (letter.failure, letter.attempts) == (Failure.PERMANENT, 1)
    assert no_backoff == []
