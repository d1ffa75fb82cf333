"""The logic behind `liveblog quotes [PATH ...]`: documents in, one JSON line per quote out.

Each path is one plain-text document (`-` or no path: stdin as one document); with `jsonl`, each
input line is instead a JSON object {"id": ..., "text": ...}. Output lines carry offsets into
the input text. Streams are passed in, so the CLI wrapper owns the real stdin/stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from service.core.quotes import extract_quotes

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _InputError(Exception):
    """A document that cannot be read; the message names the file and line."""


def _read(name: str, handle: TextIO, jsonl: bool, path: str) -> list[tuple[str, str]]:
    try:
        if jsonl:
            return list(_json_lines(name, handle))
        return [(path, handle.read())]
    except UnicodeDecodeError as error:
        raise _InputError(f"{name}: not UTF-8 text: {error.reason}") from error


def _documents(paths: list[str], jsonl: bool, stdin: TextIO) -> Iterator[tuple[str, str]]:
    for path in paths or ["-"]:
        if path == "-":
            yield from _read("<stdin>", stdin, jsonl, path)
            continue
        try:
            with Path(path).open(encoding="utf-8") as handle:
                documents = _read(path, handle, jsonl, path)
        except OSError as error:
            raise _InputError(f"{path}: cannot read: {error.strerror or error}") from error
        yield from documents


def _json_lines(name: str, handle: TextIO) -> Iterator[tuple[str, str]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise _InputError(f"{name}:{number}: bad JSON: {error.msg}") from error
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise _InputError(f'{name}:{number}: expected an object with a string "text"')
        yield str(row.get("id", f"{name}:{number}")), row["text"]


def quote_records(document_id: str, text: str) -> Iterator[dict[str, object]]:
    """The output records for one document, in document order."""
    for quote in extract_quotes(text):
        yield {
            "id": document_id,
            "quote": quote.text,
            "start": quote.start,
            "end": quote.end,
            "speaker": quote.speaker,
            "speaker_id": quote.speaker_id,
            "speaker_resolved": quote.speaker_resolved,
            "speaker_as_written": quote.speaker_as_written,
            "cue": quote.cue,
            "kind": quote.kind.value,
        }


def run_quotes(
    paths: list[str], jsonl: bool, stdin: TextIO, stdout: TextIO, stderr: TextIO | None = None
) -> int:
    """Write one JSON line per quote; 0 on success, 2 (with a message) on unreadable input."""
    errors = stderr if stderr is not None else sys.stderr
    try:
        for document_id, text in _documents(paths, jsonl, stdin):
            for record in quote_records(document_id, text):
                stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    except _InputError as error:
        errors.write(f"liveblog quotes: {error}\n")
        return EXIT_BAD_INPUT
    return EXIT_OK
