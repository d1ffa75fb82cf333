"""Create the project's topics explicitly and wait until the broker answers."""

from __future__ import annotations

import time

import structlog
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from schemas.topics import TOPICS, TopicSpec
from service.kafka_config import kafka_python_config
from service.settings import Settings

log = structlog.get_logger(__name__)


class BrokerUnavailable(RuntimeError):
    """The broker did not answer within the allowed time."""


def connect_admin(settings: Settings, timeout_s: float = 30.0) -> KafkaAdminClient:
    """An admin client, retrying with backoff until the broker answers or timeout_s passes."""
    deadline = time.monotonic() + timeout_s
    delay = 0.1
    while True:
        try:
            return KafkaAdminClient(**kafka_python_config(settings), client_id="liveblog-admin")
        except KafkaError as exc:
            if time.monotonic() + delay > deadline:
                raise BrokerUnavailable(
                    f"no Kafka broker answered at {settings.bootstrap_servers} "
                    f"within {timeout_s:.0f}s ({exc})"
                ) from exc
            log.warning("broker_not_ready", error=str(exc), retry_in_s=delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _new_topic(spec: TopicSpec, settings: Settings) -> NewTopic:
    # Topic-level max.message.bytes overrides the broker's default (about 1 MB), so an
    # oversized entry reaches validation and is dead-lettered instead of refused at the door.
    configs = {"max.message.bytes": str(settings.max_message_bytes)}
    if spec.compacted:
        configs["cleanup.policy"] = "compact"
    return NewTopic(
        spec.full_name(settings.topic_prefix),
        num_partitions=settings.partitions,
        replication_factor=settings.replication_factor,
        topic_configs=configs,
    )


def ensure_topics(settings: Settings, specs: tuple[TopicSpec, ...] = TOPICS) -> list[str]:
    """Create every missing topic; returns the names created. Existing topics are left alone."""
    admin = connect_admin(settings)
    try:
        existing = set(admin.list_topics())
        missing = [s for s in specs if s.full_name(settings.topic_prefix) not in existing]
        created = []
        for spec in missing:
            try:
                admin.create_topics([_new_topic(spec, settings)])
                created.append(spec.full_name(settings.topic_prefix))
            except TopicAlreadyExistsError:
                pass  # another process won the race: fine
        if created:
            log.info("topics_created", topics=created, partitions=settings.partitions)
        return created
    finally:
        admin.close()
