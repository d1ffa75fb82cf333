"""tally_speakers and the per-speaker tables, in-process through Faust's test_context."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import faust

from schemas.quotes import QuoteKind, QuoteOccurrence, SpeakerMention
from schemas.speakers import SpeakerSeries, SpeakerUpdate
from service.stream.codec import encode
from tests.agents.conftest import AppScenario, SendRecorder

Run = Callable[[AppScenario], None]
T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)


def mention(occurrence_id: str, minutes: float, quote_id: str = "q:1") -> SpeakerMention:
    occ = QuoteOccurrence(
        occurrence_id=occurrence_id,
        quote_id=quote_id,
        entry_id=f"doc:{occurrence_id}",
        document_id="doc",
        outlet="Example Times",
        event_time=T0 + timedelta(minutes=minutes),
        text="We will not give up",
        start=0,
        end=19,
        kind=QuoteKind.FULL,
        speaker="Volodymyr Zelensky",
        speaker_id="zelensky",
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
