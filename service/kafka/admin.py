"""Create the project's topics explicitly and wait until the broker answers."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from schemas.topics import TOPICS, TopicSpec
from service.kafka.config import kafka_python_config
from service.kafka.retry import BrokerUnavailable, call_with_retry
from service.settings import Settings

log = structlog.get_logger(__name__)

__all__ = ["BrokerUnavailable", "connect_admin", "create_missing", "ensure_topics"]


def connect_admin(settings: Settings) -> KafkaAdminClient:
    """An admin client, retried with backoff while the broker does not answer."""
    return call_with_retry(settings, "connecting the admin client", lambda: _admin(settings))


def _admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(**kafka_python_config(settings), client_id="liveblog-admin")


def topic_configs(spec: TopicSpec, settings: Settings) -> dict[str, str]:
    """The configs of a topic the service creates."""
    # Topic-level max.message.bytes overrides the broker's default (about 1 MB), so an
    # oversized entry reaches validation and is dead-lettered instead of refused at the door.
    configs = {"max.message.bytes": str(settings.max_message_bytes)}
    if spec.compacted:
        configs["cleanup.policy"] = "compact"
        return configs
    # Records carry their event time (the news' own time; windows are event time), and Kafka
    # ages a segment by its newest record timestamp: with the default 7-day retention.ms, a
    # replay of older coverage is deleted at the next retention check, before it is processed
    # (a restarted consumer then finds its committed offset out of range). Size decides.
    configs["retention.ms"] = "-1"
    configs["retention.bytes"] = str(settings.topic_retention_bytes)
    return configs


def _new_topic(spec: TopicSpec, settings: Settings) -> NewTopic:
    configs = topic_configs(spec, settings)
    return NewTopic(
        spec.full_name(settings.topic_prefix),
        num_partitions=settings.partitions,
        replication_factor=settings.replication_factor,
        topic_configs=configs,
    )


def ensure_topics(settings: Settings, specs: tuple[TopicSpec, ...] = TOPICS) -> list[str]:
    """Create every missing topic; returns the names created. Existing topics are left alone."""
    return create_missing(settings, [_new_topic(spec, settings) for spec in specs])


def create_missing(
    settings: Settings, topics: Sequence[NewTopic], action: str = "creating topics"
) -> list[str]:
    """Create those of `topics` the broker does not have; returns the names created.

    Retried as a whole while the broker is unreachable: creating topics is idempotent.
    """
    return call_with_retry(settings, action, lambda: _create_missing(settings, topics))


def _create_missing(settings: Settings, topics: Sequence[NewTopic]) -> list[str]:
    admin = _admin(settings)  # not connect_admin: the whole step is retried
    try:
        existing = set(admin.list_topics())
        created = []
        for topic in topics:
            if topic.name in existing:
                continue
            try:
                admin.create_topics([topic])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass  # another process won the race: fine
        if created:
            log.info("topics_created", topics=created, partitions=settings.partitions)
        return created
    finally:
        admin.close()
