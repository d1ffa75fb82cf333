"""Coalesced table writes and outputs, through the real agents in Faust's test_context: each
key's changelog record and output update is written once per flush, with the latest value, and
the agents read what they wrote before it is flushed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import faust
import pytest
from faust.tables.base import Collection

from schemas.quotes import CanonicalQuote, QuoteMention, SpeakerMention
from schemas.speakers import SpeakerSeries, SpeakerUpdate
from service.settings import Settings
from service.stream.cache import WriteCache
from service.stream.codec import encode
from tests.agents.conftest import T0, AppScenario, SendRecorder, occurrence

Run = Callable[[AppScenario], None]
WAIT_S = 5.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Only the explicit flushes below write: the app, and so its flush timer, never starts.
    return settings.with_overrides(coalesce_interval_s=0.1)


@dataclass
class ChangelogRecorder:
    """Every changelog record the tables hand to the producer: (table, key, value). The
    producer never runs here, so the recorder acknowledges each record as the broker would:
    at once, or when `ack` is called if `auto_ack` is off."""

    records: list[tuple[str, Any, Any]] = field(default_factory=list)
    auto_ack: bool = True
    unacked: list[asyncio.Future[Any]] = field(default_factory=list)

    def sent(self, future: asyncio.Future[Any]) -> None:
        self.unacked.append(future)
        if self.auto_ack:
            self.ack()

    def ack(self) -> None:
        for future in self.unacked:
            if not future.done():
                future.set_result(None)
        self.unacked.clear()

    def of(self, table: str) -> list[tuple[Any, Any]]:
        return [(key, value) for name, key, value in self.records if name == table]


@pytest.fixture
def changelog(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChangelogRecorder]:
    recorder = ChangelogRecorder()
    original = Collection.send_changelog

    def send_changelog(self: Collection, partition: int | None, key: Any, value: Any, **kw: Any):  # type: ignore[no-untyped-def]
        recorder.records.append((self.name, key, value))
        future = original(self, partition, key, value, **kw)
        recorder.sent(future)
        return future

    monkeypatch.setattr(Collection, "send_changelog", send_changelog)
    yield recorder


async def until(what: str, condition: Callable[[], bool]) -> None:
    """Until `condition` holds (the agents run in this loop), at most WAIT_S."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)  # yields to the agent between checks

    try:
        await asyncio.wait_for(poll(), timeout=WAIT_S)
    except TimeoutError:
        raise AssertionError(f"not after {WAIT_S} s: {what}") from None


def marked(app: faust.App, count: int) -> Callable[[], bool]:
    """Whether `count` occurrences hold an "already counted" mark (in memory: marks are
    written to their changelog at a flush, after the rows)."""
    return lambda: len({key for key, _window in app.tables["counted-occurrences"].data}) == count


def cache_of(app: faust.App) -> WriteCache:
    cache = app.tables["speaker-tallies"].write_cache
    assert cache is not None
    return cache


def test_a_speaker_mentioned_three_times_between_flushes_is_written_and_sent_once(
    run_with_app: Run, recorder: SendRecorder, changelog: ChangelogRecorder
) -> None:
    mentions = [
        SpeakerMention(occurrence=occurrence("o:1"), new_quote=True),
        SpeakerMention(occurrence=occurrence("o:1"), new_quote=True),  # delivered twice
        SpeakerMention(occurrence=occurrence("o:2"), new_quote=False),
    ]
    seen: dict[str, Any] = {}

    async def scenario(app: faust.App) -> None:
        async with app.agents["tally_speakers"].test_context() as ctx:
            for mention in mentions:
                await ctx.put(key=b"zelensky", value=encode(mention))
            # The occurrence marks are written last of all: o:2 marked, the agent is done.
            await until("o:2 marked", marked(app, 2))
            seen["before"] = (list(recorder.to("speaker-updates")), changelog.of("speaker-tallies"))
            seen["flushed"] = await cache_of(app).flush()
            seen["tally"] = app.tables["speaker-tallies"]["zelensky"]
            seen["series"] = app.tables["speaker-series"]["zelensky"]

    run_with_app(scenario)

    assert seen["before"] == ([], [])
    (update,) = [s.model(SpeakerUpdate) for s in recorder.to("speaker-updates")]
    assert (update.occurrences, update.distinct_quotes) == (2, 1)
    assert changelog.of("speaker-tallies") == [("zelensky", seen["tally"])]
    assert changelog.of("speaker-series") == [("zelensky", seen["series"])]
    assert SpeakerSeries.model_validate(seen["series"]).tumbling == {
        int(T0.replace(hour=0).timestamp()): 2
    }


def test_a_quote_reported_three_times_between_flushes_is_written_and_sent_once(
    run_with_app: Run, recorder: SendRecorder, changelog: ChangelogRecorder
) -> None:
    reports = [
        occurrence("o:1"),
        occurrence("o:2", entry_id="doc:2"),
        occurrence("o:2", entry_id="doc:3"),
    ]
    seen: dict[str, Any] = {}

    async def scenario(app: faust.App) -> None:
        async with app.agents["record_quotes"].test_context() as ctx:
            for occ in reports:
                await ctx.put(key=b"q:1", value=encode(QuoteMention(occurrence=occ)))
            await recorder.wait_for("speaker-mentions", 3)  # sent at once, not coalesced
            seen["before"] = (
                list(recorder.to("canonical-quotes")),
                changelog.of("canonical-quotes"),
            )
            await cache_of(app).flush()
            seen["row"] = app.tables["canonical-quotes"]["q:1"]

    run_with_app(scenario)

    assert seen["before"] == ([], [])
    (quote,) = [s.model(CanonicalQuote) for s in recorder.to("canonical-quotes")]
    assert quote.occurrences == 2  # the third report repeats o:2's paragraph
    assert [r.entry_id for r in quote.reports] == ["doc:1", "doc:2", "doc:3"]
    assert changelog.of("canonical-quotes") == [("q:1", seen["row"])]
    mentions = [s.model(SpeakerMention) for s in recorder.to("speaker-mentions")]
    assert [m.new_quote for m in mentions] == [True, False, False]  # read before the flush


def test_a_key_changed_after_a_flush_is_written_again_at_the_next(
    run_with_app: Run, recorder: SendRecorder, changelog: ChangelogRecorder
) -> None:
    first = SpeakerMention(occurrence=occurrence("o:1"), new_quote=True)
    second = SpeakerMention(occurrence=occurrence("o:2"), new_quote=False)

    async def scenario(app: faust.App) -> None:
        async with app.agents["tally_speakers"].test_context() as ctx:
            await ctx.put(key=b"zelensky", value=encode(first))
            await until("o:1 marked", marked(app, 1))
            await cache_of(app).flush()
            await ctx.put(key=b"zelensky", value=encode(second))
            await until("o:2 marked", marked(app, 2))
            await cache_of(app).flush()

    run_with_app(scenario)

    updates = [s.model(SpeakerUpdate).occurrences for s in recorder.to("speaker-updates")]
    assert updates == [1, 2]
    tallies = [SpeakerUpdate.model_validate(v["row"]) for _, v in changelog.of("speaker-tallies")]
    assert [t.occurrences for t in tallies] == [1, 2]


def test_marks_reach_their_changelog_only_after_the_broker_has_the_rows(
    run_with_app: Run, recorder: SendRecorder, changelog: ChangelogRecorder
) -> None:
    """The replay guards count an occurrence again only if its mark is missing or was left by
    the very event replayed: a mark must never be durable before the row that applied it."""
    changelog.auto_ack = False
    seen: dict[str, Any] = {}

    async def scenario(app: faust.App) -> None:
        async with app.agents["tally_speakers"].test_context() as ctx:
            await ctx.put(
                key=b"zelensky",
                value=encode(SpeakerMention(occurrence=occurrence("o:1"), new_quote=True)),
            )
            await until("o:1 marked", marked(app, 1))
            flush = asyncio.ensure_future(cache_of(app).flush())
            await until("rows sent", lambda: bool(changelog.of("speaker-tallies")))
            seen["marks before the ack"] = changelog.of("counted-occurrences")
            changelog.ack()
            await until("flushed", flush.done)
            seen["marks after the ack"] = changelog.of("counted-occurrences")

    run_with_app(scenario)

    assert seen["marks before the ack"] == []
    assert len(seen["marks after the ack"]) == 1
