"""The sink loses nothing when it is killed while writing or cannot write: offsets are committed
only after every writer flushed, so what was not written comes again from Kafka."""

from __future__ import annotations

import json
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.entries import EntryStatus, EntryVerdict, ParagraphVerdict
from schemas.topics import VERDICTS
from service.kafka.admin import ensure_topics
from service.kafka.lag import group_lag
from service.processes import Child, spawn, stop_child
from service.replay.producer import create_producer
from service.settings import Settings
from service.sink.runner import sink_group
from tests.integration.service_runs import rows, wait_until

pytestmark = pytest.mark.integration

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)


def verdicts(count: int, paragraphs: int) -> list[EntryVerdict]:
    return [
        EntryVerdict(
            entry_id=f"e{n:05}",
            document_id=f"d{n}",
            outlet="Example Times",
            event_time=T0 + timedelta(seconds=n),
            headline=f"Update {n}",
            status=EntryStatus.UNIQUE,
            paragraphs=[
                ParagraphVerdict(index=i, digest=f"{n:05}{i:027}") for i in range(paragraphs)
            ],
        )
        for n in range(count)
    ]


def publish_verdicts(settings: Settings, items: list[EntryVerdict]) -> None:
    topic = VERDICTS.full_name(settings.topic_prefix)
    producer = create_producer(settings)
    try:
        for item in items:
            producer.send(topic, key=item.entry_id.encode(), value=item.model_dump_json().encode())
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)


def jsonl_path(settings: Settings) -> Path:
    return settings.out_dir / "jsonl" / "entry_verdicts.jsonl"


def jsonl_lines(settings: Settings) -> list[str]:
    return jsonl_path(settings).read_text(encoding="utf-8").splitlines()


def jsonl_ids(settings: Settings) -> list[str]:
    return [json.loads(line)["id"] for line in jsonl_lines(settings)]  # every line whole


def sink_wrote_all(settings: Settings, ids: set[str]) -> bool:
    if {str(r["entry_id"]) for r in rows(settings, "entry_verdicts")} != ids:
        return False
    return set(jsonl_ids(settings)) == ids


def lag(settings: Settings) -> int | None:
    return group_lag(settings, sink_group(settings), [VERDICTS.full_name(settings.topic_prefix)])


def start_sink(settings: Settings) -> Child:
    ensure_topics(settings)
    return spawn("sink", ["sink"], settings)


def test_sink_killed_while_writing_restarts_and_loses_nothing(settings: Settings) -> None:
    items = verdicts(3000, paragraphs=60)  # about 5 kB a line: batches of megabytes
    ids = {v.entry_id for v in items}
    ensure_topics(settings)
    publish_verdicts(settings, items)
    sink = start_sink(settings)
    path = jsonl_path(settings)
    wait_until("the sink writing", lambda: path.exists() and path.stat().st_size > 0, [sink])

    os.kill(sink.proc.pid, signal.SIGKILL)
    sink.proc.wait(timeout=10)
    if path.read_bytes().endswith(b"\n"):
        # The kill fell between two writes: leave what one cut short leaves, the head of a line.
        with path.open("ab") as fh:
            fh.write(b'{"id":"e99999","record":{"schema_version":1,"entry_')
    restarted = start_sink(settings)
    try:
        wait_until("every row written", lambda: sink_wrote_all(settings, ids), [restarted])
        wait_until("offsets committed", lambda: lag(settings) == 0, [restarted])
    finally:
        stop_child(restarted)

    assert "jsonl_torn_tail_cut" in restarted.log_path.read_text()
    last_lines = {line["id"]: line["record"] for line in map(json.loads, jsonl_lines(settings))}
    assert last_lines == {r["entry_id"]: r for r in rows(settings, "entry_verdicts")}


def test_sink_that_cannot_write_stops_committing_nothing_and_a_restart_loses_nothing(
    settings: Settings,
) -> None:
    settings = settings.with_overrides(sink_retry_timeout_s=1.0)
    items = verdicts(50, paragraphs=2)
    ids = {v.entry_id for v in items}
    path = jsonl_path(settings)
    path.parent.mkdir(parents=True)
    path.symlink_to("/dev/full")  # every write fails with ENOSPC, as on a full disk
    sink = start_sink(settings)

    publish_verdicts(settings, items)
    wait_until(
        "the sink to give up",
        lambda: sink.proc.poll() is not None,
        [],
        timeout_s=120,
    )

    log_lines = sink.log_path.read_text().splitlines()
    assert sink.proc.returncode == 1
    assert log_lines[-1].startswith("error: the sink could not write its output for 1s")
    assert "No space left on device" in log_lines[-1]
    assert lag(settings) == len(items)  # nothing committed
    path.unlink()  # space freed
    restarted = start_sink(settings)
    try:
        wait_until("every row written", lambda: sink_wrote_all(settings, ids), [restarted])
    finally:
        stop_child(restarted)
