"""Where replayed entries come from: a seeds folder (manifest.json + texts) or a JSONL file."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from schemas.entries import RawEntry
from service.replay.seeds import read_seed_entries


class SourceError(ValueError):
    """The replay source is missing or malformed; the message names the file and line."""


def _problems(error: ValidationError) -> str:
    """What is wrong with a line, field by field, in one line and without the line's text."""
    problems = []
    for detail in error.errors(include_input=False, include_url=False, include_context=False):
        where = ".".join(str(part) for part in detail["loc"])
        problems.append(f"{where}: {detail['msg']}" if where else detail["msg"])
    return "; ".join(problems)


def parse_jsonl_line(line: str, path: Path, number: int) -> RawEntry:
    try:
        return RawEntry.model_validate_json(line)
    except ValidationError as exc:
        raise SourceError(f"{path}: line {number}: not a RawEntry ({_problems(exc)})") from None


def read_jsonl_entries(path: Path) -> list[RawEntry]:
    try:
        # Split on newlines only: a JSON string may hold U+2028, which splitlines() breaks on.
        lines = path.read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return [
        parse_jsonl_line(line, path, number)
        for number, line in enumerate(lines, start=1)
        if line.strip()
    ]


def read_entries(source: Path) -> list[RawEntry]:
    """Entries in event-time order."""
    if source.is_dir():
        entries = read_seed_entries(source)
    elif source.is_file():
        entries = read_jsonl_entries(source)
    else:
        raise SourceError(f"{source}: no such file or folder")
    return sorted(entries, key=lambda e: (e.event_time, e.entry_id))
