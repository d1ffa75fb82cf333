"""A Faust transport for Tansu: aiokafka's, with exact high watermarks for table recovery.

Faust recovers a table by reading its changelog up to the high watermark it gets from
ListOffsets; Tansu answers that with the last batch's base offset + 1, so an unpatched worker
restores all but the tail of every changelog partition (tests/integration/
test_restart_recovery.py fails without this). Selected by the broker URL scheme `tansu://`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from service.broker.high_watermarks import corrected_high_watermarks


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    async def _highwaters(self, partitions: list[TP]) -> Mapping[TP, int]:
        listed = await super()._highwaters(partitions)
        if self.consumer.in_transaction:
            return listed
        transport: Any = self.transport
        servers = faust_aiokafka.server_list(transport.url, transport.default_port)
        return await corrected_high_watermarks(servers, listed, self._security())

    def _security(self) -> Mapping[str, Any]:
        """The same credentials as Faust's own clients (SASL/TLS from broker_credentials)."""
        conf = self.transport.app.conf
        return faust_aiokafka.credentials_to_aiokafka_auth(
            conf.broker_credentials, conf.ssl_context
        )


class Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = Consumer
