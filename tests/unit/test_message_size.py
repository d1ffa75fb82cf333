"""Message size limits: oversized entries must reach validation, so every hop carries them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from schemas.topics import RAW_ENTRIES, SPEAKER_UPDATES
from service.kafka.admin import _new_topic
from service.replay import producer
from service.settings import Settings
from service.sink import runner
from service.stream.app import faust_settings
from tests.unit.kafka_clients import Clients

SETTINGS = Settings(
    bootstrap_servers="127.0.0.1:1", max_entry_bytes=100_000, max_message_bytes=3_000_000
)


def test_every_topic_created_accepts_the_configured_message_size() -> None:
    for spec in (RAW_ENTRIES, SPEAKER_UPDATES):
        topic = _new_topic(spec, SETTINGS)

        assert topic.topic_configs["max.message.bytes"] == "3000000"


def test_compacted_topics_stay_compacted() -> None:
    assert _new_topic(SPEAKER_UPDATES, SETTINGS).topic_configs["cleanup.policy"] == "compact"


def test_the_worker_produces_and_fetches_messages_of_the_configured_size() -> None:
    conf = faust_settings(SETTINGS)

    assert conf["producer_max_request_size"] == 3_000_000
    assert conf["consumer_max_fetch_size"] == 3_000_000


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Clients:
    recorded = Clients()
    monkeypatch.setattr(producer, "KafkaProducer", recorded.producer)
    monkeypatch.setattr(runner, "KafkaConsumer", recorded.consumer)
    return recorded


def test_the_replay_producer_sends_messages_of_the_configured_size(clients: Clients) -> None:
    producer.create_producer(SETTINGS)

    assert clients.built["producer"][0]["max_request_size"] == 3_000_000


def test_the_sink_fetches_messages_of_the_configured_size(clients: Clients) -> None:
    runner.SinkRunner(SETTINGS, writers=[])._consumer()

    assert clients.built["consumer"][0]["max_partition_fetch_bytes"] == 3_000_000


def test_a_message_limit_too_small_for_a_dead_letter_of_the_largest_entry_is_rejected() -> None:
    with pytest.raises(ValidationError, match="LIVEBLOG_MAX_MESSAGE_BYTES"):
        Settings(max_entry_bytes=1_000_000, max_message_bytes=1_500_000)


def test_the_topics_faust_creates_accept_the_configured_message_size() -> None:
    from service.stream.app import create_app

    transport = create_app(SETTINGS).transport

    config = transport._topic_config(retention=1000, compacting=True, deleting=True)

    assert config == {
        "cleanup.policy": "compact,delete",
        "retention.ms": 1000,
        "max.message.bytes": "3000000",
    }


def test_the_worker_creates_each_tables_changelog_as_faust_would() -> None:
    from service.stream.app import create_app
    from service.stream.tables import changelog_topics

    topics = {t.name: t for t in changelog_topics(create_app(SETTINGS), SETTINGS)}

    windowed = topics["liveblog-ingest-shard-probes-changelog"]
    plain = topics["liveblog-ingest-speaker-tallies-changelog"]
    assert len(topics) == 9
    assert windowed.num_partitions == plain.num_partitions == SETTINGS.partitions
    assert windowed.topic_configs == {
        "cleanup.policy": "compact,delete",  # windows leave the broker two horizons on
        "retention.ms": str(int(2 * SETTINGS.dedup_horizon_s * 1000)),
        "max.message.bytes": "3000000",
    }
    assert plain.topic_configs == {"cleanup.policy": "compact", "max.message.bytes": "3000000"}
