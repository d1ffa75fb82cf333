"""Run the real agents in-process with Faust's `agent.test_context()`: no broker is contacted.

Events go in through `AgentTestWrapper.put`; what the agents send to their output topics is
recorded by replacing `faust.topics.Topic.send` (Faust's, not ours) with `SendRecorder.send`.
Table changelog writes go to Faust's producer buffer, which is never started here.

Our topics carry raw bytes, and a test-context channel passes the bytes through untouched, so
the agent code under test (decode, handler, dead-lettering, tables) is exactly what the worker
runs. One limit: a non-yielding agent's test wrapper reports a value as processed when the
agent *reads* it, so tests wait for the sends they expect (`SendRecorder.wait_for`), or put a
following event, rather than trusting `put()` to mean "handled".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import faust
import faust.topics
import pytest
from pydantic import BaseModel

from schemas.quotes import QuoteKind, QuoteOccurrence
from service.settings import Settings
from service.stream.app import create_app

M = TypeVar("M", bound=BaseModel)
PREFIX = "test."
WAIT_S = 5.0


@dataclass(frozen=True)
class Sent:
    topic: str  # without the prefix
    key: bytes | None
    value: bytes | None
    timestamp: float | None
    partition: int | None = None

    def model(self, cls: type[M]) -> M:
        assert self.value is not None, f"tombstone on {self.topic}"
        return cls.model_validate_json(self.value)


@dataclass
class SendRecorder:
    sent: list[Sent] = field(default_factory=list)
    # topic (without the prefix) -> errors its next sends raise, one each (a broker hiccup).
    failing: dict[str, list[BaseException]] = field(default_factory=dict)
    _changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def record(self, topic: faust.TopicT, **kwargs: Any) -> None:
        name = topic.get_topic_name().removeprefix(PREFIX)
        if self.failing.get(name):
            raise self.failing[name].pop(0)
        sent = Sent(
            name,
            kwargs.get("key"),
            kwargs.get("value"),
            kwargs.get("timestamp"),
            kwargs.get("partition"),
        )
        async with self._condition():
            self.sent.append(sent)
            self._condition().notify_all()

    async def wait_for(self, topic: str, count: int = 1) -> list[Sent]:
        """Wait (bounded) until `count` sends reached `topic`; all sends to it so far."""
        changed = self._condition()
        async with changed:
            await asyncio.wait_for(
                changed.wait_for(lambda: len(self.to(topic)) >= count), timeout=WAIT_S
            )
        return self.to(topic)

    def to(self, topic: str) -> list[Sent]:
        return [s for s in self.sent if s.topic == topic]

    def clear(self) -> None:
        self.sent.clear()


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[SendRecorder]:
    recorder = SendRecorder()

    async def send(self: faust.TopicT, *args: Any, **kwargs: Any) -> None:
        assert not args, "agents send with keyword arguments"
        await recorder.record(self, **kwargs)

    monkeypatch.setattr(faust.topics.Topic, "send", send)
    yield recorder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        bootstrap_servers="127.0.0.1:9",  # never contacted in a test context
        topic_prefix=PREFIX,
        partitions=1,
        state_dir=tmp_path,
        window_s=86_400,
        # Every write and update goes out at once, so each event's effect can be seen; the
        # coalescing of writes has its own tests (tests/agents/test_coalescing.py).
        coalesce_interval_s=0,
    )


AppScenario = Callable[[faust.App], Awaitable[None]]


@pytest.fixture
def run_with_app(settings: Settings) -> Callable[[AppScenario], None]:
    """Run one async scenario against a fresh app, built inside the scenario's event loop."""

    def run(scenario: AppScenario) -> None:
        async def main() -> None:
            await scenario(create_app(settings))

        asyncio.run(main())

    return run


T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)


def occurrence(
    occurrence_id: str = "o:1",
    *,
    speaker_id: str | None = "zelensky",
    entry_id: str = "doc:1",
    quote_id: str = "q:1",
    minutes: float = 0,
) -> QuoteOccurrence:
    """One occurrence of the same words, by default Zelensky's, `minutes` after T0."""
    return QuoteOccurrence(
        occurrence_id=occurrence_id,
        quote_id=quote_id,
        entry_id=entry_id,
        document_id="doc",
        outlet="Example Times",
        event_time=T0 + timedelta(minutes=minutes),
        text="We will not give up",
        start=0,
        end=19,
        kind=QuoteKind.FULL,
        speaker="Volodymyr Zelensky" if speaker_id else None,
        speaker_id=speaker_id,
    )
