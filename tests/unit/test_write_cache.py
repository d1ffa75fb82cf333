"""WriteCache's coalesced outputs: the latest update per topic and key, sent once per flush."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from schemas.speakers import SpeakerUpdate
from service.stream.cache import Flushed, WriteCache


@dataclass
class FakeTopic:
    """A topic that records what is sent to it (the cache sends through `topic.send`)."""

    name: str
    sent: list[tuple[bytes, bytes]] = field(default_factory=list)
    release: asyncio.Event | None = None  # when given, each send waits for it
    sending: asyncio.Event = field(default_factory=asyncio.Event)  # a send has started

    def get_topic_name(self) -> str:
        return self.name

    async def send(self, *, key: bytes, value: bytes, **_: Any) -> None:
        self.sending.set()
        if self.release is not None:
            await self.release.wait()
        self.sent.append((key, value))


T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)


def update(speaker_id: str, occurrences: int) -> SpeakerUpdate:
    return SpeakerUpdate(
        speaker_id=speaker_id,
        speaker=speaker_id,
        distinct_quotes=1,
        occurrences=occurrences,
        first_seen=T0,
        last_seen=T0,
        outlets=["Example Times"],
        latest_quotes=[],
        windows=[],
    )


def counts(topic: FakeTopic) -> list[tuple[str, int]]:
    return [
        (key.decode(), SpeakerUpdate.model_validate_json(value).occurrences)
        for key, value in topic.sent
    ]


def test_updates_of_one_key_between_flushes_go_out_once_with_the_latest_value() -> None:
    topic = FakeTopic("speaker-updates")
    cache = WriteCache(interval_s=0.1)

    async def scenario() -> Flushed:
        for n in (1, 2, 3):
            await cache.send(topic, "zelensky", update("zelensky", n))  # type: ignore[arg-type]
        await cache.send(topic, "putin", update("putin", 1))  # type: ignore[arg-type]
        assert topic.sent == []
        return await cache.flush()

    flushed = asyncio.run(scenario())

    assert counts(topic) == [("zelensky", 3), ("putin", 1)]
    assert flushed == Flushed(rows=0, updates=2)


def test_the_same_key_on_two_topics_is_two_updates() -> None:
    first, second = FakeTopic("speaker-updates"), FakeTopic("canonical-quotes")
    cache = WriteCache(interval_s=0.1)

    async def scenario() -> None:
        await cache.send(first, "k", update("k", 1))  # type: ignore[arg-type]
        await cache.send(second, "k", update("k", 2))  # type: ignore[arg-type]
        await cache.flush()

    asyncio.run(scenario())

    assert (counts(first), counts(second)) == ([("k", 1)], [("k", 2)])


def test_a_flush_sends_nothing_twice() -> None:
    topic = FakeTopic("speaker-updates")
    cache = WriteCache(interval_s=0.1)

    async def scenario() -> Flushed:
        await cache.send(topic, "zelensky", update("zelensky", 1))  # type: ignore[arg-type]
        await cache.flush()
        return await cache.flush()

    second = asyncio.run(scenario())

    assert second == Flushed(rows=0, updates=0)
    assert counts(topic) == [("zelensky", 1)]


def test_with_no_interval_every_update_goes_out_at_once() -> None:
    topic = FakeTopic("speaker-updates")
    cache = WriteCache(interval_s=0)

    async def scenario() -> None:
        for n in (1, 2):
            await cache.send(topic, "zelensky", update("zelensky", n))  # type: ignore[arg-type]

    asyncio.run(scenario())

    assert counts(topic) == [("zelensky", 1), ("zelensky", 2)]
    assert not cache.coalescing


def test_a_flush_asked_during_another_returns_after_the_first_ones_sends() -> None:
    # A commit's flush while a timer's flush is sending: the commit must not go ahead before
    # the updates the timer took are handed to the producer.
    topic = FakeTopic("speaker-updates", release=asyncio.Event())
    cache = WriteCache(interval_s=0.1)

    async def scenario() -> list[tuple[str, int]]:
        await cache.send(topic, "zelensky", update("zelensky", 1))  # type: ignore[arg-type]
        timer = asyncio.create_task(cache.flush())
        await asyncio.wait_for(topic.sending.wait(), timeout=5)  # the timer took the update
        commit = asyncio.create_task(cache.flush())
        done, _ = await asyncio.wait({commit}, timeout=0.2)
        assert not done, "a commit's flush went ahead while the timer's was sending"
        assert topic.release is not None
        topic.release.set()
        await commit
        sent_when_commit_returned = counts(topic)
        await timer
        return sent_when_commit_returned

    assert asyncio.run(scenario()) == [("zelensky", 1)]
