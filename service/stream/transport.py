"""Faust transports: aiokafka's, with an offset commit that waits for every table write, and
(for Tansu) exact high watermarks for table recovery.

Faust commits a consumer offset after `producer.flush()`. Table writes (changelog records) go
through the producer's buffer, whose flush gives up after 0.1 s without a send
(faust/transport/producer.py, ProducerBuffer.flush_atmost) and does not count the record being
handed to the client at that moment. An offset could thus be committed while the table writes
of the events before it were still unsent: a crash then loses them although the input is
consumed (tests/integration/test_transport.py shows it). `Producer` remembers every buffered
record and its flush waits until each one is acknowledged or failed.

Faust recovers a table by reading its changelog up to the high watermark it gets from
ListOffsets; Tansu answers that with the last batch's base offset + 1, so an unpatched worker
restores all but the tail of every changelog partition (tests/integration/
test_restart_recovery.py fails without this). `TansuTransport` corrects it.

Tansu answers a waiting fetch only when its max wait runs out, not when a record arrives, and
Faust waits 1.5 s: `TansuTransport` makes its consumer wait at most FETCH_MAX_WAIT_MS.

Broker URLs select them: `kafka://` → `KafkaTransport`, `tansu://` → `TansuTransport`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import structlog
from faust.exceptions import ProducerSendError
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, FutureMessage

from service.broker.embedded import FETCH_MAX_WAIT_MS
from service.broker.high_watermarks import corrected_high_watermarks

log = structlog.get_logger(__name__)


class Producer(faust_aiokafka.Producer):
    def __post_init__(self) -> None:
        super().__post_init__()
        self._buffered: set[FutureMessage] = set()
        self._failed: list[BaseException] = []

    def send_soon(self, fut: FutureMessage) -> None:
        self._buffered.add(fut)
        fut.add_done_callback(self._settled)
        super().send_soon(fut)

    def _settled(self, fut: FutureMessage) -> None:
        self._buffered.discard(fut)
        if not fut.cancelled() and fut.exception() is not None:
            self._failed.append(fut.exception())  # type: ignore[arg-type]

    async def flush(self) -> None:
        """Return once every buffered record is acknowledged, then flush. A table write that
        failed stops the commit: the events behind it are processed again after a restart."""
        await self._wait_buffered()
        if self._failed:
            failed, self._failed = self._failed, []
            raise ProducerSendError(f"{len(failed)} table writes failed, first: {failed[0]!r}")
        await super().flush()

    async def _wait_buffered(self) -> None:
        waited = 0
        while self._buffered:
            if self.buffer.state != "running":
                # Nothing will send them now: no commit (the events are processed again).
                raise RuntimeError(f"Cannot flush: {len(self._buffered)} records unsent")
            await asyncio.wait(list(self._buffered), timeout=1.0)
            waited += 1
            if self._buffered and waited % 10 == 0:
                log.warning(
                    "commit_waiting_for_table_writes",
                    seconds=waited,
                    unsent=len(self._buffered),
                    buffered=self.buffer.size,
                    topics=sorted({f.message.channel.get_topic_name() for f in self._buffered}),
                )


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # Faust passes a fixed 1500
        return consumer

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


class TansuConsumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class KafkaTransport(faust_aiokafka.Transport):
    Producer = Producer


class TansuTransport(KafkaTransport):
    Consumer = TansuConsumer
