"""Writers the sink feeds: JSON Lines files and a SQLite database, both idempotent by key.

Both share add(record) / remove() / flush() / close(). A record is (table, id, model). Nothing
reaches a file before flush(), and close() releases the files without writing: what was not
flushed is dropped, as in a crash, and comes back from Kafka (the runner commits offsets only
after every writer flushed). Re-adding a record that is already stored unchanged writes
nothing, so replaying the same events leaves the same rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import types
import typing
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import structlog
from pydantic import AwareDatetime, BaseModel

log = structlog.get_logger(__name__)

# Rows whose last written version the JSONL writer keeps in memory; older ones are looked up in
# the database (StoredBody), so memory stays bounded however many rows the sink has written.
REMEMBERED_ROWS = 65_536
# How far back from the end of a JSONL file a line ending is looked for, per read.
TAIL_BLOCK_BYTES = 64 * 1024


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


# (table, row id) -> the body the database holds for that row, None if it holds none.
StoredBody = Callable[[str, str], str | None]


def _digest(body: str) -> str:
    return hashlib.blake2b(body.encode("utf-8"), digest_size=12).hexdigest()


def cut_torn_tail(path: Path) -> int:
    """Cut a last line that has no line ending (a write cut short by a crash) off the file, so
    the next append starts on a line of its own; returns the number of bytes cut."""
    with path.open("r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        keep, end = 0, size
        while end > 0:
            start = max(0, end - TAIL_BLOCK_BYTES)
            fh.seek(start)
            newline = fh.read(end - start).rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            end = start
        if keep < size:
            fh.truncate(keep)
        return size - keep


def _append(path: Path, data: bytes) -> None:
    """Append data whole, or leave the file as it was (a partial write is undone)."""
    # Unbuffered: an error surfaces here, not again when the file object is closed.
    with path.open("ab", buffering=0) as fh:
        start = fh.tell()
        view = memoryview(data)
        try:
            while view:
                view = view[fh.write(view) :]
        except OSError:
            # A retry must not glue its lines onto half a line (a full disk writes partly). If
            # even that fails (not a regular file, the disk gone), the next start cuts the tail.
            with contextlib.suppress(OSError):
                fh.truncate(start)
            raise


class JsonlWriter:
    """One file per table, one line per distinct version of a row: {"id", "record"}.

    A version already written (same id, same content) is not written again, across restarts:
    the last version of recent rows is remembered, and that of older rows is what the database
    holds (`stored`; the database is flushed after this writer, so whatever it holds was
    written here first).
    """

    def __init__(
        self, directory: Path, stored: StoredBody, remember: int = REMEMBERED_ROWS
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._stored = stored
        self._capacity = remember
        # (table, id) -> digest of the version last written; None: the row was removed.
        self._recent: OrderedDict[tuple[str, str], str | None] = OrderedDict()
        self._pending: dict[str, list[str]] = {}
        for path in sorted(directory.glob("*.jsonl")):
            if cut := cut_torn_tail(path):
                # The records of the torn line come again from Kafka: their offsets were not
                # committed, since that happens only after every writer flushed.
                log.warning("jsonl_torn_tail_cut", path=str(path), bytes_cut=cut)

    @property
    def remembered_rows(self) -> int:
        return len(self._recent)

    def _written(self, key: tuple[str, str]) -> str | None:
        """Digest of the version of the row written last; None if there is no such row."""
        if key in self._recent:
            self._recent.move_to_end(key)
            return self._recent[key]
        body = self._stored(*key)
        return _digest(body) if body is not None else None

    def _remember(self, key: tuple[str, str], digest: str | None) -> None:
        self._recent[key] = digest
        self._recent.move_to_end(key)
        if len(self._recent) > self._capacity:
            self._recent.popitem(last=False)

    def add(self, record: Record) -> None:
        body = record.body()
        digest = _digest(body)
        key = (record.table, record.id)
        if self._written(key) == digest:
            return
        self._remember(key, digest)
        line = f'{{"id":{json.dumps(record.id)},"record":{body}}}'
        self._pending.setdefault(record.table, []).append(line)

    def remove(self, table: str, row_id: str) -> None:
        """Record that the row is gone (a tombstone on a compacted topic)."""
        key = (table, row_id)
        if self._written(key) is not None:
            self._remember(key, None)
            line = f'{{"id":{json.dumps(row_id)},"record":null}}'
            self._pending.setdefault(table, []).append(line)

    def flush(self) -> None:
        for table in list(self._pending):
            lines = self._pending[table]
            _append(self.directory / f"{table}.jsonl", ("\n".join(lines) + "\n").encode())
            # Written: a flush retried after another table failed must not append it again.
            del self._pending[table]

    def close(self) -> None:
        self._pending.clear()


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
    `<table>_v` with a column per scalar field, for plain SQL queries.

    Changes are kept until flush(), which applies them in one transaction: all of them or
    none, so a flush that failed (database locked, disk full) can simply be tried again. The
    database is in WAL mode: readers never block the sink, and the sink never blocks them.
    """

    def __init__(
        self, path: Path, models: dict[str, type[BaseModel]], busy_timeout_s: float = 5.0
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # busy_timeout_s: how long a statement waits for another writer's lock before it fails
        # with "database is locked" (the runner then retries the whole flush with backoff).
        self.db = sqlite3.connect(path, timeout=busy_timeout_s)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._pending: list[tuple[str, tuple[str, ...]]] = []
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
        self._pending.append(
            (
                f'INSERT INTO "{record.table}" (id, body, rank) VALUES (?, ?, ?) '
                "ON CONFLICT(id) DO UPDATE SET body = excluded.body, rank = excluded.rank "
                "WHERE body != excluded.body AND excluded.rank <= rank",
                (record.id, record.body(), record.rank),
            )
        )

    def remove(self, table: str, row_id: str) -> None:
        self._pending.append((f'DELETE FROM "{table}" WHERE id = ?', (row_id,)))

    def stored_body(self, table: str, row_id: str) -> str | None:
        """The body of the row as last flushed (StoredBody, for the JSONL writer)."""
        row = self.db.execute(f'SELECT body FROM "{table}" WHERE id = ?', (row_id,)).fetchone()
        return row[0] if row else None

    def flush(self) -> None:
        if not self._pending:
            return
        try:
            for sql, params in self._pending:
                self.db.execute(sql, params)
            self.db.commit()
        except sqlite3.Error:
            self.db.rollback()  # none of the batch: a retry applies all of it again
            raise
        self._pending.clear()

    def close(self) -> None:
        self._pending.clear()
        self.db.rollback()
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
