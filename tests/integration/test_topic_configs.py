"""Topic configs read back from the broker once the worker has started: the cleanup policies the
README states, and the configured max.message.bytes on the topics the service creates and on
those Faust creates itself (table changelogs, its partition assignor's topic)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from schemas.topics import TOPICS
from service.kafka.admin import ensure_topics
from service.kafka.config import kafka_python_config
from service.processes import stop_child
from service.settings import Settings
from tests.integration.conftest import Broker, settings_for
from tests.integration.service_runs import spawn_worker, wait_until

pytestmark = pytest.mark.integration

# Neither the service's default (16 MiB) nor the broker's (about 1 MB): only the setting gives it.
MAX_MESSAGE_BYTES = 3 * 1024 * 1024
# The tables (service/stream/tables.py): the dedup index's are windowed by event time.
WINDOWED_TABLES = (
    "pending-entries",
    "shard-probes",
    "gathering",
    "counted-occurrences",
    "recorded-occurrences",
)
PLAIN_TABLES = ("canonical-quotes", "speaker-tallies", "speaker-series", "speaker-registry")
KEYS = ("cleanup.policy", "max.message.bytes", "retention.ms")


@pytest.fixture
def started(broker: Broker, tmp_path: Path) -> Iterator[Settings]:
    """A worker that has started, so Faust has created its own topics."""
    settings = settings_for(broker, tmp_path).with_overrides(max_message_bytes=MAX_MESSAGE_BYTES)
    ensure_topics(settings)
    worker = spawn_worker(settings)
    try:
        wait_until(
            "the worker created its tables' changelogs",
            lambda: set(faust_topics(settings)) <= set(topics_of(settings)),
            [worker],
            timeout_s=90,
        )
        yield settings
    finally:
        stop_child(worker)


def changelog(settings: Settings, table: str) -> str:
    return f"{settings.app_id}-{table}-changelog"


def faust_topics(settings: Settings) -> list[str]:
    tables = [changelog(settings, t) for t in (*WINDOWED_TABLES, *PLAIN_TABLES)]
    return [*tables, f"{settings.app_id}-__assignor-__leader"]


def admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(**kafka_python_config(settings), client_id="test-topic-configs")


def topics_of(settings: Settings) -> list[str]:
    """Every topic of this run: the service's (topic prefix) and Faust's own (app id)."""
    client = admin(settings)
    try:
        names = client.list_topics()
    finally:
        client.close()
    return [n for n in names if n.startswith((settings.topic_prefix, f"{settings.app_id}-"))]


def configs(settings: Settings, topics: list[str]) -> dict[str, dict[str, str]]:
    """The broker's effective values of KEYS for each topic (its defaults included)."""
    client = admin(settings)
    try:
        described: dict[str, Any] = client.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name, list(KEYS)) for name in topics],
            config_filter="all",
        )
    finally:
        client.close()
    by_topic = described["topic"]
    return {
        name: {key: str(entry["value"]) for key, entry in by_topic[name].items()} for name in topics
    }


def test_compacted_topics_and_changelogs_have_the_cleanup_policy_the_readme_states(
    started: Settings,
) -> None:
    settings = started
    names = {spec.name: spec.full_name(settings.topic_prefix) for spec in TOPICS}
    read = configs(settings, [*names.values(), *faust_topics(settings)])

    # README (Outputs): "the compacted topic <prefix>speaker-updates ... cleanup.policy=compact".
    assert read[names["speaker-updates"]]["cleanup.policy"] == "compact"
    for spec in TOPICS:  # schemas/topics.py: canonical-quotes is compacted too; the rest delete
        want = "compact" if spec.compacted else "delete"
        assert read[names[spec.name]]["cleanup.policy"] == want, spec.name
    # README (Per-speaker tables, Deduplication): plain tables' changelogs are compacted; the
    # windowed ones are compacted and also deleted after two horizons, like their windows.
    for table in PLAIN_TABLES:
        assert read[changelog(settings, table)]["cleanup.policy"] == "compact", table
    for table in WINDOWED_TABLES:
        config = read[changelog(settings, table)]
        assert config["cleanup.policy"] == "compact,delete", table
        assert config["retention.ms"] == str(int(2 * settings.dedup_horizon_s * 1000)), table


def test_every_topic_of_the_service_and_of_faust_takes_the_configured_message_size(
    started: Settings,
) -> None:
    settings = started
    topics = topics_of(settings)  # whatever Faust made, e.g. a repartition topic one day
    assert set(faust_topics(settings)) <= set(topics)
    assert {spec.full_name(settings.topic_prefix) for spec in TOPICS} <= set(topics)

    sizes = {
        name: config["max.message.bytes"] for name, config in configs(settings, topics).items()
    }

    wrong = {name: size for name, size in sizes.items() if size != str(MAX_MESSAGE_BYTES)}
    assert wrong == {}, f"max.message.bytes is not {MAX_MESSAGE_BYTES} on {wrong}"
