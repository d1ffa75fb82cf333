"""service.sink.writers: JSON Lines and SQLite sinks, idempotent by (table, id)."""

from __future__ import annotations

import errno
import json
import resource
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from schemas.entries import EntryStatus, EntryVerdict, ParagraphVerdict
from schemas.quotes import QuoteKind, QuoteOccurrence
from service.settings import Settings
from service.sink.runner import create_writers
from service.sink.writers import (
    TAIL_BLOCK_BYTES,
    JsonlWriter,
    Record,
    SqliteWriter,
    cut_torn_tail,
    read_rows,
    read_view,
)

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)
TABLE = "entry_verdicts"


def verdict(entry_id: str = "e1", status: EntryStatus = EntryStatus.UNIQUE) -> EntryVerdict:
    return EntryVerdict(
        entry_id=entry_id,
        document_id="doc",
        outlet="Example Times",
        event_time=T0,
        headline="Talks end",
        status=status,
        canonical_id=None if status is EntryStatus.UNIQUE else "e0",
        similarity=None if status is EntryStatus.UNIQUE else 0.9,
        paragraphs=[ParagraphVerdict(index=0, digest="abc")],
    )


def record(entry_id: str = "e1", status: EntryStatus = EntryStatus.UNIQUE) -> Record:
    return Record(TABLE, entry_id, verdict(entry_id, status))


def jsonl_lines(directory: Path) -> list[dict[str, object]]:
    path = directory / f"{TABLE}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def no_database(table: str, row_id: str) -> str | None:
    """A JSONL writer's StoredBody when there is no database: it holds no row."""
    return None


class Sink:
    """The sink's writers wired as the runner wires them (create_writers): JSONL files in
    `<out_dir>/jsonl`, the database beside them; add, remove and flush go to both, in order."""

    def __init__(self, out_dir: Path) -> None:
        self.writers = create_writers(Settings(out_dir=out_dir))

    def add(self, record: Record) -> None:
        for writer in self.writers:
            writer.add(record)

    def remove(self, table: str, row_id: str) -> None:
        for writer in self.writers:
            writer.remove(table, row_id)

    def flush(self) -> None:
        for writer in self.writers:
            writer.flush()

    def close(self) -> None:
        for writer in self.writers:
            writer.close()


def sqlite_writer(tmp_path: Path) -> SqliteWriter:
    return SqliteWriter(tmp_path / "sink" / "liveblog.sqlite3", {TABLE: EntryVerdict})


def view_columns(path: Path) -> set[str]:
    return {str(row[1]) for row in query(path, f"PRAGMA table_info({TABLE}_v)")}


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


# --- SqliteWriter ---------------------------------------------------------------------------


def test_sqlite_same_id_twice_is_one_row_with_the_latest_content(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)

    writer.add(record("e1", EntryStatus.UNIQUE))
    writer.add(record("e1", EntryStatus.DUPLICATE))
    writer.flush()
    writer.close()

    rows = list(read_rows(writer.path, TABLE))
    assert len(rows) == 1
    assert rows[0]["status"] == "duplicate"


def test_sqlite_re_adding_identical_content_changes_nothing(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1"))
    writer.flush()
    before = writer.db.total_changes

    writer.add(record("e1"))
    writer.flush()

    assert writer.db.total_changes == before
    writer.flush()
    writer.close()
    assert len(list(read_rows(writer.path, TABLE))) == 1


def test_sqlite_remove_deletes_the_row(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1"))
    writer.add(record("e2"))

    writer.remove(TABLE, "e1")
    writer.flush()
    writer.close()

    assert [r["entry_id"] for r in read_rows(writer.path, TABLE)] == ["e2"]


def test_sqlite_removing_an_unknown_row_is_harmless(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)

    writer.remove(TABLE, "never-added")
    writer.flush()
    writer.close()

    assert list(read_rows(writer.path, TABLE)) == []


def test_sqlite_view_exposes_scalar_fields_as_columns(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1", EntryStatus.UNIQUE))
    writer.add(record("e2", EntryStatus.NEAR_DUPLICATE))
    writer.flush()
    writer.close()

    rows = query(writer.path, f"SELECT id, entry_id, status, outlet, headline FROM {TABLE}_v")

    assert sorted(rows) == [
        ("e1", "e1", "unique", "Example Times", "Talks end"),
        ("e2", "e2", "near_duplicate", "Example Times", "Talks end"),
    ]


def test_sqlite_view_columns_can_be_filtered_in_plain_sql(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1", EntryStatus.UNIQUE))
    writer.add(record("e2", EntryStatus.NEAR_DUPLICATE))
    writer.flush()
    writer.close()

    rows = query(writer.path, f"SELECT id FROM {TABLE}_v WHERE status = 'near_duplicate'")

    assert rows == [("e2",)]


def test_sqlite_view_has_no_column_for_list_fields(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.flush()
    writer.close()

    columns = view_columns(writer.path)

    assert {"id", "entry_id", "status", "outlet"} <= columns
    assert "paragraphs" not in columns


def test_sqlite_view_has_columns_for_optional_constrained_fields(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1", EntryStatus.UNIQUE))
    writer.add(record("e2", EntryStatus.NEAR_DUPLICATE))
    writer.flush()
    writer.close()

    rows = query(writer.path, f"SELECT id, canonical_id, similarity FROM {TABLE}_v ORDER BY id")

    assert rows == [("e1", None, None), ("e2", "e0", 0.9)]


def test_sqlite_view_has_a_column_for_the_event_time(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1"))
    writer.flush()
    writer.close()

    rows = query(writer.path, f"SELECT event_time FROM {TABLE}_v")

    assert rows == [("2025-03-13T12:00:00Z",)]


def test_sqlite_rows_survive_reopening_the_database(tmp_path: Path) -> None:
    first = sqlite_writer(tmp_path)
    first.add(record("e1"))
    first.flush()
    first.close()

    second = sqlite_writer(tmp_path)
    second.add(record("e2"))
    second.flush()
    second.close()

    assert [r["entry_id"] for r in read_rows(second.path, TABLE)] == ["e1", "e2"]


def test_sqlite_unflushed_rows_are_not_visible_to_readers(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1"))

    rows = list(read_rows(writer.path, TABLE))

    assert rows == []
    writer.close()


def test_read_rows_returns_the_records_as_dicts(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1"))
    writer.flush()
    writer.close()

    (row,) = read_rows(writer.path, TABLE)

    assert isinstance(row, dict)
    assert EntryVerdict.model_validate(row) == verdict("e1")


# --- JsonlWriter ----------------------------------------------------------------------------


def test_jsonl_writes_one_line_per_distinct_version(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path, no_database)

    writer.add(record("e1", EntryStatus.UNIQUE))
    writer.add(record("e1", EntryStatus.DUPLICATE))
    writer.add(record("e2"))
    writer.flush()

    lines = jsonl_lines(tmp_path)
    assert [(line["id"], line["record"]["status"]) for line in lines] == [
        ("e1", "unique"),
        ("e1", "duplicate"),
        ("e2", "unique"),
    ]


def test_jsonl_line_holds_the_whole_record(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path, no_database)

    writer.add(record("e1"))
    writer.flush()
    writer.close()

    (line,) = jsonl_lines(tmp_path)
    assert EntryVerdict.model_validate(line["record"]) == verdict("e1")


def test_jsonl_identical_re_add_writes_nothing(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path, no_database)
    writer.add(record("e1"))
    writer.flush()

    writer.add(record("e1"))
    writer.flush()

    assert len(jsonl_lines(tmp_path)) == 1


def test_jsonl_nothing_is_written_before_flush(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path, no_database)

    writer.add(record("e1"))

    assert jsonl_lines(tmp_path) == []


def test_jsonl_restart_does_not_rewrite_versions_already_written(tmp_path: Path) -> None:
    first = Sink(tmp_path)
    first.add(record("e1"))
    first.add(record("e2", EntryStatus.DUPLICATE))
    first.flush()
    first.close()

    restarted = Sink(tmp_path)
    restarted.add(record("e1"))
    restarted.add(record("e2", EntryStatus.DUPLICATE))
    restarted.flush()
    restarted.close()

    assert len(jsonl_lines(tmp_path / "jsonl")) == 2


def test_jsonl_restart_still_writes_a_changed_version(tmp_path: Path) -> None:
    first = Sink(tmp_path)
    first.add(record("e1", EntryStatus.UNIQUE))
    first.flush()
    first.close()

    restarted = Sink(tmp_path)
    restarted.add(record("e1", EntryStatus.DUPLICATE))
    restarted.flush()
    restarted.close()

    assert [line["record"]["status"] for line in jsonl_lines(tmp_path / "jsonl")] == [
        "unique",
        "duplicate",
    ]


def test_jsonl_remove_writes_a_null_record_line(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path, no_database)
    writer.add(record("e1"))

    writer.remove(TABLE, "e1")
    writer.flush()

    assert jsonl_lines(tmp_path)[-1] == {"id": "e1", "record": None}


def test_jsonl_removing_an_unknown_row_writes_nothing(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path, no_database)

    writer.remove(TABLE, "never-added")
    writer.flush()

    assert jsonl_lines(tmp_path) == []


def test_jsonl_re_add_after_remove_writes_again(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path, no_database)
    writer.add(record("e1"))
    writer.remove(TABLE, "e1")

    writer.add(record("e1"))
    writer.flush()

    assert [line["record"] is None for line in jsonl_lines(tmp_path)] == [False, True, False]


def test_jsonl_re_add_after_remove_writes_again_across_a_restart(tmp_path: Path) -> None:
    first = Sink(tmp_path)
    first.add(record("e1"))
    first.remove(TABLE, "e1")
    first.flush()
    first.close()

    restarted = Sink(tmp_path)
    restarted.add(record("e1"))
    restarted.flush()
    restarted.close()

    assert len(jsonl_lines(tmp_path / "jsonl")) == 3


def test_jsonl_keeps_one_file_per_table(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path, no_database)

    writer.add(record("e1"))
    writer.add(Record("other_table", "e1", verdict("e1")))
    writer.flush()
    writer.close()

    assert sorted(p.name for p in tmp_path.glob("*.jsonl")) == [
        "entry_verdicts.jsonl",
        "other_table.jsonl",
    ]


def test_jsonl_non_ascii_text_round_trips_across_a_restart(tmp_path: Path) -> None:
    quoted = verdict("e1").model_copy(update={"headline": "Zelensky: “not one step back” — Kyiv"})
    first = Sink(tmp_path)
    first.add(Record(TABLE, "e1", quoted))
    first.flush()
    first.close()

    restarted = Sink(tmp_path)
    restarted.add(Record(TABLE, "e1", quoted))
    restarted.flush()
    restarted.close()

    lines = jsonl_lines(tmp_path / "jsonl")
    assert len(lines) == 1
    assert lines[0]["record"]["headline"] == quoted.headline


def test_sqlite_lowest_rank_wins_whatever_the_arrival_order(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    later = Record("entry_verdicts", "e1", verdict(status=EntryStatus.DUPLICATE), rank="2025|b")
    earlier = Record("entry_verdicts", "e1", verdict(status=EntryStatus.UNIQUE), rank="2025|a")

    writer.add(later)
    writer.add(earlier)
    writer.add(later)
    writer.flush()

    [row] = read_rows(writer.path, "entry_verdicts")
    assert row["status"] == "unique"


def quote_row(occurrence_id: str, entry_id: str, quote_id: str) -> Record:
    occ = QuoteOccurrence(
        occurrence_id=occurrence_id,
        quote_id=quote_id,
        entry_id=entry_id,
        document_id="d",
        outlet="Wire",
        event_time=datetime(2025, 3, 13, tzinfo=UTC),
        text="We are ready.",
        start=0,
        end=13,
        kind=QuoteKind.FULL,
    )
    return Record("quotes", occurrence_id, occ)


def test_entry_relations_view_pairs_entries_that_reported_the_same_quote(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer = SqliteWriter(path, {"quotes": QuoteOccurrence})
    for row in (
        quote_row("o:1", "a", "q:1"),
        quote_row("o:2", "b", "q:1"),
        quote_row("o:3", "b", "q:2"),
        quote_row("o:4", "a", "q:2"),
        quote_row("o:5", "c", "q:3"),
    ):
        writer.add(row)
    writer.flush()
    writer.close()

    relations = list(read_view(path, "entry_relations_v"))

    assert relations == [
        {
            "entry_id": "a",
            "related_entry_id": "b",
            "shared_quotes": 2,
            "quote_ids": relations[0]["quote_ids"],
        }
    ]
    assert sorted(json.loads(str(relations[0]["quote_ids"]))) == ["q:1", "q:2"]


# --- A crash mid-write, a failed write, bounded memory ----------------------------------------


def test_jsonl_start_cuts_a_torn_last_line_and_logs_it(tmp_path: Path) -> None:
    first = Sink(tmp_path)
    first.add(record("e1"))
    first.flush()
    first.close()
    path = tmp_path / "jsonl" / f"{TABLE}.jsonl"
    whole = path.read_bytes()
    torn = f'{{"id":"e2","record":{verdict("e2").model_dump_json()}}}'.encode()[:40]
    path.write_bytes(whole + torn)  # what a crash in the middle of appending e2 leaves

    with capture_logs() as logs:
        restarted = Sink(tmp_path)

    assert path.read_bytes() == whole
    assert {"event": "jsonl_torn_tail_cut", "path": str(path), "bytes_cut": len(torn)} in [
        {k: v for k, v in entry.items() if k in ("event", "path", "bytes_cut")} for entry in logs
    ]
    restarted.add(record("e1"))
    restarted.add(record("e2"))  # e2 comes again from Kafka: its offset was never committed
    restarted.flush()
    restarted.close()
    assert [line["id"] for line in jsonl_lines(tmp_path / "jsonl")] == ["e1", "e2"]


def test_cut_torn_tail_leaves_a_file_of_whole_lines_alone(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"a":1}\n{"b":2}\n')

    cut = cut_torn_tail(path)

    assert (cut, path.read_bytes()) == (0, b'{"a":1}\n{"b":2}\n')


def test_cut_torn_tail_empties_a_file_of_one_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"a":')

    cut = cut_torn_tail(path)

    assert (cut, path.read_bytes()) == (5, b"")


def test_cut_torn_tail_finds_the_last_line_end_before_a_long_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    torn = b'{"text":"' + b"x" * (3 * TAIL_BLOCK_BYTES)
    path.write_bytes(b'{"a":1}\n' + torn)

    cut = cut_torn_tail(path)

    assert (cut, path.read_bytes()) == (len(torn), b'{"a":1}\n')


def test_jsonl_close_after_a_failed_flush_appends_no_line_twice(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path, no_database)
    writer.add(record("e1"))
    writer.add(Record("zz_table", "e1", verdict("e1")))
    (tmp_path / "zz_table.jsonl").mkdir()  # the second file cannot be written
    with pytest.raises(IsADirectoryError):
        writer.flush()

    writer.close()

    assert [line["id"] for line in jsonl_lines(tmp_path)] == ["e1"]


def test_jsonl_flush_retried_after_a_failure_writes_each_line_once(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path, no_database)
    writer.add(record("e1"))
    writer.add(Record("zz_table", "e1", verdict("e1")))
    (tmp_path / "zz_table.jsonl").mkdir()
    with pytest.raises(IsADirectoryError):
        writer.flush()
    (tmp_path / "zz_table.jsonl").rmdir()

    writer.flush()

    assert [line["id"] for line in jsonl_lines(tmp_path)] == ["e1"]
    assert (tmp_path / "zz_table.jsonl").read_text(encoding="utf-8").count("\n") == 1


def test_jsonl_write_cut_short_by_the_file_size_limit_leaves_the_file_as_it_was(
    tmp_path: Path,
) -> None:
    writer = JsonlWriter(tmp_path, no_database)
    writer.add(record("e1"))
    writer.flush()
    path = tmp_path / f"{TABLE}.jsonl"
    before = path.read_bytes()
    writer.add(record("e2"))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # The kernel writes up to the limit, then refuses (EFBIG; Python ignores SIGXFSZ).
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) + 10, hard))
    try:
        with pytest.raises(OSError) as failed:
            writer.flush()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

    assert failed.value.errno == errno.EFBIG
    assert path.read_bytes() == before


def test_jsonl_memory_of_written_rows_is_bounded(tmp_path: Path) -> None:
    database = sqlite_writer(tmp_path)
    writer = JsonlWriter(tmp_path / "jsonl", database.stored_body, remember=10)
    records = [record(f"e{n:02}") for n in range(50)]
    for writer_ in (writer, database):
        for r in records:
            writer_.add(r)
        writer_.flush()

    remembered = writer.remembered_rows

    assert remembered == 10
    database.close()


def test_jsonl_rows_it_no_longer_remembers_are_looked_up_in_the_database(tmp_path: Path) -> None:
    database = sqlite_writer(tmp_path)
    writer = JsonlWriter(tmp_path / "jsonl", database.stored_body, remember=10)
    records = [record(f"e{n:02}") for n in range(50)]
    for writer_ in (writer, database):
        for r in records:
            writer_.add(r)
        writer_.flush()

    for r in [*records, record("e00", EntryStatus.DUPLICATE)]:
        writer.add(r)
    writer.remove(TABLE, "e01")
    writer.flush()

    lines = jsonl_lines(tmp_path / "jsonl")
    assert len(lines) == 52
    assert lines[-2:] == [
        {
            "id": "e00",
            "record": json.loads(verdict("e00", EntryStatus.DUPLICATE).model_dump_json()),
        },
        {"id": "e01", "record": None},
    ]
    database.close()


def test_sqlite_a_reader_in_a_transaction_does_not_block_a_flush(tmp_path: Path) -> None:
    writer = SqliteWriter(tmp_path / "liveblog.sqlite3", {TABLE: EntryVerdict}, busy_timeout_s=0)
    reader = sqlite3.connect(writer.path)
    reader.execute("BEGIN")
    reader.execute(f"SELECT count(*) FROM {TABLE}").fetchall()  # holds its snapshot

    writer.add(record("e1"))
    writer.flush()

    assert reader.execute(f"SELECT count(*) FROM {TABLE}").fetchall() == [(0,)]
    reader.close()
    writer.close()
    assert [r["entry_id"] for r in read_rows(writer.path, TABLE)] == ["e1"]


def test_sqlite_failed_flush_keeps_the_batch_for_a_retry(tmp_path: Path) -> None:
    writer = SqliteWriter(tmp_path / "liveblog.sqlite3", {TABLE: EntryVerdict}, busy_timeout_s=0)
    blocker = sqlite3.connect(writer.path)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    writer.add(record("e1"))
    writer.add(record("e2"))
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        writer.flush()
    blocker.rollback()
    blocker.close()

    writer.flush()

    writer.close()
    assert [r["entry_id"] for r in read_rows(writer.path, TABLE)] == ["e1", "e2"]
