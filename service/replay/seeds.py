"""Read the seed documents (seeds/manifest.json + seeds/*.txt) into RawEntry events.

The thin I/O shell around ``service.core.feed.split_document``: it reads files and turns every
problem into a SeedError that names the file and what is wrong with it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from schemas.documents import SeedDocument
from schemas.entries import RawEntry
from service.core.feed import split_document

MANIFEST_NAME = "manifest.json"

_MANIFEST = TypeAdapter(list[SeedDocument])


class SeedError(ValueError):
    """A seed manifest or seed file that cannot be used; the message names the file."""


def _describe(error: ValidationError, rows: object) -> str:
    problems = []
    for detail in error.errors(include_url=False):
        loc = detail["loc"]
        where = ".".join(str(part) for part in loc[1:]) or "(row)"
        row = f"row {loc[0]}" if loc else "manifest"
        if loc and isinstance(rows, list) and isinstance(loc[0], int) and loc[0] < len(rows):
            name = rows[loc[0]].get("file") if isinstance(rows[loc[0]], dict) else None
            row = f"{row} ({name})" if name else row
        problems.append(f"{row} {where}: {detail['msg']}")
    return "; ".join(problems)


def parse_manifest(text: str, source: str = MANIFEST_NAME) -> list[SeedDocument]:
    """Validate manifest JSON text (a list of SeedDocument rows); ``source`` names it in errors."""
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SeedError(f"{source}: not valid JSON ({exc})") from exc
    if not isinstance(rows, list):
        raise SeedError(f"{source}: expected a JSON list of documents, got {type(rows).__name__}")
    try:
        documents = _MANIFEST.validate_python(rows)
    except ValidationError as exc:
        raise SeedError(f"{source}: {_describe(exc, rows)}") from exc
    for field in ("file", "document_id"):
        repeated = [v for v, n in Counter(getattr(d, field) for d in documents).items() if n > 1]
        if repeated:
            raise SeedError(f"{source}: duplicate {field} {', '.join(sorted(repeated))}")
    return documents


def load_manifest(path: Path) -> list[SeedDocument]:
    """Read and validate a seed manifest file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"{path}: cannot read manifest ({exc.strerror or exc})") from exc
    return parse_manifest(text, source=str(path))


def read_document_entries(seeds_dir: Path, document: SeedDocument) -> list[RawEntry]:
    """The entries of one manifest row's file."""
    path = seeds_dir / document.file
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SeedError(f"{path}: listed in {MANIFEST_NAME} but missing") from exc
    except UnicodeDecodeError as exc:
        raise SeedError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise SeedError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        return split_document(text, document.meta())
    except ValueError as exc:
        raise SeedError(f"{path}: {exc}") from exc


def read_seed_entries(seeds_dir: Path) -> list[RawEntry]:
    """All entries of all seed documents, by event time, then document id, then position."""
    documents = load_manifest(seeds_dir / MANIFEST_NAME)
    entries = [entry for doc in documents for entry in read_document_entries(seeds_dir, doc)]
    return sorted(entries, key=lambda e: (e.event_time, e.document_id, e.position))
