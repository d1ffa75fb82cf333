"""The sink's database reduced to what a downstream consumer sees, independent of arrival order:
the form in which two runs (clean vs crashed, one vs two workers) are compared."""

from __future__ import annotations

import json
from typing import Any

from service.settings import Settings
from service.sink.runner import db_path
from service.sink.writers import read_rows


def final_state(settings: Settings) -> dict[str, list[str]]:
    """Per table, its rows as sorted canonical JSON (order-only differences removed)."""

    def rows(table: str) -> list[dict[str, Any]]:
        return list(read_rows(db_path(settings), table))

    verdicts = [
        {k: v[k] for k in ("entry_id", "status", "canonical_id", "paragraphs")}
        for v in rows("entry_verdicts")
    ]
    state = {
        "entry_verdicts": verdicts,
        "quotes": rows("quotes"),
        "canonical_quotes": rows("canonical_quotes"),
        "speaker_updates": rows("speaker_updates"),
    }
    return {table: sorted(json.dumps(r, sort_keys=True) for r in rs) for table, rs in state.items()}
