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
class Change:
    """One key's changelog record: its partition, key and value (None: a deletion)."""

    partition: int
    key: Any
    value: Any


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

    def take_changes(self) -> list[Change]:
        """Each key changed since the last flush with its value now (None: deleted); the
        table forgets them. A key that left memory without a deletion is skipped."""
        unwritten, self._unwritten = self._unwritten or {}, {}
        changes = []
        for key, change in unwritten.items():
            if change.deleted:
                changes.append(Change(change.partition, key, None))
            elif key in self.data:
                changes.append(Change(change.partition, key, self.data[key]))
        return changes

    def write_changes(self, changes: list[Change]) -> list[asyncio.Future[Any]]:
        """Send the changes to the changelog through the producer's buffer; one future per
        record, done once the broker has it."""
        return [
            self.send_changelog(c.partition, c.key, None, value_serializer="raw")
            if c.value is None
            else self.send_changelog(c.partition, c.key, c.value)
            for c in changes
        ]

    def write_changelog(self) -> list[asyncio.Future[Any]]:
        """Send every change since the last flush (see `write_changes`)."""
        return self.write_changes(self.take_changes())

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
    model: BaseModel | None  # None: a tombstone
    at: datetime | None


@dataclass
class WriteCache:
    """Changelog records and output updates held back until the next flush, latest per key.

    interval_s: how often they are written (0: not held back, every write goes out at once).
    """

    interval_s: float
    _tables: list[CoalescingTable] = field(default_factory=list)
    _marks: list[CoalescingTable] = field(default_factory=list)
    _updates: dict[tuple[str, str], _Update] = field(default_factory=dict)
    _flushing: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def coalescing(self) -> bool:
        return self.interval_s > 0

    def track(self, table: CoalescingTable, *, marks: bool = False) -> None:
        """Coalesce this table's changelog records.

        marks: the table holds "already counted" marks for rows of the other tables. The
        agents' replay guards (core/tallies.py, `settled_marks`) rely on a mark never being
        durable before the row that applied it, as write-through order gives: a flush writes
        marks only once the broker has acknowledged every row of that flush."""
        table.write_cache = self
        (self._marks if marks else self._tables).append(table)

    async def send(
        self,
        topic: faust.TopicT,
        key: str,
        model: BaseModel | None,
        *,
        at: datetime | None = None,
    ) -> None:
        """An update of `key` on a compacted topic whose readers want its latest value only
        (None: a tombstone): held until the next flush, where only the latest update of each
        key is sent."""
        if not self.coalescing:
            await send(topic, key, model, at=at)
            return
        # Replacing a pending update keeps the key's place: keys go out in first-change order.
        self._updates[(topic.get_topic_name(), key)] = _Update(topic, key, model, at)

    @property
    def pending(self) -> int:
        """Changelog records and updates the next flush would write (at most)."""
        tables = (*self._tables, *self._marks)
        return sum(table.unwritten for table in tables) + len(self._updates)

    async def flush(self) -> Flushed:
        """Write everything held back. One flush at a time: a commit that asks while a timer's
        flush is sending waits for it, so every write made before the commit is handed to the
        producer before the commit's producer flush waits for the acknowledgements."""
        async with self._flushing:
            # Rows, outputs and marks are taken without an await in between: later writes
            # belong to the next flush.
            rows = [sent for table in self._tables for sent in table.write_changelog()]
            updates, self._updates = self._updates, {}
            # Values as they are now: a mark changed again while the rows are on their way
            # belongs to a row of the next flush.
            marks = {table: table.take_changes() for table in self._marks}
            for update in updates.values():
                await send(update.topic, update.key, update.model, at=update.at)
            if rows:
                # A failed row send fails the producer's flush too (service/stream/transport.py),
                # so the commit stops there; here it only has to hold the marks back.
                await asyncio.gather(*rows, return_exceptions=True)
            written = len(rows)
            for table, changes in marks.items():
                written += len(table.write_changes(changes))
        if written or updates:
            log.debug("coalesced_writes_flushed", rows=written, updates=len(updates))
        return Flushed(rows=written, updates=len(updates))
