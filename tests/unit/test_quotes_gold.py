"""The extractor against the hand-annotated gold of the five seed documents."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from service.core.quotes import ExtractedQuote, extract_quotes
from service.core.speakers import ID_PATTERN

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests/data/quotes_gold.jsonl"
SEEDS = ROOT / "seeds"
RECALL_REQUIRED = 1.0
ATTRIBUTION_REQUIRED = 0.97
_NON_WORD = re.compile(r"[^\w]+")


def _normalise(quote: str) -> str:
    return _NON_WORD.sub(" ", quote.replace("’", "'")).strip().lower()


def _gold() -> dict[str, list[dict[str, object]]]:
    rows: dict[str, list[dict[str, object]]] = defaultdict(list)
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows[row["doc"]].append(row)
    return rows


def _match(
    rows: list[dict[str, object]], predicted: list[ExtractedQuote]
) -> list[tuple[dict[str, object], ExtractedQuote | None]]:
    used: set[int] = set()
    pairs: list[tuple[dict[str, object], ExtractedQuote | None]] = []
    for row in rows:
        wanted = _normalise(str(row["quote"]))
        hit = next(
            (i for i, q in enumerate(predicted) if i not in used and _normalise(q.text) == wanted),
            None,
        )
        if hit is not None:
            used.add(hit)
        pairs.append((row, predicted[hit] if hit is not None else None))
    return pairs


@pytest.fixture(scope="module")
def matched() -> list[tuple[dict[str, object], ExtractedQuote | None]]:
    pairs: list[tuple[dict[str, object], ExtractedQuote | None]] = []
    for doc, rows in sorted(_gold().items()):
        pairs.extend(_match(rows, extract_quotes((SEEDS / doc).read_text(encoding="utf-8"))))
    return pairs


def test_gold_file_quotes_occur_verbatim_in_their_documents() -> None:
    for doc, rows in _gold().items():
        text = (SEEDS / doc).read_text(encoding="utf-8")
        assert all(str(row["quote"]) in text for row in rows), doc


def test_gold_ids_match_the_schema_pattern() -> None:
    ids = {row["speaker_id"] for rows in _gold().values() for row in rows} - {None}

    assert all(ID_PATTERN.match(str(value)) for value in ids)


def test_every_gold_quote_is_found(matched: list) -> None:
    missed = [row["quote"] for row, quote in matched if quote is None]

    assert len(missed) / len(matched) <= 1 - RECALL_REQUIRED, missed


def test_at_least_97_percent_of_gold_quotes_are_attributed_correctly(matched: list) -> None:
    found = [(row, quote) for row, quote in matched if quote is not None]
    right = sum(1 for row, quote in found if quote.speaker_id == row["speaker_id"])

    assert right / len(found) >= ATTRIBUTION_REQUIRED


def test_offsets_of_extracted_quotes_index_the_seed_text() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert all(text[q.start : q.end] == q.text for q in extract_quotes(text)), path.name


def test_extractor_is_deterministic_on_the_seeds() -> None:
    text = (SEEDS / "000_dc51b1a11cdf7766.txt").read_text(encoding="utf-8")

    assert extract_quotes(text) == extract_quotes(text)
