"""Records carry event time, which can be years old on a replay: the service's topics keep them
anyway (retention by size only), where a topic with Kafka's default retention loses them.

Found on Apache Kafka: a crash test whose run spanned a retention check found its committed
offsets out of range, the seeds (event time March 2025) having been deleted unprocessed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

from schemas.topics import RAW_ENTRIES, TOPICS
from service.kafka.admin import ensure_topics
from service.kafka.config import kafka_python_config
from service.settings import Settings
from tests.integration.conftest import Broker

pytestmark = pytest.mark.integration

OLD = datetime.now(UTC) - timedelta(days=400)
CHECK_S = 60.0  # the embedded broker enforces retention every 10 s (service/broker/config.py)


def _start_offset(consumer: KafkaConsumer, topic: str) -> int:
    tp = TopicPartition(topic, 0)
    return int(consumer.beginning_offsets([tp])[tp])


def test_old_event_times_are_kept_where_kafka_default_retention_deletes_them(
    broker: Broker, settings: Settings
) -> None:
    if broker.state_dir is None:
        pytest.skip("needs the embedded broker's 10 s retention check")  # an outside Kafka: 5 min
    config = kafka_python_config(settings)
    ensure_topics(settings, (RAW_ENTRIES,))
    ours = RAW_ENTRIES.full_name(settings.topic_prefix)
    control = f"{settings.topic_prefix}kafka-defaults"
    admin = KafkaAdminClient(**config)
    admin.create_topics([NewTopic(control, 1, 1)])
    producer = KafkaProducer(**config)
    for topic in (ours, control):
        producer.send(topic, b"old news", partition=0, timestamp_ms=int(OLD.timestamp() * 1000))
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(**config)

    deadline = time.monotonic() + CHECK_S
    while _start_offset(consumer, control) == 0:
        assert time.monotonic() < deadline, "Kafka's default retention kept a 400-day-old record"
        time.sleep(0.5)  # polling interval of the condition above

    assert _start_offset(consumer, ours) == 0
    consumer.close()
    admin.close()


def test_every_topic_the_service_creates_is_kept_by_size_not_age(settings: Settings) -> None:
    ensure_topics(settings)
    admin = KafkaAdminClient(**kafka_python_config(settings))
    resources = [
        ConfigResource(ConfigResourceType.TOPIC, spec.full_name(settings.topic_prefix))
        for spec in TOPICS
        if not spec.compacted
    ]

    described = admin.describe_configs(resources)
    admin.close()

    assert len(described["topic"]) == len(resources)
    for configs in described["topic"].values():
        assert configs["retention.ms"]["value"] == "-1"
        assert configs["retention.bytes"]["value"] == str(settings.topic_retention_bytes)
