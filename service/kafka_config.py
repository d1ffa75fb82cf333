"""Client settings shared by every Kafka client: bootstrap servers and the broker's quirks."""

from __future__ import annotations

from typing import Any

from service.settings import Settings


def bootstrap(settings: Settings) -> str:
    if settings.bootstrap_servers is None:
        raise RuntimeError("no bootstrap servers: start the embedded broker first")
    return settings.bootstrap_servers


def kafka_python_config(settings: Settings) -> dict[str, Any]:
    """Keyword arguments common to every kafka-python client."""
    return {"bootstrap_servers": bootstrap(settings).split(","), "request_timeout_ms": 30_000}
