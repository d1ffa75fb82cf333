"""service.sink.retry: a locked database and a full disk are waited out; the rest stops the sink
with one line."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from schemas.entries import EntryVerdict
from service.sink import retry
from service.sink.retry import SinkWriteFailed, flush_writers
from service.sink.writers import JsonlWriter, SqliteWriter
from tests.unit.test_writers import TABLE, jsonl_lines, no_database, record


def between_attempts(monkeypatch: pytest.MonkeyPatch, act: Callable[[], None]) -> list[float]:
    """Run `act` instead of each backoff wait; returns the waits asked for."""
    waits: list[float] = []

    def pause(seconds: float) -> None:
        waits.append(seconds)
        act()

    monkeypatch.setattr(retry, "pause", pause)
    return waits


def database(tmp_path: Path) -> SqliteWriter:
    # No busy wait inside SQLite: each attempt fails at once while the lock is held.
    return SqliteWriter(tmp_path / "liveblog.sqlite3", {TABLE: EntryVerdict}, busy_timeout_s=0)


def test_a_locked_database_is_retried_until_the_lock_is_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = database(tmp_path)
    blocker = sqlite3.connect(writer.path)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    waits = between_attempts(monkeypatch, blocker.rollback)
    writer.add(record("e1"))

    with capture_logs() as logs:
        flush_writers([writer], timeout_s=60)

    assert len(waits) == 1
    [retried] = [e for e in logs if e["event"] == "sink_write_retrying"]
    assert "database is locked" in retried["error"]
    assert writer.stored_body(TABLE, "e1") is not None
    blocker.close()
    writer.close()


def test_a_full_database_is_retried_until_there_is_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = database(tmp_path)
    pages = writer.db.execute("PRAGMA page_count").fetchone()[0]
    writer.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL, as on a full disk
    between_attempts(monkeypatch, lambda: writer.db.execute("PRAGMA max_page_count = 100000"))
    for n in range(200):
        writer.add(record(f"e{n}"))

    with capture_logs() as logs:
        flush_writers([writer], timeout_s=60)

    assert any("disk is full" in e.get("error", "") for e in logs)
    assert writer.db.execute(f"SELECT count(*) FROM {TABLE}").fetchone() == (200,)
    writer.close()


def test_a_full_disk_is_retried_until_space_is_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"{TABLE}.jsonl"
    path.symlink_to("/dev/full")  # every write fails with ENOSPC

    def free_space() -> None:
        path.unlink()
        path.touch()

    waits = between_attempts(monkeypatch, free_space)
    writer = JsonlWriter(tmp_path, no_database)
    writer.add(record("e1"))

    flush_writers([writer], timeout_s=60)

    assert len(waits) == 1
    assert [line["id"] for line in jsonl_lines(tmp_path)] == ["e1"]


def test_a_disk_that_stays_full_stops_the_sink_with_one_line(tmp_path: Path) -> None:
    (tmp_path / f"{TABLE}.jsonl").symlink_to("/dev/full")
    writer = JsonlWriter(tmp_path, no_database)
    writer.add(record("e1"))

    with pytest.raises(SinkWriteFailed) as failed:
        flush_writers([writer], timeout_s=0)

    message = str(failed.value)
    assert "\n" not in message
    assert os.strerror(28) in message  # ENOSPC: No space left on device
    assert "a restart after the fix loses nothing" in message


def test_an_error_waiting_cannot_cure_stops_the_sink_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = between_attempts(monkeypatch, lambda: None)
    writer = JsonlWriter(tmp_path, no_database)
    writer.add(record("e1"))
    (tmp_path / f"{TABLE}.jsonl").mkdir()

    with pytest.raises(SinkWriteFailed, match="IsADirectoryError"):
        flush_writers([writer], timeout_s=60)

    assert waits == []
