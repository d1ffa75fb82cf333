"""The embedded broker's measured flaws, and proof that the project's workarounds hold.

These tests describe Tansu 0.6.0; on Apache Kafka the flaw does not exist, so the first test
only runs on Tansu, while the workaround test runs on every broker.
"""

from __future__ import annotations

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas.topics import RAW_ENTRIES
from service.broker.admin import ensure_topics
from service.kafka_config import kafka_python_config
from service.replay.producer import create_producer
from service.settings import BrokerFlavour, Settings

pytestmark = pytest.mark.integration


def end_offset_after_two_batches(settings: Settings, producer: KafkaProducer) -> int:
    topic = RAW_ENTRIES.full_name(settings.topic_prefix)
    for batch in (10, 5):
        for n in range(batch):
            producer.send(topic, key=b"k", value=b"v%d" % n, partition=0)
        producer.flush()
    consumer = KafkaConsumer(**kafka_python_config(settings), enable_auto_commit=False)
    try:
        return consumer.end_offsets([TopicPartition(topic, 0)])[TopicPartition(topic, 0)]
    finally:
        consumer.close()
        producer.close()


def test_tansu_list_offsets_answers_last_batch_base_plus_one(settings: Settings) -> None:
    if settings.broker_flavour is not BrokerFlavour.TANSU:
        pytest.skip("describes a Tansu flaw; Apache Kafka reports the high watermark")
    ensure_topics(settings)
    batching = KafkaProducer(**kafka_python_config(settings), linger_ms=50, batch_size=16_384)

    end = end_offset_after_two_batches(settings, batching)

    assert end == 11  # 15 records were written: the flaw the workaround exists for


def test_project_producer_makes_end_offsets_exact(settings: Settings) -> None:
    ensure_topics(settings)

    end = end_offset_after_two_batches(settings, create_producer(settings))

    assert end == 15
