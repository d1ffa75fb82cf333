"""The offset commit waits for every table write (service/stream/transport.py).

Faust flushes its producer before it commits an offset, but the flush of its buffer (where
table writes wait) gives up after 0.1 s without a send. A buffer that hands records over
slowly (as when the client first waits for a new partition's metadata) shows the difference:
Faust's own producer returns from flush with the record unsent, the project's does not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import faust
import pytest
from faust.exceptions import ProducerSendError
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import FutureMessage
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from schemas.topics import RAW_ENTRIES
from service.kafka.admin import ensure_topics
from service.kafka.config import kafka_python_config
from service.settings import Settings
from service.stream.app import faust_settings
from service.stream.transport import Producer

pytestmark = pytest.mark.integration

HANDOVER_DELAY_S = 1.0  # ten times what Faust's buffer flush waits for a send


async def flush_with_slow_handover(
    settings: Settings, producer_class: type[faust_aiokafka.Producer]
) -> tuple[bool, bool]:
    """Buffer one record, flush; (was it acknowledged when flush returned, after it settled)."""
    app = faust.App(f"{settings.app_id}-transport", **faust_settings(settings))  # type: ignore[arg-type]
    producer = producer_class(app.transport, loop=asyncio.get_running_loop())
    handover: Callable = producer.buffer._send_pending

    async def slow(fut: FutureMessage) -> None:
        await asyncio.sleep(HANDOVER_DELAY_S)
        await handover(fut)

    producer.buffer._send_pending = slow  # type: ignore[method-assign]
    await producer.start()
    try:
        topic = app.topic(RAW_ENTRIES.full_name(settings.topic_prefix))
        fut = topic.as_future_message(key=b"k", value=b"v", partition=0)
        producer.send_soon(fut)
        await producer.flush()
        acknowledged_at_flush = fut.done() and fut.exception() is None
        await asyncio.wait_for(asyncio.shield(fut), timeout=30)
        return acknowledged_at_flush, fut.exception() is None
    finally:
        await producer.stop()


def end_offset(settings: Settings) -> int:
    tp = TopicPartition(RAW_ENTRIES.full_name(settings.topic_prefix), 0)
    consumer = KafkaConsumer(**kafka_python_config(settings), enable_auto_commit=False)
    try:
        return int(consumer.end_offsets([tp])[tp])
    finally:
        consumer.close()


def test_flush_returns_only_when_every_buffered_record_is_acknowledged(
    settings: Settings,
) -> None:
    ensure_topics(settings, (RAW_ENTRIES,))

    at_flush, delivered = asyncio.run(flush_with_slow_handover(settings, Producer))

    assert at_flush and delivered
    assert end_offset(settings) == 1


def test_faust_producer_flush_returns_with_a_record_still_buffered(settings: Settings) -> None:
    """The flaw the project's producer exists for: a commit after this flush could lose it."""
    ensure_topics(settings, (RAW_ENTRIES,))

    at_flush, delivered = asyncio.run(flush_with_slow_handover(settings, faust_aiokafka.Producer))

    assert not at_flush
    assert delivered


def test_flush_refuses_the_commit_when_a_buffered_record_failed(settings: Settings) -> None:
    """A table write that failed must not be committed over: the events are processed again."""
    ensure_topics(settings, (RAW_ENTRIES,))

    async def scenario() -> None:
        app = faust.App(f"{settings.app_id}-failing", **faust_settings(settings))  # type: ignore[arg-type]
        producer = Producer(app.transport, loop=asyncio.get_running_loop())

        async def refused(fut: FutureMessage) -> None:
            fut.set_exception(KafkaError("refused by the broker"))

        producer.buffer._send_pending = refused  # type: ignore[method-assign]
        await producer.start()
        try:
            topic = app.topic(RAW_ENTRIES.full_name(settings.topic_prefix))
            producer.send_soon(topic.as_future_message(key=b"k", value=b"v", partition=0))
            with pytest.raises(ProducerSendError, match="1 table writes failed"):
                await producer.flush()
            await producer.flush()  # reported once: the restart replays the events
        finally:
            await producer.stop()

    asyncio.run(scenario())
