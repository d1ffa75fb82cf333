"""tally_speakers, the per-speaker tables and the speaker registry, in-process through Faust's
test_context."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import faust
from faust.types.agents import AgentTestWrapperT

from schemas.entries import DocumentKind, RawEntry
from schemas.quotes import QuoteKind, QuoteMention, QuoteOccurrence, SpeakerMention
from schemas.speakers import SpeakerRegistryRow, SpeakerSeries, SpeakerUpdate
from service import pipeline
from service.stream.codec import encode
from tests.agents.conftest import T0, AppScenario, SendRecorder, occurrence

Run = Callable[[AppScenario], None]


def mention(occurrence_id: str, minutes: float, quote_id: str = "q:1") -> SpeakerMention:
    occ = occurrence(
        occurrence_id, entry_id=f"doc:{occurrence_id}", quote_id=quote_id, minutes=minutes
    )
    return SpeakerMention(occurrence=occ, new_quote=True)  # each the first of its quote


def test_each_occurrence_counts_once_in_its_event_time_windows(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    sent = [mention("o:1", 0), mention("o:1", 0), mention("o:2", 10, "q:2")]
    rows: dict[str, object] = {}

    async def scenario(app: faust.App) -> None:
        async with app.agents["tally_speakers"].test_context() as ctx:
            for item in sent:
                await ctx.put(key=b"zelensky", value=encode(item))
            await recorder.wait_for("speaker-updates", len(sent))
            rows["series"] = app.tables["speaker-series"]["zelensky"]
            rows["tally"] = app.tables["speaker-tallies"]["zelensky"]["row"]

    run_with_app(scenario)

    series = SpeakerSeries.model_validate(rows["series"])
    tally = SpeakerUpdate.model_validate(rows["tally"])
    assert (tally.occurrences, tally.distinct_quotes) == (2, 2)
    # 12:00 and 12:10: hourly windows hold one or both; the day holds both, once each.
    assert sorted(set(series.hopping.values())) == [1, 2]
    assert sum(series.hopping.values()) == 2 * 12
    assert list(series.tumbling.values()) == [2]
    assert series.stream_time == T0 + timedelta(minutes=10)


# --- the speaker registry: surname-only speakers across documents ---------------------------


def document(name: str, minutes: float, *paragraphs: str) -> RawEntry:
    return RawEntry(
        entry_id=f"harbour-post:{name}",
        document_id=f"harbour-post-{name}",
        outlet="Harbour Post",
        kind=DocumentKind.ARTICLE,
        position=0,
        event_time=T0 + timedelta(minutes=minutes),
        paragraphs=list(paragraphs),
    )


PIER = document(
    "pier",
    0,
    "“We will reopen the north pier by June,” Dana Whitlow, the harbour master, said on Monday.",
)
SAFE = document("safe", 30, "“The pier is safe for foot traffic,” Whitlow told reporters.")
CREWS = document(
    "crews", 60, "“Nobody consulted the fishing crews,” said Mark Whitlow, a trawler captain."
)
CAPITALS = document(
    "capitals",
    90,
    "“The budget is settled,” Boris Johnson said in London.",
    "“The House will vote on Friday,” Mike Johnson said in Washington.",
)
ALONE = document("alone", 120, "“We will not be rushed,” Johnson said.")
# Sent last: once its update is out, everything before it was handled.
SENTINEL = SpeakerMention(
    occurrence=QuoteOccurrence(
        occurrence_id="o:sentinel",
        quote_id="q:sentinel",
        entry_id="harbour-post:sentinel",
        document_id="harbour-post-sentinel",
        outlet="Harbour Post",
        event_time=T0,
        text="Closed for the season",
        start=0,
        end=21,
        kind=QuoteKind.FULL,
        speaker="Harbour Authority",
        speaker_id="org:harbour-authority",
    ),
    new_quote=True,
    route_key="org:harbour-authority",
)


def mentions_of(entry: RawEntry) -> list[SpeakerMention]:
    return [
        pipeline.speaker_mention(located.occurrence, new_quote=True)
        for located in pipeline.quote_occurrences(entry)
    ]


def published(recorder: SendRecorder) -> dict[str, SpeakerUpdate]:
    """The last update per speaker: what the compacted topic, and the sink, end with."""
    return {s.key.decode(): s.model(SpeakerUpdate) for s in recorder.to("speaker-updates") if s.key}


async def tally(ctx: AgentTestWrapperT, recorder: SendRecorder, *entries: RawEntry) -> None:
    """Put every mention of the entries, keyed as record_quotes keys them, and wait until
    tally_speakers handled them all."""
    sentinel = [s for s in recorder.to("speaker-updates") if s.key == b"org:harbour-authority"]
    for entry in entries:
        for item in mentions_of(entry):
            assert item.route_key is not None
            await ctx.put(key=item.route_key.encode(), value=encode(item))
    await ctx.put(key=b"org:harbour-authority", value=encode(SENTINEL))
    for _ in range(500):
        sent = [s for s in recorder.to("speaker-updates") if s.key == b"org:harbour-authority"]
        if len(sent) > len(sentinel):
            return
        await asyncio.sleep(0.01)  # the agent is still on the mentions before the sentinel
    raise TimeoutError("the sentinel's update never came")


def test_a_surname_alone_in_another_document_counts_for_the_one_full_name_known(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    async def scenario(app: faust.App) -> None:
        async with app.agents["tally_speakers"].test_context() as ctx:
            await tally(ctx, recorder, PIER, SAFE)

    run_with_app(scenario)

    last = published(recorder)
    assert last["dana-whitlow"].occurrences == 2
    assert last["dana-whitlow"].merged_from == ["surname:whitlow"]
    assert last["surname:whitlow"].resolved_to == "dana-whitlow"
    assert recorder.to("dead-letters") == []


def test_a_second_full_name_unmerges_the_surname_alone_and_the_tables_follow(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    rows: dict[str, object] = {}

    async def scenario(app: faust.App) -> None:
        async with app.agents["tally_speakers"].test_context() as ctx:
            await tally(ctx, recorder, PIER, SAFE)
            rows["merged"] = published(recorder)
            await tally(ctx, recorder, CREWS)
            rows["registry"] = app.tables["speaker-registry"]["surname:whitlow"]

    run_with_app(scenario)

    merged, last = rows["merged"], published(recorder)
    assert isinstance(merged, dict)
    assert merged["dana-whitlow"].occurrences == 2
    assert (last["dana-whitlow"].occurrences, last["dana-whitlow"].merged_from) == (1, [])
    alone = last["surname:whitlow"]
    assert (alone.resolved, alone.resolved_to, alone.occurrences) == (False, None, 1)
    assert alone.candidates == ["dana-whitlow", "mark-whitlow"]
    assert last["mark-whitlow"].occurrences == 1
    known = SpeakerRegistryRow.model_validate(rows["registry"]).known
    assert [p.speaker_id for p in known] == ["dana-whitlow", "mark-whitlow"]


def test_two_people_of_one_surname_never_share_a_tally(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    async def scenario(app: faust.App) -> None:
        async with app.agents["tally_speakers"].test_context() as ctx:
            await tally(ctx, recorder, CAPITALS, ALONE)

    run_with_app(scenario)

    last = published(recorder)
    assert (last["boris-johnson"].occurrences, last["boris-johnson"].merged_from) == (1, [])
    assert (last["mike-johnson"].occurrences, last["mike-johnson"].merged_from) == (1, [])
    assert last["surname:johnson"].resolved is False
    assert last["surname:johnson"].candidates == ["boris-johnson", "mike-johnson"]
    assert {s.key for s in recorder.to("speaker-updates")} >= {b"boris-johnson", b"mike-johnson"}


def test_record_quotes_sends_everyone_of_one_surname_under_its_group_key(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    occurrences = [
        located.occurrence
        for entry in (CAPITALS, ALONE)
        for located in pipeline.quote_occurrences(entry)
    ]

    async def scenario(app: faust.App) -> None:
        async with app.agents["record_quotes"].test_context() as ctx:
            for occ in occurrences:
                await ctx.put(key=occ.quote_id.encode(), value=encode(QuoteMention(occurrence=occ)))
            await recorder.wait_for("speaker-mentions", len(occurrences))

    run_with_app(scenario)

    sent = recorder.to("speaker-mentions")
    assert {s.model(SpeakerMention).occurrence.speaker_id for s in sent} == {
        "boris-johnson",
        "mike-johnson",
        "surname:johnson",
    }
    assert {s.key for s in sent} == {b"surname:johnson"}
