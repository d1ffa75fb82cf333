"""Consume the output topics, feed the writers, and commit offsets only after they flushed."""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from pathlib import Path

import structlog
from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError
from pydantic import BaseModel

from schemas.dead_letters import DeadLetter
from schemas.quotes import QuoteOccurrence
from schemas.topics import OUTPUT_TOPICS, TopicSpec
from service.kafka.config import kafka_python_config
from service.kafka.retry import call_with_retry
from service.settings import Settings
from service.sink.retry import flush_writers
from service.sink.writers import JsonlWriter, Record, SqliteWriter, Writer
from service.stream.codec import decode

log = structlog.get_logger(__name__)

DB_NAME = "liveblog.sqlite3"


def table_name(spec: TopicSpec) -> str:
    return spec.name.replace("-", "_")


def sink_group(settings: Settings) -> str:
    return f"{settings.app_id}-sink"


def db_path(settings: Settings) -> Path:
    return settings.out_dir / DB_NAME


def create_writers(settings: Settings) -> list[Writer]:
    """The JSONL writer first: it is flushed first, so the database only holds rows that are in
    the files too, and the JSONL writer asks it for the rows it no longer remembers."""
    models: dict[str, type[BaseModel]] = {table_name(s): s.model for s in OUTPUT_TOPICS}
    database = SqliteWriter(db_path(settings), models)
    return [JsonlWriter(settings.out_dir / "jsonl", database.stored_body), database]


def to_record(spec: TopicSpec, message: ConsumerRecord) -> Record:
    """The sink row for one output message (a bad one becomes a dead-letter row: kept, not lost)."""
    result = decode(
        spec.model,
        message.value,
        key=message.key,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        stage="sink",
    )
    if isinstance(result, DeadLetter) or spec.model is DeadLetter:
        assert isinstance(result, DeadLetter)
        row_id = f"{result.source_topic}:{result.partition}:{result.offset}"
        return Record(table_name(_dead_letter_spec()), row_id, result)
    return Record(table_name(spec), str(getattr(result, spec.key)), result, rank=row_rank(result))


def row_rank(model: BaseModel) -> str:
    """An occurrence can be published by every entry that carried its paragraph (a copy may
    be processed before its original); the earliest report is the row, in any arrival order."""
    if isinstance(model, QuoteOccurrence):
        return f"{model.event_time.timestamp():020.6f}|{model.entry_id}"
    return ""


def _dead_letter_spec() -> TopicSpec:
    return next(s for s in OUTPUT_TOPICS if s.model is DeadLetter)


class SinkRunner:
    def __init__(self, settings: Settings, writers: Sequence[Writer] | None = None) -> None:
        self.settings = settings
        self.writers = list(writers) if writers is not None else create_writers(settings)
        self.specs = {s.full_name(settings.topic_prefix): s for s in OUTPUT_TOPICS}
        self.stopping = threading.Event()

    def _consumer(self) -> KafkaConsumer:
        return KafkaConsumer(
            *self.specs,
            **kafka_python_config(self.settings),
            client_id="liveblog-sink",
            group_id=sink_group(self.settings),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=int(self.settings.session_timeout_s * 1000),
            heartbeat_interval_ms=int(self.settings.heartbeat_interval_s * 1000),
            max_poll_records=1_000,
            max_partition_fetch_bytes=self.settings.max_message_bytes,
        )

    def run(self) -> None:
        """Until stop() (or SIGTERM/SIGINT in the main thread)."""
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stop())
        consumer = call_with_retry(self.settings, "connecting the sink", self._consumer)
        log.info("sink_started", topics=sorted(self.specs), out_dir=str(self.settings.out_dir))
        try:
            while not self.stopping.is_set():
                batch = self._poll(consumer)
                count = 0
                for messages in batch.values():
                    for message in messages:
                        self._apply(message)
                        count += 1
                if count:
                    flush_writers(self.writers, self.settings.sink_retry_timeout_s)
                    self._commit(consumer)  # after the flush: a crash re-delivers, never skips
                    log.debug("sink_flushed", records=count)
        finally:
            for writer in self.writers:
                writer.close()  # drops what a failed flush left: it comes again from Kafka
            consumer.close()
            log.info("sink_stopped")

    def _poll(self, consumer: KafkaConsumer) -> dict:
        # kafka-python raises from poll() while the group coordinator cannot be reached.
        timeout_ms = int(self.settings.sink_flush_interval_s * 1000)
        return call_with_retry(
            self.settings, "polling the output topics", lambda: consumer.poll(timeout_ms=timeout_ms)
        )

    def _commit(self, consumer: KafkaConsumer) -> None:
        try:
            call_with_retry(self.settings, "committing sink offsets", consumer.commit)
        except CommitFailedError as exc:
            # The group rebalanced meanwhile (e.g. the broker was away longer than the session
            # timeout): the records come again and are upserted; nothing is lost or doubled.
            log.warning("sink_commit_failed", error=str(exc))

    def _apply(self, message: ConsumerRecord) -> None:
        spec = self.specs[message.topic]
        if message.value is None and message.key is not None and spec.model is not DeadLetter:
            row_id = message.key.decode("utf-8", errors="replace")
            for writer in self.writers:
                writer.remove(table_name(spec), row_id)
            return
        record = to_record(spec, message)
        for writer in self.writers:
            writer.add(record)

    def stop(self) -> None:
        self.stopping.set()
