"""The embedded broker's measured ListOffsets flaw, and proof that the correction holds.

The flaw exists only on Tansu, so the first test runs there only; the correction is exercised
on every broker (on Apache Kafka it must agree with ListOffsets).
"""

from __future__ import annotations

import asyncio

import pytest
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
