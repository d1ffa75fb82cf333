"""service.sink.writers: JSON Lines and SQLite sinks, idempotent by (table, id)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from schemas.entries import EntryStatus, EntryVerdict, ParagraphVerdict
from schemas.quotes import QuoteKind, QuoteOccurrence
from service.sink.writers import JsonlWriter, Record, SqliteWriter, read_rows, read_view

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
    writer.close()
    assert len(list(read_rows(writer.path, TABLE))) == 1


def test_sqlite_remove_deletes_the_row(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1"))
    writer.add(record("e2"))

    writer.remove(TABLE, "e1")
    writer.close()

    assert [r["entry_id"] for r in read_rows(writer.path, TABLE)] == ["e2"]


def test_sqlite_removing_an_unknown_row_is_harmless(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)

    writer.remove(TABLE, "never-added")
    writer.close()

    assert list(read_rows(writer.path, TABLE)) == []


def test_sqlite_view_exposes_scalar_fields_as_columns(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1", EntryStatus.UNIQUE))
    writer.add(record("e2", EntryStatus.NEAR_DUPLICATE))
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
    writer.close()

    rows = query(writer.path, f"SELECT id FROM {TABLE}_v WHERE status = 'near_duplicate'")

    assert rows == [("e2",)]


def test_sqlite_view_has_no_column_for_list_fields(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.close()

    columns = view_columns(writer.path)

    assert {"id", "entry_id", "status", "outlet"} <= columns
    assert "paragraphs" not in columns


def test_sqlite_view_has_columns_for_optional_constrained_fields(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1", EntryStatus.UNIQUE))
    writer.add(record("e2", EntryStatus.NEAR_DUPLICATE))
    writer.close()

    rows = query(writer.path, f"SELECT id, canonical_id, similarity FROM {TABLE}_v ORDER BY id")

    assert rows == [("e1", None, None), ("e2", "e0", 0.9)]


def test_sqlite_view_has_a_column_for_the_event_time(tmp_path: Path) -> None:
    writer = sqlite_writer(tmp_path)
    writer.add(record("e1"))
    writer.close()

    rows = query(writer.path, f"SELECT event_time FROM {TABLE}_v")

    assert rows == [("2025-03-13T12:00:00Z",)]


def test_sqlite_rows_survive_reopening_the_database(tmp_path: Path) -> None:
    first = sqlite_writer(tmp_path)
    first.add(record("e1"))
    first.close()

    second = sqlite_writer(tmp_path)
    second.add(record("e2"))
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
    writer.close()

    (row,) = read_rows(writer.path, TABLE)

    assert isinstance(row, dict)
    assert EntryVerdict.model_validate(row) == verdict("e1")


# --- JsonlWriter ----------------------------------------------------------------------------


def test_jsonl_writes_one_line_per_distinct_version(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path)

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
    writer = JsonlWriter(tmp_path)

    writer.add(record("e1"))
    writer.close()

    (line,) = jsonl_lines(tmp_path)
    assert EntryVerdict.model_validate(line["record"]) == verdict("e1")


def test_jsonl_identical_re_add_writes_nothing(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path)
    writer.add(record("e1"))
    writer.flush()

    writer.add(record("e1"))
    writer.flush()

    assert len(jsonl_lines(tmp_path)) == 1


def test_jsonl_nothing_is_written_before_flush(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path)

    writer.add(record("e1"))

    assert jsonl_lines(tmp_path) == []


def test_jsonl_restart_does_not_rewrite_versions_already_written(tmp_path: Path) -> None:
    first = JsonlWriter(tmp_path)
    first.add(record("e1"))
    first.add(record("e2", EntryStatus.DUPLICATE))
    first.close()

    restarted = JsonlWriter(tmp_path)
    restarted.add(record("e1"))
    restarted.add(record("e2", EntryStatus.DUPLICATE))
    restarted.close()

    assert len(jsonl_lines(tmp_path)) == 2


def test_jsonl_restart_still_writes_a_changed_version(tmp_path: Path) -> None:
    first = JsonlWriter(tmp_path)
    first.add(record("e1", EntryStatus.UNIQUE))
    first.close()

    restarted = JsonlWriter(tmp_path)
    restarted.add(record("e1", EntryStatus.DUPLICATE))
    restarted.close()

    assert [line["record"]["status"] for line in jsonl_lines(tmp_path)] == [
        "unique",
        "duplicate",
    ]


def test_jsonl_remove_writes_a_null_record_line(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path)
    writer.add(record("e1"))

    writer.remove(TABLE, "e1")
    writer.flush()

    assert jsonl_lines(tmp_path)[-1] == {"id": "e1", "record": None}


def test_jsonl_removing_an_unknown_row_writes_nothing(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path)

    writer.remove(TABLE, "never-added")
    writer.flush()

    assert jsonl_lines(tmp_path) == []


def test_jsonl_re_add_after_remove_writes_again(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path)
    writer.add(record("e1"))
    writer.remove(TABLE, "e1")

    writer.add(record("e1"))
    writer.flush()

    assert [line["record"] is None for line in jsonl_lines(tmp_path)] == [False, True, False]


def test_jsonl_re_add_after_remove_writes_again_across_a_restart(tmp_path: Path) -> None:
    first = JsonlWriter(tmp_path)
    first.add(record("e1"))
    first.remove(TABLE, "e1")
    first.close()

    restarted = JsonlWriter(tmp_path)
    restarted.add(record("e1"))
    restarted.close()

    assert len(jsonl_lines(tmp_path)) == 3


def test_jsonl_keeps_one_file_per_table(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path)

    writer.add(record("e1"))
    writer.add(Record("other_table", "e1", verdict("e1")))
    writer.close()

    assert sorted(p.name for p in tmp_path.glob("*.jsonl")) == [
        "entry_verdicts.jsonl",
        "other_table.jsonl",
    ]


def test_jsonl_non_ascii_text_round_trips_across_a_restart(tmp_path: Path) -> None:
    quoted = verdict("e1").model_copy(update={"headline": "Zelensky: “not one step back” — Kyiv"})
    first = JsonlWriter(tmp_path)
    first.add(Record(TABLE, "e1", quoted))
    first.close()

    restarted = JsonlWriter(tmp_path)
    restarted.add(Record(TABLE, "e1", quoted))
    restarted.close()

    lines = jsonl_lines(tmp_path)
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
