"""Create the project's topics explicitly, check their partition counts, and wait until the
broker answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import structlog
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from schemas.topics import PIPELINE_TOPICS, TOPICS, TopicSpec
from service.kafka.config import kafka_python_config
from service.kafka.retry import BrokerUnavailable, call_with_retry
from service.settings import Settings

log = structlog.get_logger(__name__)

WAIT_FOR_TOPICS_MS = 30_000

__all__ = [
    "BrokerUnavailable",
    "PartitionCountMismatch",
    "check_partitions",
    "connect_admin",
    "create_missing",
    "ensure_topics",
    "expected_partitions",
]


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
            # KRaft brokers learn of a topic after the create request returns: until then a
            # consumer group's assignor skips it ("No partition metadata") and describing its
            # configs comes back empty. Created means usable when this returns.
            admin.wait_for_topics(created, timeout_ms=WAIT_FOR_TOPICS_MS)
            log.info("topics_created", topics=created, partitions=settings.partitions)
        return created
    finally:
        admin.close()


@dataclass(frozen=True)
class PartitionMismatch:
    topic: str
    expected: int
    actual: int | None  # None: the topic does not exist


class PartitionCountMismatch(RuntimeError):
    """A topic has another partition count than the service expects: it must not start."""


def expected_partitions(
    settings: Settings, specs: tuple[TopicSpec, ...] = PIPELINE_TOPICS
) -> dict[str, int]:
    """The partition count each topic of the pipeline must have (follow-state, which only
    `liveblog follow` reads, may have any)."""
    return {spec.full_name(settings.topic_prefix): settings.partitions for spec in specs}


def partition_mismatches(
    expected: Mapping[str, int], actual: Mapping[str, int]
) -> list[PartitionMismatch]:
    """The topics whose partition count differs from the expected one, by name."""
    return [
        PartitionMismatch(topic, want, actual.get(topic))
        for topic, want in sorted(expected.items())
        if actual.get(topic) != want
    ]


def check_partitions(settings: Settings, expected: Mapping[str, int]) -> None:
    """Raise PartitionCountMismatch, in one line, if a topic's partition count is not expected.

    Dedup sends each signature to the partition that owns it (key hash modulo the count the
    worker was configured with), and co-partitioned topics must agree: with another count on
    the broker, ownership silently splits and copies are missed.
    """
    actual = call_with_retry(
        settings, "describing topics", lambda: _partition_counts(settings, list(expected))
    )
    mismatches = partition_mismatches(expected, actual)
    if mismatches:
        raise PartitionCountMismatch(_mismatch_line(mismatches))


def _partition_counts(settings: Settings, topics: list[str]) -> dict[str, int]:
    admin = _admin(settings)
    try:
        # Topics created a moment ago may not be in the metadata yet (KRaft propagates them
        # after the create request returns): without the wait, a fresh changelog looked missing.
        admin.wait_for_topics(topics, timeout_ms=WAIT_FOR_TOPICS_MS)
        described = admin.describe_topics(topics)
    finally:
        admin.close()
    # A missing topic is described with an error code and no partitions.
    return {d["name"]: len(d["partitions"]) for d in described if d["partitions"]}


def _mismatch_line(mismatches: Sequence[PartitionMismatch]) -> str:
    def one(m: PartitionMismatch) -> str:
        found = "does not exist" if m.actual is None else f"has {m.actual} partitions"
        return f"topic {m.topic} {found}, expected {m.expected}"

    return (
        "; ".join(one(m) for m in mismatches)
        + " (LIVEBLOG_PARTITIONS): dedup ownership depends on the partition count, so the "
        "worker does not start. Set LIVEBLOG_PARTITIONS to the topics' count, or use new "
        "topics (another LIVEBLOG_TOPIC_PREFIX)"
    )
