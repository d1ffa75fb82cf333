"""The demo's closing summary, read from the sink's SQLite database."""

from __future__ import annotations

from collections import Counter

from service.settings import Settings
from service.sink.runner import db_path
from service.sink.writers import read_rows, read_view

TOP_SPEAKERS = 8


def summarise(settings: Settings, produced: int) -> str:
    path = db_path(settings)
    verdicts = list(read_rows(path, "entry_verdicts"))
    status = Counter(str(v["status"]) for v in verdicts)
    repeated = sum(
        1
        for v in verdicts
        for p in v["paragraphs"]  # type: ignore[attr-defined]
        if p.get("repeat_of_entry")
    )
    occurrences = len(list(read_rows(path, "quotes")))
    distinct = len(list(read_rows(path, "canonical_quotes")))
    related = len(list(read_view(path, "entry_relations_v")))
    # A surname-only row merged into a full name is counted in that name's row.
    speakers = sorted(
        (s for s in read_rows(path, "speaker_updates") if not s.get("resolved_to")),
        key=lambda s: (-int(s["occurrences"]), str(s["speaker"])),  # type: ignore[call-overload]
    )
    lines = [
        f"entries in:            {produced}",
        f"unique entries:        {status.get('unique', 0)}",
        f"duplicates dropped:    {status.get('duplicate', 0)} exact copies, "
        f"{status.get('near_duplicate', 0)} near-copies, {repeated} repeated paragraphs",
        f"quotes extracted:      {occurrences} occurrences of {distinct} distinct quotes",
        f"related entry pairs:   {related} (sharing at least one quote)",
        "top speakers:",
    ]
    lines += [
        f"  {s['speaker']:<28} {s['distinct_quotes']:>3} quotes, {s['occurrences']:>3} occurrences"
        for s in speakers[:TOP_SPEAKERS]
    ]
    lines.append(f"outputs:               {settings.out_dir}/ (jsonl/, {path.name})")
    return "\n".join(lines)
