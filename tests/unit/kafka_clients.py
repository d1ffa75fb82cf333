"""Record the Kafka clients the service builds, without a broker.

Each recorded call is also checked against the real kafka-python class: producers and consumers
are really constructed (with api_version given they do not contact a broker) and closed; the
admin client, which always connects on construction, is checked against the options it knows.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaConnectionError

KNOWN_BROKER = (2, 8, 0)


class Unreachable:
    """What a recorded client returns: every call fails as if the broker were down."""

    def close(self, *args: object, **kwargs: object) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        def fail(*args: object, **kwargs: object) -> None:
            raise KafkaConnectionError(f"recorded client: no broker ({name})")

        return fail


class Clients:
    def __init__(self) -> None:
        self.calls: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.built: dict[str, list[Any]] = defaultdict(list)

    def producer(self, *args: Any, **kwargs: Any) -> Unreachable:
        self.calls["producer"].append(kwargs)
        real = KafkaProducer(*args, **kwargs, api_version=KNOWN_BROKER)
        self.built["producer"].append(real.config)
        real.close(timeout=0)
        return Unreachable()

    def consumer(self, *args: Any, **kwargs: Any) -> Unreachable:
        self.calls["consumer"].append(kwargs)
        real = KafkaConsumer(*args, **kwargs, api_version=KNOWN_BROKER)
        self.built["consumer"].append(real.config)
        real.close()
        return Unreachable()

    def admin(self, **kwargs: Any) -> Unreachable:
        self.calls["admin"].append(kwargs)
        unknown = set(kwargs) - set(KafkaAdminClient.DEFAULT_CONFIG)
        assert not unknown, f"KafkaAdminClient does not know {unknown}"
        return Unreachable()
