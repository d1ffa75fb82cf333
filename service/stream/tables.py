"""The worker's tables. Each is written only by the agent whose stream is keyed like the table.

Values are JSON (schemas models dumped in JSON mode); every table is backed by a changelog topic,
so a restarted worker recovers it exactly. The tables rewritten by every event of their agent
coalesce their changelog records (service/stream/cache.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from heapq import heappop
from typing import Any

import faust
from faust.types import EventT
from kafka.admin import NewTopic
from mode.utils.times import want_seconds

from schemas.dedup import ProbeBatch
from service.core.claims import ClaimIndex
from service.settings import Settings
from service.stream.cache import CoalescingTable, WriteCache


@dataclass(frozen=True)
class Tables:
    pending_entries: faust.Table  # (entry_id, window) -> RawEntry awaiting its dedup answers
    # ("entry_id@shard", window) -> ProbeBatch; its ProbeTable (.table) holds the ClaimIndex
    shard_probes: faust.Table
    gathering: faust.Table  # (entry_id, window) -> what its answers said so far
    canonical_quotes: faust.Table  # quote_id -> {"row": CanonicalQuote, "offset", "first"}
    recorded_occurrences: faust.Table  # (occurrence_id, window) -> earliest report, input offset
    # Raw per-speaker rows, each under its own id; stored on the partition of the speaker's
    # route key (a person's surname group, service/core/registry.py), where they are written.
    speaker_tallies: faust.Table  # speaker_id -> {"row": SpeakerUpdate, "offset": int}
    counted_occurrences: faust.Table  # (occurrence_id, window) -> [event time, input offset]
    speaker_series: faust.Table  # speaker_id -> SpeakerSeries (hopping and tumbling windows)
    speaker_registry: faust.Table  # "surname:<key>" -> SpeakerRegistryRow (full names known)


class EventTimeTable(CoalescingTable):
    """A windowed table whose old windows expire by event time, not by the wall clock.

    Faust drops a window once its end is `expires` behind time.time(), so replaying last
    year's coverage would empty the dedup index at every cleanup. Here the clock is each
    partition's stream time: the end of the newest window written on it.
    """

    def apply_changelog_batch(self, batch: Iterable[EventT]) -> None:
        """Recovery: Faust restores every window of the changelog but schedules none of them
        for expiry (only a live write does), so a restarted worker would keep every window
        it ever wrote. Each restored window is scheduled here as a live write would be."""
        events = list(batch)
        super().apply_changelog_batch(events)
        for event in events:
            key = self._to_key(event.key)
            if event.message.value is not None:
                self._maybe_set_key_ttl(key, event.message.partition)
            self.on_restored(key, None if event.message.value is None else event.value)

    def on_restored(self, key: Any, value: Any) -> None:
        """A changelog record was applied on recovery (`value` None: a deletion)."""

    async def _del_old_keys(self) -> None:
        window = self.window
        if window is None:
            return
        for partition, ends in self._partition_timestamps.items():
            stream_time = self._partition_latest_timestamp[partition]
            while ends and window.stale(ends[0], stream_time):
                end = heappop(ends)
                for key in self._partition_timestamp_keys.pop((partition, end), ()):
                    self.data.pop(key, None)
                    self.forget_unwritten(key)
                    self.on_expired(key)

    def on_expired(self, key: Any) -> None:
        """A window of `key` left memory (no changelog record: it is simply forgotten)."""


class ProbeTable(EventTimeTable):
    """Each entry's probe batch per shard, and in process the ClaimIndex over them: who carried
    every signature key. The index follows the table through live writes, changelog recovery
    (a restarted or rebalanced worker rebuilds it) and window expiry."""

    _index: ClaimIndex | None = None

    @property
    def index(self) -> ClaimIndex:
        if self._index is None:
            self._index = ClaimIndex()
        return self._index

    def on_key_set(self, key: Any, value: Any) -> None:
        super().on_key_set(key, value)
        self.index.add(key, ProbeBatch.model_validate(value))

    def on_key_del(self, key: Any) -> None:
        super().on_key_del(key)
        self.index.remove(key)

    def on_restored(self, key: Any, value: Any) -> None:
        if value is None:
            self.index.remove(key)
        else:
            self.index.add(key, ProbeBatch.model_validate(value))

    def on_expired(self, key: Any) -> None:
        self.index.remove(key)


def create_tables(app: faust.App, settings: Settings, cache: WriteCache) -> Tables:
    """The tables; those rewritten by every event of their agent (a gathering per answer
    batch, a quote per occurrence, a speaker per mention) coalesce through `cache`. The others
    are written once per key, or read by another agent (pending-entries), and write through."""

    def table(name: str, default: type | None = None) -> faust.Table:
        return app.tables.add(
            CoalescingTable(
                app,
                name=name,
                default=default,
                beacon=app.tables.beacon,
                partitions=settings.partitions,
            )
        )

    def by_event_time(
        name: str, default: type, size_s: float, keep_s: float, kind: type = EventTimeTable
    ) -> faust.Table:
        # Tumbling windows of event time: whole windows expire, which bounds the state.
        base = kind(
            app,
            name=name,
            default=default,
            beacon=app.tables.beacon,
            partitions=settings.partitions,
        )
        return (
            app.tables.add(base)
            .tumbling(timedelta(seconds=size_s), expires=timedelta(seconds=keep_s))
            .relative_to_stream()
        )

    horizon = settings.dedup_horizon_s
    tables = Tables(
        # The dedup index: a lookup reads this window and the one before, so everything
        # within the horizon is found and nothing older than two horizons is kept.
        pending_entries=by_event_time("pending-entries", dict, horizon, 2 * horizon),
        shard_probes=by_event_time("shard-probes", dict, horizon, 2 * horizon, ProbeTable),
        gathering=by_event_time("gathering", dict, horizon, 2 * horizon),
        counted_occurrences=by_event_time("counted-occurrences", list, horizon, 2 * horizon),
        recorded_occurrences=by_event_time("recorded-occurrences", list, horizon, 2 * horizon),
        canonical_quotes=table("canonical-quotes"),
        speaker_tallies=table("speaker-tallies"),
        # Per-speaker windows are a plain table keyed by speaker: they hop, keep a grace period
        # and expire by each speaker's own stream time (service/core/windows.py), which a
        # partition-wide windowed table cannot express.
        speaker_series=table("speaker-series"),
        # The full names known per surname: grows with the people named, not with time.
        speaker_registry=table("speaker-registry"),
    )
    for rewritten in (
        tables.gathering.table,
        tables.canonical_quotes,
        tables.speaker_tallies,
        tables.speaker_series,
    ):
        cache.track(rewritten)
    for marks in (tables.recorded_occurrences, tables.counted_occurrences):
        cache.track(marks.table, marks=True)
    # Written after the raw rows it names, as the marks are (tally_speakers).
    cache.track(tables.speaker_registry, marks=True)
    return tables


def changelog_topics(app: faust.App, settings: Settings) -> list[NewTopic]:
    """Every table's changelog topic as Faust itself would create it: its name and partitions,
    the cleanup policy and retention of its table's kind, and the transport's extra configs
    (max.message.bytes, service/stream/transport.py).

    The worker creates them before Faust starts (service/stream/worker.py). Created by Faust
    while it starts, the newest of them can be missing from the metadata its partition
    assignor reads ("Ignoring missing topic"); every write to that table then fails with
    PartitionsMismatch ("the changelog topic has 0 partitions") until the metadata is next
    refreshed, minutes later.
    """
    topics = []
    for table in app.tables.values():
        topic = table.changelog_topic
        retention_ms = int(want_seconds(topic.retention) * 1000) if topic.retention else None
        config = app.transport._topic_config(retention_ms, topic.compacting, topic.deleting)
        config.update(topic.config or {})
        topics.append(
            NewTopic(
                topic.get_topic_name(),
                num_partitions=table.partitions or settings.partitions,
                replication_factor=settings.replication_factor,
                topic_configs={key: str(value) for key, value in config.items()},
            )
        )
    return topics
