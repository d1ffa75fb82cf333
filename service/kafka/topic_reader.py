"""Read a whole topic as it is now, from its start to its end offsets, without a consumer
group: what the commands that look back (dead letters, follow's memory) need."""

from __future__ import annotations

from collections.abc import Iterator

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from service.kafka.config import kafka_python_config
from service.settings import Settings

POLL_MS = 500


def read_topic(settings: Settings, topic: str, client_id: str) -> Iterator[ConsumerRecord]:
    """Every record of `topic` up to the end offsets it has when reading starts, oldest first
    per partition. Records written meanwhile are left for the next read."""
    consumer = KafkaConsumer(
        **kafka_python_config(settings),
        client_id=client_id,
        enable_auto_commit=False,
        max_partition_fetch_bytes=settings.max_message_bytes,
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        left = {tp for tp in partitions if ends[tp] > 0}
        while left:
            for tp, records in consumer.poll(timeout_ms=POLL_MS).items():
                # Only up to the end taken at the start: a busy topic still ends.
                yield from (r for r in records if r.offset < ends[tp])
            left = {tp for tp in left if consumer.position(tp) < ends[tp]}
    finally:
        consumer.close()
