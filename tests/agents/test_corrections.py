"""A new version of an entry flows through every agent: its verdict again, the quotes it no
longer carries retracted, the counts moved; older versions and replays change nothing."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import timedelta

import faust
import pytest
from structlog.testing import capture_logs

from schemas.entries import DocumentKind, EntryVerdict, RawEntry
from schemas.quotes import CanonicalQuote, QuoteOccurrence
from schemas.speakers import SpeakerUpdate
from service.stream.codec import encode
from tests.agents.conftest import T0, AppScenario, SendRecorder

Run = Callable[[AppScenario], None]

# Internal topic -> the agent that reads it.
ROUTES = {
    "entries": "fingerprint_entries",
    "dedup-probes": "claim_signatures",
    "dedup-answers": "gather_verdicts",
    "quote-mentions": "record_quotes",
    "speaker-mentions": "tally_speakers",
}
STEADY = "“The harbour stays open to every ship,” Priya Raman, the port director, said."


def update(speaker: str, *, edited_minutes: float | None = None) -> RawEntry:
    """A live-blog update whose bridge quote is attributed to `speaker`."""
    return RawEntry(
        entry_id="blog-1",
        document_id="blog",
        outlet="Harbour Daily",
        kind=DocumentKind.LIVEBLOG,
        position=0,
        event_time=T0,
        updated_time=None if edited_minutes is None else T0 + timedelta(minutes=edited_minutes),
        headline=None,
        paragraphs=[
            f"“We will rebuild the bridge before the spring floods,” {speaker} said on Tuesday.",
            STEADY,
        ],
    )


FIRST = update("Dana Whitlow")
CORRECTED = update("Omar Reyes", edited_minutes=40)


class Pipeline:
    """Every stage agent in one test context; what one sends on an internal topic is put to
    the agent that reads it, until nothing is left in flight."""

    def __init__(self, app: faust.App, recorder: SendRecorder) -> None:
        self.app, self.recorder = app, recorder
        self.contexts: dict[str, faust.types.AgentTestWrapperT] = {}
        self.routed = 0
        self.barriers = 0

    async def open(self, stack: AsyncExitStack) -> None:
        for name in ROUTES.values():
            self.contexts[name] = await stack.enter_async_context(
                self.app.agents[name].test_context()
            )

    async def publish(self, entry: RawEntry) -> None:
        await self.contexts["fingerprint_entries"].put(
            key=entry.entry_id.encode(), value=encode(entry), timestamp=entry.event_time.timestamp()
        )
        await self._settle({"fingerprint_entries"})
        while True:
            sent = self.recorder.sent[self.routed :]
            self.routed = len(self.recorder.sent)
            touched = set()
            for item in sent:
                name = ROUTES.get(item.topic)
                if name is None:
                    continue
                touched.add(name)
                await self.contexts[name].put(
                    key=item.key, value=item.value, timestamp=item.timestamp
                )
            if not touched:
                return
            await self._settle(touched)

    async def _settle(self, names: set[str]) -> None:
        """An agent handles its events in order: once it dead-letters a bad event put after
        them, it has handled them all."""
        for name in sorted(names):
            self.barriers += 1
            await self.contexts[name].put(key=b"barrier", value=b"{not json")
            await self.recorder.wait_for("dead-letters", self.barriers)


def run_versions(run_with_app: Run, recorder: SendRecorder, *versions: RawEntry) -> None:
    async def scenario(app: faust.App) -> None:
        async with AsyncExitStack() as stack:
            pipeline = Pipeline(app, recorder)
            await pipeline.open(stack)
            for version in versions:
                await pipeline.publish(version)

    run_with_app(scenario)


def latest(recorder: SendRecorder, topic: str) -> dict[str, bytes | None]:
    """What a compacted topic (and the sink) ends with: the last value per key."""
    return {s.key.decode(): s.value for s in recorder.to(topic) if s.key is not None}


def speakers(recorder: SendRecorder) -> dict[str, SpeakerUpdate]:
    return {
        key: SpeakerUpdate.model_validate_json(value)
        for key, value in latest(recorder, "speaker-updates").items()
        if value is not None
    }


def quotes(recorder: SendRecorder) -> dict[str, QuoteOccurrence | None]:
    return {
        key: QuoteOccurrence.model_validate_json(value) if value is not None else None
        for key, value in latest(recorder, "quotes").items()
    }


def test_a_corrected_attribution_moves_the_quote_and_its_counts_to_the_new_speaker(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    run_versions(run_with_app, recorder, FIRST, CORRECTED)

    tallies = speakers(recorder)
    assert (tallies["dana-whitlow"].occurrences, tallies["dana-whitlow"].distinct_quotes) == (0, 0)
    assert sum(w.occurrences for w in tallies["dana-whitlow"].windows) == 0
    assert tallies["dana-whitlow"].latest_quotes == []
    assert (tallies["omar-reyes"].occurrences, tallies["omar-reyes"].distinct_quotes) == (1, 1)
    assert tallies["priya-raman"].occurrences == 1  # the unchanged quote is not counted twice
    rows = quotes(recorder)
    withdrawn = [key for key, row in rows.items() if row is None]
    assert len(withdrawn) == 1
    live = {row.speaker_id: row for row in rows.values() if row is not None}
    assert set(live) == {"omar-reyes", "priya-raman"}
    assert live["omar-reyes"].corrected is True
    canonical = latest(recorder, "canonical-quotes")
    assert sorted(
        CanonicalQuote.model_validate_json(v).speaker_id for v in canonical.values() if v
    ) == ["omar-reyes", "priya-raman"]
    assert list(canonical.values()).count(None) == 1  # Whitlow's quote has no report left
    verdicts = [s.model(EntryVerdict) for s in recorder.to("entry-verdicts")]
    assert len(verdicts) == 2  # the first version's, then the correction's


def test_an_older_version_arriving_after_a_newer_one_changes_nothing(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    with capture_logs() as logs:
        run_versions(run_with_app, recorder, CORRECTED, FIRST)

    tallies = speakers(recorder)
    assert "dana-whitlow" not in tallies
    assert tallies["omar-reyes"].occurrences == 1
    assert all(row is not None for row in quotes(recorder).values())
    assert any(log["event"] == "entry_version_superseded" for log in logs)


def test_replaying_the_same_versions_again_changes_no_count(
    run_with_app: Run, recorder: SendRecorder
) -> None:
    run_versions(run_with_app, recorder, FIRST, CORRECTED, FIRST, CORRECTED)

    tallies = speakers(recorder)
    assert tallies["dana-whitlow"].occurrences == 0
    assert (tallies["omar-reyes"].occurrences, tallies["omar-reyes"].distinct_quotes) == (1, 1)
    assert tallies["priya-raman"].occurrences == 1


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1), (1, 2, 0), (2, 1, 0)])
def test_three_versions_end_as_the_latest_in_any_arrival_order(
    run_with_app: Run, recorder: SendRecorder, order: tuple[int, int, int]
) -> None:
    versions = [FIRST, CORRECTED, update("Dana Whitlow", edited_minutes=90)]

    run_versions(run_with_app, recorder, *(versions[i] for i in order))

    tallies = speakers(recorder)
    assert tallies["dana-whitlow"].occurrences == 1
    assert tallies.get("omar-reyes") is None or tallies["omar-reyes"].occurrences == 0
    assert tallies["priya-raman"].occurrences == 1


COPY = FIRST.model_copy(
    update={
        "entry_id": "wire-1",
        "document_id": "wire",
        "outlet": "Wire Service",
        "kind": DocumentKind.ARTICLE,
        "event_time": T0 + timedelta(minutes=5),
    }
)


@pytest.mark.parametrize("copy_first", [True, False])
def test_a_copy_of_the_words_before_a_correction_stays_a_copy_in_any_order(
    run_with_app: Run, recorder: SendRecorder, copy_first: bool
) -> None:
    later = (COPY, CORRECTED) if copy_first else (CORRECTED, COPY)

    run_versions(run_with_app, recorder, FIRST, *later)

    verdicts = [s.model(EntryVerdict) for s in recorder.to("entry-verdicts")]
    final = [v for v in verdicts if v.entry_id == "wire-1"][-1]
    assert (final.status.value, final.canonical_id) == ("duplicate", "blog-1")
