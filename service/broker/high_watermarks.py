"""Exact end offsets on Tansu, whose ListOffsets(latest) answers "base offset of the last record
batch + 1" instead of the high watermark.

The fix reads the tail instead of trusting the listing: fetch from the last batch's base offset
(listed - 1); every Fetch response carries the true high watermark. One implementation per client
library: kafka-python (the project's own tools) and aiokafka (inside Faust).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka import TopicPartition as AioTopicPartition
from kafka import KafkaConsumer, TopicPartition

FETCH_TIMEOUT_S = 10.0


def _settle(tail: dict[Any, int], exact: dict[Any, int], highwater: Callable[[Any], Any]) -> None:
    """Move every partition whose high watermark a fetch has reported from `tail` to `exact`."""
    for tp in list(tail):
        high = highwater(tp)
        if high is not None:
            exact[tp] = max(high, tail.pop(tp))


def _timed_out(tail: dict[Any, int]) -> TimeoutError:
    return TimeoutError(f"no fetch answered for {sorted(tail)} within {FETCH_TIMEOUT_S}s")


def corrected_end_offsets(consumer: KafkaConsumer, partitions: Sequence[TopicPartition]) -> dict:
    """End offsets through a kafka-python consumer without a group (its assignment is replaced)."""
    listed = consumer.end_offsets(list(partitions))
    tail = {tp: end for tp, end in listed.items() if end > 0}
    exact = dict(listed)
    if not tail:
        return exact
    consumer.assign(list(tail))
    for tp, end in tail.items():
        consumer.seek(tp, end - 1)
    deadline = time.monotonic() + FETCH_TIMEOUT_S
    while tail and time.monotonic() < deadline:
        consumer.poll(timeout_ms=200, max_records=1)
        _settle(tail, exact, consumer.highwater)
    if tail:
        raise _timed_out(tail)
    return exact


async def corrected_high_watermarks(
    bootstrap_servers: list[str],
    listed: Mapping[Any, int],
    client_options: Mapping[str, Any] | None = None,
) -> dict[Any, int]:
    """The same correction with aiokafka, for Faust's changelog recovery.

    client_options: extra AIOKafkaConsumer arguments, e.g. the worker's security settings.
    """
    # Keys may be Faust's TP: aiokafka wants its own TopicPartition, equal as a tuple.
    tail = {AioTopicPartition(*tp): end for tp, end in listed.items() if end > 0}
    exact: dict[Any, int] = dict(listed)
    if not tail:
        return exact
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        group_id=None,
        **(client_options or {}),
    )
    await consumer.start()
    try:
        consumer.assign(list(tail))
        for tp, end in tail.items():
            consumer.seek(tp, end - 1)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + FETCH_TIMEOUT_S
        while tail and loop.time() < deadline:
            await consumer.getmany(*tail, timeout_ms=200, max_records=1)
            _settle(tail, exact, consumer.highwater)
        if tail:
            raise _timed_out(tail)
        return exact
    finally:
        await consumer.stop()
