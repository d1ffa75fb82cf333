"""A real Apache Kafka broker for the integration tests, and helpers to run the service on it.

Which broker: KAFKA_BOOTSTRAP_SERVERS if set; else, with LIVEBLOG_TEST_BROKER=docker, the
apache/kafka image in testcontainers; else the embedded Apache Kafka the project installs
(service/broker/), started once per test session and stopped at its end, failed tests or not.
Every test gets its own topic prefix and consumer groups, so tests never see each other's events.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.broker.embedded import free_port, start_broker, stop_broker
from service.broker.install import kafka_version
from service.settings import Settings

REPO = Path(__file__).resolve().parents[2]
KAFKA_IMAGE = f"apache/kafka:{kafka_version()}"  # the image docker-compose.yml runs


@dataclass(frozen=True)
class Broker:
    bootstrap_servers: str
    state_dir: Path | None = None  # the embedded broker's, when this session started it


@contextmanager
def docker_kafka() -> Iterator[str]:
    """apache/kafka in a container, configured as in docker-compose.yml, on a fixed host port
    (Kafka must advertise the address clients reach it on)."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    port = free_port()
    container = (
        DockerContainer(KAFKA_IMAGE)
        .with_bind_ports(port, port)
        .with_envs(
            KAFKA_NODE_ID="1",
            KAFKA_PROCESS_ROLES="broker,controller",
            KAFKA_LISTENERS=f"PLAINTEXT://:{port},CONTROLLER://:9093",
            KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://localhost:{port}",
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            KAFKA_CONTROLLER_LISTENER_NAMES="CONTROLLER",
            KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1",
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="0",
            KAFKA_AUTO_CREATE_TOPICS_ENABLE="false",
        )
    )
    with container:
        wait_for_logs(container, "Kafka Server started", timeout=120)
        yield f"localhost:{port}"


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        yield Broker(configured)
        return
    if os.environ.get("LIVEBLOG_TEST_BROKER") == "docker":
        with docker_kafka() as servers:
            yield Broker(servers)
        return
    state_dir = tmp_path_factory.mktemp("kafka")
    handle = start_broker(state_dir)
    try:
        yield Broker(handle.bootstrap_servers, state_dir)
    finally:
        stop_broker(state_dir)


def settings_for(broker: Broker, folder: Path) -> Settings:
    """Settings for one run of the service: its own topics, groups, output and state folders."""
    run = uuid.uuid4().hex[:8]
    return Settings(
        bootstrap_servers=broker.bootstrap_servers,
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
