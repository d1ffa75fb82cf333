"""The worker's transport against a broker (service/stream/transport.py).

The offset commit waits for every table write. Faust flushes its producer before it commits an
offset, but the flush of its buffer (where table writes wait) gives up after 0.1 s without a
send. A buffer that hands records over slowly (as when the client first waits for a new
partition's metadata) shows the difference: Faust's own producer returns from flush with the
record unsent, the project's does not.

Records fetched and not delivered before a partition's first commit are read again. After a
rebalance Faust seeks every partition back to its committed offset, but the client seeks only
those with a commit: a partition new to the group stayed past the records fetched while it was
not yet active, and they were never processed (quotes missing with two workers).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import faust
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition as ClientTP
from faust.exceptions import ProducerSendError
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, FutureMessage
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from schemas.topics import RAW_ENTRIES
from service.kafka.admin import ensure_topics
from service.kafka.config import kafka_python_config
from service.settings import Settings
from service.stream.app import faust_settings
from service.stream.transport import Consumer, Producer

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


FETCHED = 3  # records fetched, and dropped as Faust drops those of a partition not yet active


async def seek_after_rebalance(
    settings: Settings, consumer_class: type[faust_aiokafka.Consumer]
) -> tuple[int, int | None, int | None]:
    """A partition the group never committed, whose first records the client has fetched and
    Faust has not delivered; then the seek Faust performs once a rebalance is over. Returns the
    client's position after it, the committed offset the consumer keeps for the partition,
    and the offset of the first record fetched next (None: none is left before the position)."""
    name = RAW_ENTRIES.full_name(settings.topic_prefix)
    client = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        group_id=settings.app_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await client.start()
    try:
        client.assign([ClientTP(name, 0)])
        fetched = 0
        while fetched < FETCHED:
            batches = await client.getmany(timeout_ms=5000)
            fetched += sum(len(records) for records in batches.values())
        assert await client.position(ClientTP(name, 0)) == FETCHED

        app = faust.App(settings.app_id, **faust_settings(settings))  # type: ignore[arg-type]
        stock = app.consumer
        consumer = consumer_class(
            app.transport,
            callback=stock.callback,
            on_partitions_revoked=stock._on_partitions_revoked,
            on_partitions_assigned=stock._on_partitions_assigned,
        )
        # The consumer's thread, on this loop: its client is the one that fetched.
        thread = consumer._thread

        async def on_this_loop(method: Callable, *args: object, **kwargs: object) -> object:
            return await method(*args, **kwargs)

        thread._consumer = client
        thread.call_thread = on_this_loop  # type: ignore[method-assign]
        await consumer.perform_seek()

        position = await client.position(ClientTP(name, 0))
        first = None
        if position < FETCHED:  # records to read again
            batches = await client.getmany(timeout_ms=5000)
            first = min(r.offset for records in batches.values() for r in records)
        return position, consumer._committed_offset.get(TP(name, 0)), first
    finally:
        await client.stop()


def produce_records(settings: Settings) -> None:
    ensure_topics(settings, (RAW_ENTRIES,))
    producer = KafkaProducer(**kafka_python_config(settings))
    try:
        for n in range(FETCHED):
            producer.send(RAW_ENTRIES.full_name(settings.topic_prefix), b"v%d" % n, partition=0)
        producer.flush()
    finally:
        producer.close()


def test_records_fetched_before_a_partitions_first_commit_are_read_again(
    settings: Settings,
) -> None:
    produce_records(settings)

    position, committed, first = asyncio.run(seek_after_rebalance(settings, Consumer))

    assert position == 0  # the start of the log: nothing was committed
    assert committed == 0  # the checks for records never delivered start from there
    assert first == 0


def test_faust_leaves_a_partition_without_a_commit_past_records_never_delivered(
    settings: Settings,
) -> None:
    """The flaw: the client's seek_to_committed passes over a partition with no commit."""
    produce_records(settings)

    position, committed, first = asyncio.run(
        seek_after_rebalance(settings, faust_aiokafka.Consumer)
    )

    assert position == FETCHED  # the records fetched are never fetched again
    assert committed is None  # and nothing tells the read-again checks where they began
    assert first is None
