"""A real Kafka broker for the integration tests, and helpers to run the service against it.

Which broker: KAFKA_BOOTSTRAP_SERVERS if set; else Apache Kafka in testcontainers when a Docker
engine answers; else the embedded Tansu broker the project installs. Every test gets its own
topic prefix and consumer groups, so tests never see each other's events.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.broker.embedded import start_broker, stop_pid
from service.settings import BrokerFlavour, Settings

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Broker:
    bootstrap_servers: str
    flavour: BrokerFlavour


def _docker_available() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        flavour = BrokerFlavour(os.environ.get("LIVEBLOG_BROKER_FLAVOUR", "kafka"))
        yield Broker(configured, flavour)
        return
    if _docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer("apache/kafka:3.9.1").with_kraft() as kafka:
            yield Broker(kafka.get_bootstrap_server(), BrokerFlavour.KAFKA)
        return
    handle = start_broker(tmp_path_factory.mktemp("tansu"))
    try:
        yield Broker(handle.bootstrap_servers, BrokerFlavour.TANSU)
    finally:
        stop_pid(handle.pid)


def settings_for(broker: Broker, folder: Path) -> Settings:
    """Settings for one run of the service: its own topics, groups, output and state folders."""
    run = uuid.uuid4().hex[:8]
    return Settings(
        bootstrap_servers=broker.bootstrap_servers,
        broker_flavour=broker.flavour,
        topic_prefix=f"t{run}.",
        app_id=f"liveblog-test-{run}",
        out_dir=folder / "out",
        state_dir=folder / "state",
        partitions=4,
        session_timeout_s=6.0,
    )


@pytest.fixture
def settings(broker: Broker, tmp_path: Path) -> Settings:
    return settings_for(broker, tmp_path)
