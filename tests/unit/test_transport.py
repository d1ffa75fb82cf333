"""The worker's Faust transport: commits wait for table writes, and records fetched but never
delivered are read again (service/stream/transport.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from faust.transport.consumer import ThreadDelegateConsumer
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from service.settings import Settings
from service.stream.app import create_app
from service.stream.transport import GAP_READINGS, KafkaTransport, Producer

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
    assert worker_consumer(app)._fetch_max_wait_ms == 1500  # Faust's own; Kafka answers on arrival


def test_faust_default_fetch_wait_is_what_the_workaround_replaces(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path))
    stock = worker_consumer(app, faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer)

    assert stock._fetch_max_wait_ms == 1500


def test_faust_commits_over_records_fetched_and_not_delivered(tmp_path: Path) -> None:
    """The flaw: after a gap, Faust's own consumer commits past offsets never processed."""
    app = create_app(settings(tmp_path))
    consumer = app.consumer
    tp = TP("t", 0)
    consumer._committed_offset[tp] = 12

    asyncio.run(faust_aiokafka.Consumer._add_gap(consumer, tp, 12, 15))
    consumer._acked[tp].append(15)

    assert faust_aiokafka.Consumer._new_offset(consumer, tp) == 16  # 12..14 never processed


def test_records_fetched_and_not_delivered_are_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings(tmp_path))
    consumer = app.consumer
    tp = TP("t", 0)
    consumer._committed_offset[tp] = 12
    sought: list[dict[TP, int]] = []

    async def seek_wait(partitions: dict[TP, int]) -> None:
        sought.append(dict(partitions))

    async def fetched(self: Any, timeout: float) -> AsyncIterator[Any]:
        for item in ():
            yield item

    monkeypatch.setattr(consumer, "seek_wait", seek_wait)
    monkeypatch.setattr(faust_aiokafka.Consumer, "getmany", fetched)
    monkeypatch.setattr(ThreadDelegateConsumer, "assignment", lambda self: {tp})

    async def scenario() -> None:
        await consumer._add_gap(tp, 13, 15)  # Faust: "12 was read" (after a seek it was not)
        consumer._acked[tp].append(15)
        assert consumer._new_offset(tp) is None  # no commit over 12..14
        async for _ in consumer.getmany(timeout=0.1):
            pass

    asyncio.run(scenario())

    assert sought == [{tp: 12}]
    assert consumer._rewind == {}


def test_a_partition_whose_commit_stands_still_is_read_again(tmp_path: Path) -> None:
    """Also when no later record reveals the one never delivered (no gap to see)."""
    app = create_app(settings(tmp_path))
    consumer = app.consumer
    tp = TP("t", 0)
    consumer._committed_offset[tp] = 12
    consumer._read_offset[tp] = 20
    consumer.find_stuck_partitions()  # first look: the commit may still be on its way
    assert consumer._rewind == {}
    consumer.find_stuck_partitions()  # a whole interval later, still at 12

    assert consumer._rewind == {tp: 12}


def test_a_partition_that_commits_is_left_alone(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path))
    consumer = app.consumer
    tp = TP("t", 0)
    consumer._read_offset[tp] = 20
    for committed in (12, 16, 21):
        consumer._committed_offset[tp] = committed
        consumer.find_stuck_partitions()

    assert consumer._rewind == {}


def test_a_record_missing_right_after_the_commit_is_not_committed_over(tmp_path: Path) -> None:
    """Offset 12 (the next to process) never acknowledged, 13 and 14 were: Faust would commit
    15, taking 12 for the last one processed."""
    app = create_app(settings(tmp_path))
    consumer = app.consumer
    tp = TP("t", 0)
    consumer._committed_offset[tp] = 12
    consumer._acked[tp].extend([13, 14])

    assert faust_aiokafka.Consumer._new_offset(consumer, tp) == 15  # the flaw
    consumer._acked[tp].extend([13, 14])
    assert consumer._new_offset(tp) is None
    assert consumer._rewind == {tp: 12}


class Record:
    def __init__(self, offset: int) -> None:
        self.offset = offset


def fetching(monkeypatch: pytest.MonkeyPatch, tp: TP, *batches: list[int]) -> None:
    """Faust's own getmany returns these offsets of `tp`, one batch per call."""
    queue = list(batches)

    async def fetched(self: Any, timeout: float) -> AsyncIterator[Any]:
        for offset in queue.pop(0) if queue else []:
            yield tp, Record(offset)

    monkeypatch.setattr(faust_aiokafka.Consumer, "getmany", fetched)
    monkeypatch.setattr(ThreadDelegateConsumer, "assignment", lambda self: {tp})


def delivered_offsets(
    consumer: Any, sought: list[dict[TP, int]], monkeypatch: pytest.MonkeyPatch
) -> list[int]:
    """One getmany, as Faust's drain loop runs it (the read offset follows each delivery)."""

    async def seek_wait(self: Any, partitions: dict[TP, int]) -> None:
        sought.append(dict(partitions))
        consumer._read_offset.update(partitions)  # as the client thread's seek does

    monkeypatch.setattr(ThreadDelegateConsumer, "seek_wait", seek_wait)

    async def drain() -> list[int]:
        out = []
        async for got_tp, record in consumer.getmany(timeout=0.1):
            consumer._read_offset[got_tp] = record.offset
            out.append(record.offset)
        return out

    return asyncio.run(drain())


def test_records_after_a_gap_wait_for_the_records_before_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """11 was the last delivered; 12 was fetched and never delivered: 13 and 14 must not be
    processed before it (a table's offset guard would then take 12 for a replay)."""
    consumer = create_app(settings(tmp_path)).consumer
    tp = TP("t", 0)
    consumer._committed_offset[tp] = 10
    consumer._read_offset[tp] = 11
    fetching(monkeypatch, tp, [13, 14], [10, 11, 12, 13, 14])
    sought: list[dict[TP, int]] = []

    assert delivered_offsets(consumer, sought, monkeypatch) == []
    assert delivered_offsets(consumer, sought, monkeypatch) == [10, 11, 12, 13, 14]
    assert sought == [{tp: 10}]  # from the committed offset: 10 and 11 await their commit


def test_contiguous_records_pass_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = create_app(settings(tmp_path)).consumer
    tp = TP("t", 0)
    consumer._committed_offset[tp] = 12
    consumer._read_offset[tp] = 11
    fetching(monkeypatch, tp, [12, 13, 14])
    sought: list[dict[TP, int]] = []

    assert delivered_offsets(consumer, sought, monkeypatch) == [12, 13, 14]
    assert sought == []


def test_a_gap_still_there_after_reading_again_is_let_through_and_committed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records gone from the log (retention) must not hold the partition back for ever."""
    consumer = create_app(settings(tmp_path)).consumer
    tp = TP("t", 0)
    consumer._committed_offset[tp] = 12
    consumer._read_offset[tp] = 11
    fetching(monkeypatch, tp, *[[20, 21]] * (GAP_READINGS + 1))
    sought: list[dict[TP, int]] = []

    for _ in range(GAP_READINGS):
        assert delivered_offsets(consumer, sought, monkeypatch) == []
    assert delivered_offsets(consumer, sought, monkeypatch) == [20, 21]
    assert sought == [{tp: 12}] * GAP_READINGS

    async def faust_sees_the_gap() -> None:  # as its drain loop does, then acks both
        await consumer._add_gap(tp, 13, 20)

    asyncio.run(faust_sees_the_gap())
    consumer._acked[tp].extend([20, 21])

    assert consumer._rewind == {}  # not read again
    assert consumer._new_offset(tp) == 22


def test_a_record_missing_right_after_a_seek_holds_back_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a seek Faust's read offset is the next one to read (12), so 13 looks like no gap
    to it: the next offset due, the committed one, tells."""
    consumer = create_app(settings(tmp_path)).consumer
    tp = TP("t", 0)
    consumer._committed_offset[tp] = 12
    consumer._read_offset[tp] = 12
    fetching(monkeypatch, tp, [13, 14], [12, 13, 14], [16])
    sought: list[dict[TP, int]] = []

    assert delivered_offsets(consumer, sought, monkeypatch) == []
    assert delivered_offsets(consumer, sought, monkeypatch) == [12, 13, 14]
    assert delivered_offsets(consumer, sought, monkeypatch) == []  # 15 is due
    assert sought == [{tp: 12}]
    assert consumer._rewind == {tp: 12}  # committed (12): 12..14 await their commit


def test_a_gap_filled_by_reading_again_does_not_count_towards_a_later_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 was held back once and then went through: held back again after a rebalance, it
    needs every reading again before it may be taken as missing from the log."""
    consumer = create_app(settings(tmp_path)).consumer
    tp = TP("t", 0)
    consumer._committed_offset[tp] = 19
    consumer._read_offset[tp] = 18
    fetching(monkeypatch, tp, [20], [19, 20], *[[20]] * GAP_READINGS)
    sought: list[dict[TP, int]] = []

    assert delivered_offsets(consumer, sought, monkeypatch) == []
    assert delivered_offsets(consumer, sought, monkeypatch) == [19, 20]
    consumer._forget_due([tp])  # a rebalance: 19 is due again
    for _ in range(GAP_READINGS):
        assert delivered_offsets(consumer, sought, monkeypatch) == []


def test_a_partition_revoked_before_its_read_again_is_not_sought(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Marked to be read again, then revoked by a rebalance: seeking it would raise
    IllegalStateError ("No current assignment") and crash the fetcher."""
    consumer = create_app(settings(tmp_path)).consumer
    kept, revoked = TP("t", 0), TP("t", 1)
    consumer._rewind = {kept: 3, revoked: 0}
    fetching(monkeypatch, kept, [])
    monkeypatch.setattr(ThreadDelegateConsumer, "assignment", lambda self: {kept})
    sought: list[dict[TP, int]] = []

    delivered_offsets(consumer, sought, monkeypatch)

    assert sought == [{kept: 3}]
