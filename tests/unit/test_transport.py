"""The worker's Faust transport: commits wait for table writes (service/stream/transport.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from faust.transport.drivers import aiokafka as faust_aiokafka

from service.settings import Settings
from service.stream.app import create_app
from service.stream.transport import KafkaTransport, Producer

pytestmark = pytest.mark.usefixtures("clean_env")


def settings(tmp_path: Path) -> Settings:
    return Settings(bootstrap_servers="kafka:9092", state_dir=tmp_path)


def worker_consumer(app: Any, create: Any = None) -> Any:
    """The aiokafka consumer the worker would start (built inside a running loop, as there)."""
    thread = app.consumer._thread
    create = create or type(thread)._create_worker_consumer

    async def build() -> Any:
        return create(thread, app.transport)

    return asyncio.run(build())


def test_worker_uses_the_transport_whose_commits_wait_for_table_writes(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path))

    assert type(app.transport) is KafkaTransport
    assert isinstance(app.producer, Producer)
    assert type(app.consumer) is faust_aiokafka.Consumer  # Faust's own: see the README
    assert worker_consumer(app)._fetch_max_wait_ms == 1500  # Faust's own; Kafka answers on arrival
