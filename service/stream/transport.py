"""Faust's aiokafka transport, with commits that never pass over unprocessed events or unsent
table writes.

Faust commits a consumer offset after `producer.flush()`. Table writes (changelog records) go
through the producer's buffer, whose flush gives up after 0.1 s without a send
(faust/transport/producer.py, ProducerBuffer.flush_atmost) and does not count the record being
handed to the client at that moment. An offset could thus be committed while the table writes
of the events before it were still unsent: a crash then loses them although the input is
consumed (tests/integration/test_transport.py shows it). `Producer` remembers every buffered
record and its flush waits for those buffered before it; a failed one stops the commit.
`Consumer` reads again the records Faust fetched but did not deliver (see its docstring).
Writes held back in memory (stream/cache.py) are handed to the producer first: a flush runs
the hooks registered with `before_every_flush`.

Broker URLs `kafka://` select `KafkaTransport` (service/stream/app.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

import structlog
from faust.exceptions import ProducerSendError
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, FutureMessage, Message
from mode import Service

log = structlog.get_logger(__name__)


# How long a produce request may wait for its response before the client sends it again.
# Faust's producer_request_timeout (20 min) is also the client's request timeout: one response
# the broker never sends would stall every produce, and with them the commits, for 20 min.
# Records still expire after producer_request_timeout (their send then fails the commit).
REQUEST_TIMEOUT_MS = 30_000  # the Java client's default request.timeout.ms
WAIT_REPORT_S = 5.0  # a commit still waiting for its table writes is reported this often
REREAD_PAUSE_S = 5.0  # a partition is sought back at most this often
STUCK_CHECK_S = 10.0  # how long a partition's commit may stand still before it is read again
GAP_READINGS = 3  # readings that must show the same gap before it is taken as not in the log


FlushHook = Callable[[], Awaitable[object]]
# The app attribute holding what must reach the producer before it flushes (on the app, not
# in a registry here: the hooks refer to the app's tables, and through them to the app).
_HOOKS = "_before_producer_flush"


def before_every_flush(app: Any, hook: FlushHook) -> None:
    """Run `hook` at the start of every flush of `app`'s producer: Faust flushes it before it
    commits offsets and before it gives partitions up, so whatever the hook sends is
    acknowledged before the offsets of the events that made it are committed."""
    hooks: list[FlushHook] = getattr(app, _HOOKS, [])
    setattr(app, _HOOKS, [*hooks, hook])


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
        """Hand over what the hooks hold back, return once every buffered record is
        acknowledged, then flush. A table write that failed stops the commit: the events
        behind it are processed again after a restart."""
        for hook in getattr(self.app, _HOOKS, ()):
            await hook()
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


class Consumer(faust_aiokafka.Consumer):
    """Records the client fetched but Faust did not deliver are read again, not skipped.

    Faust yields a fetched record only if its partition is still active when the record's turn
    comes (faust/transport/consumer.py, Consumer.getmany), although the client's position has
    moved past it. The next record of that partition then looks like a gap (as after log
    compaction) and Faust lets the commit pass over the missing offsets: those events are
    never processed. So a gap is first taken for records fetched and not delivered: the
    partition is sought back to the first of them (the events after it are processed again,
    which every agent tolerates). Only a gap still there after that is taken as missing from
    the log (retention, transaction markers; the service's own topics are neither compacted
    nor transactional), and committed over.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        self._rewind: dict[TP, int] = {}
        self._commit_seen: dict[TP, int] = {}
        self._read_again_at: dict[TP, float] = {}
        self._due: dict[TP, int] = {}  # the next offset to deliver, per partition
        # Per partition: the first record held back, and how many readings held it back.
        self._held_back: dict[TP, tuple[int, int]] = {}
        self._log_start: dict[TP, int] = {}  # partitions never committed: their first offset

    @Service.timer(STUCK_CHECK_S)
    async def _read_again_where_stuck(self) -> None:
        self.find_stuck_partitions()

    def find_stuck_partitions(self) -> None:
        """A partition whose commit has not moved for a whole interval although records past
        it were read and none is still being processed holds a record that was never
        delivered (also when no later record arrived to reveal it): read it again."""
        busy = {m.tp for m in list(self._unacked_messages)}
        for tp, committed in list(self._committed_offset.items()):
            read = self._read_offset.get(tp)
            stuck = (
                committed is not None
                and read is not None
                and read > committed
                and tp not in busy
                and not self._is_changelog_tp(tp)
                and self._commit_seen.get(tp) == committed
            )
            if committed is not None:
                self._commit_seen[tp] = committed
            if stuck:
                self._read_again(tp, committed, "stuck_partition_read_again")

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        # Faust's offset_from assumes the record at its read offset was delivered, but after a
        # seek that offset is only the next one to read: everything from the committed offset
        # on is read again (records processed since are processed twice, harmlessly).
        committed = self._committed_offset[tp]
        first = offset_from if committed is None else min(offset_from, committed)
        if first < offset_to and not self._known_missing(tp, first, offset_to):
            self._read_again(tp, first, "skipped_records_read_again")

    def _known_missing(self, tp: TP, first: int, end: int) -> bool:
        """Offsets first..end-1 were found missing from the log (see _missing_from_log)."""
        return any(gap.begin <= first and gap.end >= end for gap in self._gap[tp].at(first))

    def _new_offset(self, tp: TP) -> int | None:
        # Faust lets a commit start one past the committed offset (it takes that offset for
        # the last one processed); it is the next one to process. A record missing at the
        # head of the acknowledged ones was never delivered: no commit, read it again.
        acked, committed = self._acked[tp], self._committed_offset[tp]
        missing = acked and committed is not None and min(acked) > committed
        if missing and committed is not None and not self._is_changelog_tp(tp):
            if self._known_missing(tp, committed, min(acked)):
                return super()._new_offset(tp)  # Faust's gap bookkeeping commits over them
            self._read_again(tp, committed, "unacknowledged_record_read_again")
            return None
        return super()._new_offset(tp)

    def _read_again(self, tp: TP, offset: int, event: str) -> None:
        now = time.monotonic()
        if now - self._read_again_at.get(tp, float("-inf")) < REREAD_PAUSE_S:
            return  # the last rewind is still being read
        self._read_again_at[tp] = now
        _warn(event, tp, offset=offset)
        self._rewind[tp] = min(offset, self._rewind.get(tp, offset))

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        rewind, self._rewind = self._rewind, {}
        if rewind:
            # A partition revoked since it was marked is no longer ours to read again (seeking
            # it raises IllegalStateError and crashes the fetcher): its new owner starts from
            # the committed offset anyway.
            assigned = self.assignment()
            rewind = {tp: offset for tp, offset in rewind.items() if tp in assigned}
        if rewind:
            # On the client's own thread (Faust's seek() calls the client from this one).
            await self.seek_wait(rewind)
        async for tp, message in super().getmany(timeout):
            if not self._past_a_gap(tp, message.offset):
                yield tp, message

    def _past_a_gap(self, tp: TP, offset: int) -> bool:
        """A record after records never delivered is held back, and the partition is read again
        from the first of them: were it processed first, tables that skip inputs at or below
        the last offset they applied would take the skipped records, read again later, for
        replays and drop them. A gap still there after reading again is not in the log (records
        deleted by retention while the group was away, or an input written in transactions):
        it is reported, let through, and commits pass over it.

        Faust's read offset cannot tell: after a seek it is the next offset to read, after a
        delivery the last one read. The next offset due is therefore tracked here: one past
        the last record let through, or after a seek or rebalance the committed offset."""
        if self._is_changelog_tp(tp):
            return False
        due = self._due.get(tp, self._committed_offset.get(tp))
        if due is None or offset <= due or self._missing_from_log(tp, offset, due):
            self._due[tp] = max(offset + 1, due or 0)
            held = self._held_back.get(tp)
            if held is not None and offset >= held[0]:
                # The record held back went through: a gap held back later counts afresh.
                del self._held_back[tp]
            return False
        committed = self._committed_offset.get(tp)
        first = due if committed is None else min(due, committed)
        if tp not in self._rewind:
            _warn(
                "records_past_a_gap_held_back",
                tp,
                offset=offset,
                read_again_from=first,
            )
            held, times = self._held_back.get(tp, (offset, 0))
            self._held_back[tp] = (offset, times + 1 if held == offset else 1)
        self._rewind[tp] = min(first, self._rewind.get(tp, first))
        return True

    def _missing_from_log(self, tp: TP, offset: int, due: int) -> bool:
        """The same record held back by every reading of the partition, GAP_READINGS times:
        nothing lies between (a reading fetches them together, so a partition inactive for
        the records before it would have held it back too)."""
        if tp in self._rewind or self._held_back.get(tp) != (offset, GAP_READINGS):
            return False
        _warn("records_missing_from_log", tp, first_missing=due, present=offset)
        # Faust's own gap bookkeeping lets the commit pass over them; nothing reads them again.
        self._gap[tp].addi(due, offset)
        return True

    async def seek_wait(self, partitions: Mapping[TP, int]) -> None:
        await super().seek_wait(partitions)
        self._forget_due(partitions)

    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        self._forget_due([partition])

    async def seek_to_committed(self) -> Mapping[TP, int]:
        """Seek every partition to its committed offset, and one the group never committed to
        the start of its log.

        The client seeks only partitions whose committed offset is above 0 (aiokafka's
        seek_to_committed) and leaves the others where its fetches got to. Faust seeks back
        to the committed offsets after a rebalance to read again what it fetched and did not
        deliver (records of partitions not yet active, or of a batch cut short by the
        rebalance), so a partition without a commit kept its position past those records:
        they were never processed, and the commit then passed over them. Until its first
        commit, a partition's place to read again from is the start of its log (the reset
        policy is `earliest`), and it stands as the committed offset, so the checks above
        read again what goes missing there too."""
        committed = dict(await super().seek_to_committed())
        never = [TP(tp.topic, tp.partition) for tp, offset in committed.items() if not offset]
        never = [tp for tp in never if not self._is_changelog_tp(tp)]
        if never:
            found = await self.earliest_offsets(*never)
            starts = {TP(tp.topic, tp.partition): int(offset) for tp, offset in found.items()}
            await self.seek_wait(starts)
            self._log_start.update(starts)
            log.info(
                "uncommitted_partitions_read_from_start",
                partitions=sorted(f"{tp.topic}:{tp.partition}@{o}" for tp, o in starts.items()),
            )
        return committed

    async def perform_seek(self) -> None:
        self._log_start = {}
        await super().perform_seek()
        # Faust keeps no committed offset for these (nor for a commit of 0).
        self._committed_offset.update(self._log_start)
        self._forget_due(list(self._due))

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        self._forget_due(revoked)
        await super().on_partitions_revoked(revoked)

    async def on_partitions_assigned(self, assigned: set[TP], generation_id: int = 0) -> None:
        self._forget_due(assigned)
        await super().on_partitions_assigned(assigned, generation_id)

    def _forget_due(self, partitions: Iterable[TP]) -> None:
        for tp in partitions:
            self._due.pop(tp, None)


def _warn(event: str, tp: TP, **fields: object) -> None:
    log.warning(event, topic=tp.topic, partition=tp.partition, **fields)


class KafkaTransport(faust_aiokafka.Transport):
    Consumer = Consumer
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
