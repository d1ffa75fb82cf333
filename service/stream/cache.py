"""Coalesce table writes and keyed output updates between flushes, as Kafka Streams' record
caches do: each key is written once per flush, with its latest value.

A coalescing table applies every write to its store at once (reads see it: the store is the
cache) and only defers the changelog record; a coalesced output keeps the latest model per
topic and key. Both are written by `WriteCache.flush`: every `interval_s` (which bounds how
stale the changelogs and outputs are) and before every offset commit, since the transport's
producer flush runs it first (service/stream/transport.py, `before_every_flush`). A crash
before a flush therefore loses nothing that was committed: the events whose writes were still
in memory are read again, and every agent is idempotent (its rows keep the input offsets they
applied). A rebalance flushes too: Faust flushes the producer before it gives partitions up.

Only a table read by the agent that writes it should coalesce. A row another agent reads after
a hop (`pending-entries`, read by gather_verdicts once the entry's answers are back) is written
through: deferred, it could be missing from the changelog when a restarted worker replays the
answers that lead to it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import faust
import structlog
from pydantic import BaseModel

from service.stream.sending import send

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Unwritten:
    """A key changed since the last flush: the partition its changelog record goes to (the
    partition of the event that changed it), and whether the last change deleted it."""

    partition: int
    deleted: bool = False


@dataclass(frozen=True)
class Flushed:
    """What one flush wrote: changelog records, and messages on coalesced output topics."""

    rows: int
    updates: int


class CoalescingTable(faust.Table):
    """A Faust table whose changelog gets each changed key once per flush of its cache (none
    tracks it: Faust's write-through, one changelog record per write)."""

    write_cache: WriteCache | None = None
    _unwritten: dict[Any, Unwritten] | None = None

    def on_key_set(self, key: Any, value: Any) -> None:
        partition = self._coalesced_partition(key)
        if partition is None:
            super().on_key_set(key, value)
            return
        self._changed(key, Unwritten(partition))
        # Window bookkeeping and sensors as Faust's own on_key_set, without its send.
        self._maybe_set_key_ttl(key, partition)
        self._sensor_on_set(self, key, value)

    def on_key_del(self, key: Any) -> None:
        partition = self._coalesced_partition(key)
        if partition is None:
            super().on_key_del(key)
            return
        self._changed(key, Unwritten(partition, deleted=True))
        self._maybe_del_key_ttl(key, partition)
        self._sensor_on_del(self, key)

    def forget_unwritten(self, key: Any) -> None:
        """The key left memory without a deletion (an expired window): nothing to write."""
        if self._unwritten:
            self._unwritten.pop(key, None)

    def write_changelog(self) -> int:
        """Send every changed key's current value (or its deletion) to the changelog through
        the producer's buffer; returns how many records."""
        unwritten, self._unwritten = self._unwritten or {}, {}
        written = 0
        for key, change in unwritten.items():
            if change.deleted:
                self.send_changelog(change.partition, key, None, value_serializer="raw")
            else:
                try:
                    value = self.data[key]
                except KeyError:
                    continue  # left memory since (forgotten without a deletion)
                self.send_changelog(change.partition, key, value)
            written += 1
        return written

    @property
    def unwritten(self) -> int:
        """Keys changed since the last flush."""
        return len(self._unwritten or {})

    def _coalesced_partition(self, key: Any) -> int | None:
        if self.write_cache is None or not self.write_cache.coalescing:
            return None
        # The current event's partition, as Faust's write-through would use (and checks).
        return self.partition_for_key(key)

    def _changed(self, key: Any, change: Unwritten) -> None:
        if self._unwritten is None:
            self._unwritten = {}
        self._unwritten[key] = change


@dataclass(frozen=True)
class _Update:
    topic: faust.TopicT
    key: str
    model: BaseModel
    at: datetime | None


@dataclass
class WriteCache:
    """Changelog records and output updates held back until the next flush, latest per key.

    interval_s: how often they are written (0: not held back, every write goes out at once).
    """

    interval_s: float
    _tables: list[CoalescingTable] = field(default_factory=list)
    _updates: dict[tuple[str, str], _Update] = field(default_factory=dict)
    _flushing: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def coalescing(self) -> bool:
        return self.interval_s > 0

    def track(self, table: CoalescingTable) -> None:
        """Coalesce this table's changelog records."""
        table.write_cache = self
        self._tables.append(table)

    async def send(
        self, topic: faust.TopicT, key: str, model: BaseModel, *, at: datetime | None = None
    ) -> None:
        """An update of `key` on a compacted topic whose readers want its latest value only:
        held until the next flush, where only the latest update of each key is sent."""
        if not self.coalescing:
            await send(topic, key, model, at=at)
            return
        # Replacing a pending update keeps the key's place: keys go out in first-change order.
        self._updates[(topic.get_topic_name(), key)] = _Update(topic, key, model, at)

    @property
    def pending(self) -> int:
        """Changelog records and updates the next flush would write (at most)."""
        return sum(table.unwritten for table in self._tables) + len(self._updates)

    async def flush(self) -> Flushed:
        """Write everything held back. One flush at a time: a commit that asks while a timer's
        flush is sending waits for it, so every write made before the commit is handed to the
        producer before the commit's producer flush waits for the acknowledgements."""
        async with self._flushing:
            # Taken without an await in between: later writes belong to the next flush.
            rows = sum(table.write_changelog() for table in self._tables)
            updates, self._updates = self._updates, {}
            for update in updates.values():
                await send(update.topic, update.key, update.model, at=update.at)
        if rows or updates:
            log.debug("coalesced_writes_flushed", rows=rows, updates=len(updates))
        return Flushed(rows=rows, updates=len(updates))
