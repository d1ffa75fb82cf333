"""Faust's aiokafka transport, with commits that never pass over unsent table writes.

Faust commits a consumer offset after `producer.flush()`. Table writes (changelog records) go
through the producer's buffer, whose flush gives up after 0.1 s without a send
(faust/transport/producer.py, ProducerBuffer.flush_atmost) and does not count the record being
handed to the client at that moment. An offset could thus be committed while the table writes
of the events before it were still unsent: a crash then loses them although the input is
consumed (tests/integration/test_transport.py shows it). `Producer` remembers every buffered
record and its flush waits for those buffered before it; a failed one stops the commit.

Broker URLs `kafka://` select `KafkaTransport` (service/stream/app.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

import structlog
from faust.exceptions import ProducerSendError
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import FutureMessage

log = structlog.get_logger(__name__)


# How long a produce request may wait for its response before the client sends it again.
# Faust's producer_request_timeout (20 min) is also the client's request timeout: one response
# the broker never sends would stall every produce, and with them the commits, for 20 min.
# Records still expire after producer_request_timeout (their send then fails the commit).
REQUEST_TIMEOUT_MS = 30_000  # the Java client's default request.timeout.ms
WAIT_REPORT_S = 5.0  # a commit still waiting for its table writes is reported this often


class Producer(faust_aiokafka.Producer):
    def _new_producer(self, transactional_id: str | None = None) -> Any:
        producer = super()._new_producer(transactional_id)
        producer.client._request_timeout_ms = REQUEST_TIMEOUT_MS
        return producer

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
        """Wait for the records buffered before this call: the table writes of the events whose
        offsets are being committed (later writes belong to later commits)."""
        pending = set(self._buffered)
        waited = 0.0
        while pending:
            if self.buffer.state != "running":
                # Nothing will send them now: no commit (the events are processed again).
                raise RuntimeError(f"Cannot flush: {len(pending)} records unsent")
            _, pending = await asyncio.wait(pending, timeout=WAIT_REPORT_S)
            waited += WAIT_REPORT_S
            if pending:
                log.warning(
                    "commit_waiting_for_table_writes",
                    seconds=waited,
                    unsent=len(pending),
                    buffered=self.buffer.size,
                    topics=sorted({f.message.channel.get_topic_name() for f in pending}),
                )


class KafkaTransport(faust_aiokafka.Transport):
    Producer = Producer

    def _topic_config(
        self,
        retention: int | None = None,
        compacting: bool | None = None,
        deleting: bool | None = None,
    ) -> MutableMapping[str, Any]:
        """The config of every topic Faust creates (table changelogs, its partition assignor's
        topic, repartition topics): Faust's, plus max.message.bytes. Without it they take
        the broker's default (about 1 MB) while the worker produces up to
        producer_max_request_size (Settings.max_message_bytes, as on the service's topics),
        so a large table row would be refused by its changelog."""
        config = super()._topic_config(retention, compacting, deleting)
        config["max.message.bytes"] = str(self.app.conf.producer_max_request_size)
        return config
