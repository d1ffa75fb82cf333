"""Writers the sink feeds: JSON Lines files and a SQLite database, both idempotent by key.

Both share add(record) / flush(). A record is (table, id, model). Re-adding a record that is
already stored unchanged writes nothing, so replaying the same events leaves the same rows.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import AwareDatetime, BaseModel


@dataclass(frozen=True)
class Record:
    table: str
    id: str
    model: BaseModel
    # Precedence among versions of a row: the lowest rank wins, whatever the arrival order.
    # "" (the default) means the latest version wins.
    rank: str = ""

    def body(self) -> str:
        return self.model.model_dump_json()


class Writer(Protocol):
    def add(self, record: Record) -> None: ...
    def remove(self, table: str, row_id: str) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def _digest(body: str) -> str:
    return hashlib.blake2b(body.encode("utf-8"), digest_size=12).hexdigest()


class JsonlWriter:
    """One file per table, one line per distinct version of a row: {"id", "record"}.

    A version already written (same id, same content) is not written again, across restarts.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._last: dict[tuple[str, str], str] = {}
        self._pending: dict[str, list[str]] = {}
        for path in directory.glob("*.jsonl"):
            self._load(path)

    def _load(self, path: Path) -> None:
        table = path.stem
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                row = json.loads(line)
                if row["record"] is None:  # a removal
                    self._last.pop((table, row["id"]), None)
                    continue
                body = json.dumps(row["record"], ensure_ascii=False, separators=(",", ":"))
                self._last[(table, row["id"])] = _digest(body)

    def add(self, record: Record) -> None:
        body = record.body()
        # Canonical form for comparison, so reloaded lines compare equal to fresh ones.
        canonical = json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"))
        digest = _digest(canonical)
        key = (record.table, record.id)
        if self._last.get(key) == digest:
            return
        self._last[key] = digest
        line = f'{{"id":{json.dumps(record.id)},"record":{canonical}}}'
        self._pending.setdefault(record.table, []).append(line)

    def remove(self, table: str, row_id: str) -> None:
        """Record that the row is gone (a tombstone on a compacted topic)."""
        if self._last.pop((table, row_id), None) is not None:
            line = f'{{"id":{json.dumps(row_id)},"record":null}}'
            self._pending.setdefault(table, []).append(line)

    def flush(self) -> None:
        for table, lines in self._pending.items():
            with (self.directory / f"{table}.jsonl").open("a", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
        self._pending.clear()

    def close(self) -> None:
        self.flush()


def _scalar_columns(model: type[BaseModel]) -> list[str]:
    """Top-level fields whose values are scalars in JSON: they become columns of the view."""
    columns = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
        args = typing.get_args(annotation) if union else ()
        options = [a for a in args if a is not type(None)] or [annotation]
        if all(_is_scalar(o) for o in options):
            columns.append(name)
    return columns


def _is_scalar(annotation: object) -> bool:
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is typing.Literal:
        return True
    if annotation is AwareDatetime:
        return True
    return isinstance(annotation, type) and issubclass(
        annotation, (str, int, float, bool, datetime)
    )


# Entries related by the quotes they share: both reported a quote in paragraphs of their own
# (the `quotes` table holds each occurrence once, from the entry where its paragraph first
# appeared; a copied paragraph is tied to its original by the verdict instead). A rewrite of the
# same news shares its statements even when its wording shares little.
RELATIONS_VIEW = """
CREATE VIEW entry_relations_v AS
SELECT a.entry_id AS entry_id, b.entry_id AS related_entry_id,
       COUNT(DISTINCT a.quote_id) AS shared_quotes,
       json_group_array(DISTINCT a.quote_id) AS quote_ids
FROM quotes_v AS a JOIN quotes_v AS b ON a.quote_id = b.quote_id AND a.entry_id < b.entry_id
GROUP BY a.entry_id, b.entry_id
"""


class SqliteWriter:
    """One table per output stream: (id PRIMARY KEY, body JSON), upserted; plus a view
    `<table>_v` with a column per scalar field, for plain SQL queries."""

    def __init__(self, path: Path, models: dict[str, type[BaseModel]]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        for table, model in models.items():
            self._create(table, model)
        if "quotes" in models:
            self.db.execute(
                "CREATE INDEX IF NOT EXISTS quotes_by_quote_id "
                "ON quotes (json_extract(body, '$.quote_id'))"
            )
            self.db.execute("DROP VIEW IF EXISTS entry_relations_v")
            self.db.execute(RELATIONS_VIEW)
        self.db.commit()

    def _create(self, table: str, model: type[BaseModel]) -> None:
        self.db.execute(
            f'CREATE TABLE IF NOT EXISTS "{table}" '
            "(id TEXT PRIMARY KEY, body TEXT NOT NULL, rank TEXT NOT NULL DEFAULT '')"
        )
        columns = ", ".join(
            f"json_extract(body, '$.{c}') AS \"{c}\"" for c in _scalar_columns(model)
        )
        self.db.execute(f'DROP VIEW IF EXISTS "{table}_v"')
        self.db.execute(f'CREATE VIEW "{table}_v" AS SELECT id, {columns} FROM "{table}"')

    def add(self, record: Record) -> None:
        self.db.execute(
            f'INSERT INTO "{record.table}" (id, body, rank) VALUES (?, ?, ?) '
            "ON CONFLICT(id) DO UPDATE SET body = excluded.body, rank = excluded.rank "
            "WHERE body != excluded.body AND excluded.rank <= rank",
            (record.id, record.body(), record.rank),
        )

    def remove(self, table: str, row_id: str) -> None:
        self.db.execute(f'DELETE FROM "{table}" WHERE id = ?', (row_id,))

    def flush(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()


def read_view(path: Path, view: str) -> Iterator[dict[str, object]]:
    """Rows of one sink view as dicts of its columns."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        for row in db.execute(f'SELECT * FROM "{view}"'):
            yield dict(row)
    finally:
        db.close()


def read_rows(path: Path, table: str) -> Iterator[dict[str, object]]:
    """Rows of one sink table as dicts (for the CLI summary and tests)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for (body,) in db.execute(f'SELECT body FROM "{table}" ORDER BY id'):
            yield json.loads(body)
    finally:
        db.close()
