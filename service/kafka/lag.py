"""How far a consumer group is behind: committed offsets against end offsets."""

from __future__ import annotations

from collections.abc import Iterable

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from service.kafka.config import kafka_python_config
from service.kafka.retry import unreachable
from service.settings import Settings


def group_lag(settings: Settings, group: str, topics: Iterable[str]) -> int | None:
    """Messages in `topics` not yet committed by `group`; None if the broker cannot say yet.

    Raises the client's error when the broker is unreachable, for the caller to retry.
    """
    config = kafka_python_config(settings)
    admin = KafkaAdminClient(**config, client_id="liveblog-lag")
    consumer = KafkaConsumer(**config, client_id="liveblog-lag", enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = consumer.end_offsets(partitions)
        committed = admin.list_group_offsets({group: partitions}).get(group, {})
        return sum(
            max(0, end - max(committed[tp].offset, 0) if tp in committed else end)
            for tp, end in ends.items()
        )
    except KafkaError as exc:
        if unreachable(exc):
            raise
        return None  # e.g. the group has no coordinator yet
    finally:
        consumer.close()
        admin.close()
