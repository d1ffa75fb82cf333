"""Which worker holds a key, and asking other workers.

Faust's partition assignor tells every worker which worker (by its web URL) holds each active
partition of each table. A key's partition is what the producer's partitioner made of it: the
tables are written by agents whose input topics are keyed the same way and co-partitioned
with the changelogs. So a request for a key held elsewhere is forwarded to its holder, and a
list that spans all keys is gathered from every worker holding a partition.

Faust's own `@app.table_route` forwards too; this module does the same with a hop header
(during a rebalance two workers may briefly each think the other holds a key: one hop, no
ping-pong), a timeout, and answers that stay JSON when the other worker cannot be reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp
import faust
import structlog
from aiokafka.partitioner import DefaultPartitioner
from yarl import URL

log = structlog.get_logger(__name__)

ROUTED_BY = "X-Liveblog-Routed-By"  # set on a forwarded request: serve it here, whatever
SERVED_BY = "X-Liveblog-Served-By"  # the worker that answered

HostMap = Mapping[str, Mapping[str, Sequence[int]]]


class Unavailable(RuntimeError):
    """The cluster cannot answer right now (no assignment yet, or a worker did not answer)."""


def key_partition(key: str, partitions: int) -> int:
    """The partition the Kafka producers put `key` on (murmur2, as the Java client)."""
    every = list(range(partitions))
    return int(DefaultPartitioner()(key.encode("utf-8"), every, every))


def holder_of(partition: int, topic: str, hosts: HostMap) -> str | None:
    """The worker URL whose active assignment includes `partition` of `topic`."""
    for url, topics in hosts.items():
        if partition in topics.get(topic, ()):
            return url
    return None


def holders(topic: str, hosts: HostMap) -> list[str]:
    """Every worker URL holding at least one partition of `topic`, sorted."""
    return sorted(url for url, topics in hosts.items() if topics.get(topic))


def same_worker(a: str, b: str) -> bool:
    ua, ub = URL(a), URL(b)
    return (ua.host, ua.port) == (ub.host, ub.port)


@dataclass
class Cluster:
    """This worker's view of who holds what, from its last partition assignment."""

    app: faust.App
    partitions: int
    timeout_s: float

    @property
    def me(self) -> str:
        return str(self.app.conf.canonical_url)

    def _hosts(self, table: faust.Table) -> HostMap:
        return self.app.router.table_metadata(table.name)

    def _topic(self, table: faust.Table) -> str:
        return table.changelog_topic.get_topic_name()

    def _partition(self, table: faust.Table, key: str) -> int:
        known = self.app.consumer.topic_partitions(self._topic(table))
        return key_partition(key, known or self.partitions)

    def holder(self, table: faust.Table, key: str) -> str:
        url = holder_of(self._partition(table, key), self._topic(table), self._hosts(table))
        if url is None:
            raise Unavailable("no worker holds this key's partition yet (rebalancing?)")
        return url

    def holds(self, table: faust.Table, key: str) -> bool:
        """True if this worker holds the key as an active (not a standby) partition."""
        mine = self._hosts(table).get(self.me, {}).get(self._topic(table), ())
        return self._partition(table, key) in mine

    def holding(self, table: faust.Table) -> list[str]:
        """Every worker holding a partition of the table (none before the first assignment)."""
        return holders(self._topic(table), self._hosts(table))

    def workers(self, table: faust.Table) -> list[str]:
        found = self.holding(table)
        if not found:
            raise Unavailable("no partitions are assigned yet (the worker is starting)")
        return found

    async def get(self, url: str, path: str, params: Mapping[str, str]) -> tuple[int, bytes]:
        """GET another worker's endpoint; its status and body."""
        try:
            async with self.app.http_client.get(
                URL(url).with_path(path),
                params=dict(params),
                headers={ROUTED_BY: self.me},
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as response:
                return response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("worker_unreachable", worker=url, path=path, error=repr(exc))
            raise Unavailable(f"worker {url} did not answer: {type(exc).__name__}") from exc
