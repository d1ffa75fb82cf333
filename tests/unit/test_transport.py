"""The consumers the service builds wait briefly for fetches on Tansu, and as usual on Kafka
(tests/integration/test_tansu_quirks.py measures the flaw this works around)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from faust.transport.drivers import aiokafka as faust_aiokafka

from service.broker.embedded import FETCH_MAX_WAIT_MS
from service.settings import BrokerFlavour, Settings
from service.sink import runner
from service.stream.app import create_app
from service.stream.transport import KafkaTransport, Producer, TansuTransport

pytestmark = pytest.mark.usefixtures("clean_env")


def settings(flavour: BrokerFlavour, tmp_path: Path) -> Settings:
    return Settings(bootstrap_servers="kafka:9092", broker_flavour=flavour, state_dir=tmp_path)


def worker_consumer(app: Any, create: Any = None) -> Any:
    """The aiokafka consumer the worker would start (built inside a running loop, as there)."""
    thread = app.consumer._thread
    create = create or type(thread)._create_worker_consumer

    async def build() -> Any:
        return create(thread, app.transport)

    return asyncio.run(build())


@pytest.mark.parametrize(
    ("flavour", "transport", "wait_ms"),
    [
        (BrokerFlavour.TANSU, TansuTransport, FETCH_MAX_WAIT_MS),
        (BrokerFlavour.KAFKA, KafkaTransport, 1500),
    ],
)
def test_worker_transport_and_fetch_wait_follow_the_broker(
    flavour: BrokerFlavour, transport: type, wait_ms: int, tmp_path: Path
) -> None:
    app = create_app(settings(flavour, tmp_path))

    assert type(app.transport) is transport
    assert isinstance(app.producer, Producer)
    assert worker_consumer(app)._fetch_max_wait_ms == wait_ms


@pytest.mark.parametrize(
    ("flavour", "wait_ms"), [(BrokerFlavour.TANSU, FETCH_MAX_WAIT_MS), (BrokerFlavour.KAFKA, 500)]
)
def test_sink_fetch_wait_follows_the_broker(
    flavour: BrokerFlavour, wait_ms: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[dict[str, Any]] = []
    monkeypatch.setattr(runner, "KafkaConsumer", lambda *topics, **config: built.append(config))

    runner.SinkRunner(settings(flavour, tmp_path), writers=[])._consumer()

    assert built[0].get("fetch_max_wait_ms", 500) == wait_ms  # kafka-python's default: 500


def test_faust_default_fetch_wait_is_what_the_workaround_replaces(tmp_path: Path) -> None:
    app = create_app(settings(BrokerFlavour.KAFKA, tmp_path))
    stock = worker_consumer(app, faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer)

    assert stock._fetch_max_wait_ms == 1500
