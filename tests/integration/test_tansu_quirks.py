"""The embedded broker's measured ListOffsets and Fetch flaws, and proof that the ListOffsets
correction holds (the fetch wait the service sets is checked in tests/unit/test_transport.py).

The flaws exist only on Tansu, so their tests run there only; the correction is exercised
on every broker (on Apache Kafka it must agree with ListOffsets).
"""

from __future__ import annotations

import asyncio
import statistics
import time

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka import TopicPartition as AIOTopicPartition
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas.topics import RAW_ENTRIES
from service.broker.admin import ensure_topics
from service.broker.high_watermarks import corrected_end_offsets, corrected_high_watermarks
from service.kafka_config import kafka_python_config
from service.settings import BrokerFlavour, Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def two_batches(settings: Settings) -> TopicPartition:
    """15 records on partition 0, written as a batch of 10 and a batch of 5."""
    ensure_topics(settings)
    topic = RAW_ENTRIES.full_name(settings.topic_prefix)
    producer = KafkaProducer(**kafka_python_config(settings), linger_ms=50, batch_size=16_384)
    for batch in (10, 5):
        for n in range(batch):
            producer.send(topic, key=b"k", value=b"v%d" % n, partition=0)
        producer.flush()
    producer.close()
    return TopicPartition(topic, 0)


@pytest.fixture
def consumer(settings: Settings):
    consumer = KafkaConsumer(**kafka_python_config(settings), enable_auto_commit=False)
    yield consumer
    consumer.close()


def test_tansu_list_offsets_answers_last_batch_base_plus_one(
    settings: Settings, two_batches: TopicPartition, consumer: KafkaConsumer
) -> None:
    if settings.broker_flavour is not BrokerFlavour.TANSU:
        pytest.skip("describes a Tansu flaw; Apache Kafka reports the high watermark")

    listed = consumer.end_offsets([two_batches])[two_batches]

    assert listed == 11  # 15 records were written: the flaw the correction exists for


def test_corrected_end_offsets_count_every_record(
    two_batches: TopicPartition, consumer: KafkaConsumer
) -> None:
    exact = corrected_end_offsets(consumer, [two_batches])

    assert exact[two_batches] == 15


def test_corrected_high_watermarks_for_faust_count_every_record(
    settings: Settings, two_batches: TopicPartition, consumer: KafkaConsumer
) -> None:
    listed = consumer.end_offsets([two_batches])
    servers = kafka_python_config(settings)["bootstrap_servers"]

    exact = asyncio.run(corrected_high_watermarks(servers, listed))

    assert exact[two_batches] == 15


async def delivery_delays(settings: Settings, fetch_max_wait_ms: int, rounds: int) -> list[float]:
    """Seconds from a record's acknowledgement to its arrival at a consumer that long-polls."""
    topic = RAW_ENTRIES.full_name(settings.topic_prefix)
    servers = kafka_python_config(settings)["bootstrap_servers"]
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, fetch_max_wait_ms=fetch_max_wait_ms)
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await consumer.start()
    await producer.start()
    try:
        tp = AIOTopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_end(tp)
        delays = []
        for _ in range(rounds):
            # Not a synchronisation: it places the record inside a fetch already waiting.
            await asyncio.sleep(0.2)
            await producer.send_and_wait(topic, b"v", partition=0)
            sent = time.monotonic()
            while not await consumer.getmany(tp, timeout_ms=10_000):
                pass
            delays.append(time.monotonic() - sent)
        return delays
    finally:
        await producer.stop()
        await consumer.stop()


def test_tansu_answers_a_waiting_fetch_only_when_half_its_max_wait_is_over(
    settings: Settings,
) -> None:
    """Why the service's consumers wait at most FETCH_MAX_WAIT_MS on Tansu: a record that
    arrives while a fetch waits is delivered when the wait ends (Faust's is 1.5 s per hop)."""
    if settings.broker_flavour is not BrokerFlavour.TANSU:
        pytest.skip("describes a Tansu flaw; Apache Kafka answers a waiting fetch on arrival")
    ensure_topics(settings, (RAW_ENTRIES,))

    delays = asyncio.run(delivery_delays(settings, fetch_max_wait_ms=4000, rounds=3))

    assert statistics.median(delays) > 1.0  # ~1.8 s here; a broker that wakes it: a few ms
