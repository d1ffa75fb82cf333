"""Where replayed entries come from: a seeds folder (manifest.json + texts) or a JSONL file."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from schemas.entries import RawEntry
from service.replay.seeds import read_seed_entries


class SourceError(ValueError):
    """The replay source is missing or malformed; the message names the file and line."""


def read_jsonl_entries(path: Path) -> list[RawEntry]:
    entries = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                entries.append(RawEntry.model_validate_json(line))
            except ValidationError as exc:
                raise SourceError(f"{path}:{number}: not a RawEntry: {exc}") from exc
    return entries


def read_entries(source: Path) -> list[RawEntry]:
    """Entries in event-time order."""
    if source.is_dir():
        entries = read_seed_entries(source)
    elif source.is_file():
        entries = read_jsonl_entries(source)
    else:
        raise SourceError(f"{source}: no such file or folder")
    return sorted(entries, key=lambda e: (e.event_time, e.entry_id))
