"""Quote extraction quality on the hand-annotated gold (tests/data/quotes_gold.jsonl).

Prints JSON: detection precision / recall / F1 (a predicted quote matches a gold quote of the same
document with the same normalised words, one-to-one), attribution accuracy (matched quotes whose
speaker_id equals the gold speaker_id, null included), kind accuracy, and end-to-end F1 (a match
counts only when the speaker is right too).

Usage: python bench/quotes_eval.py [--gold PATH] [--seeds DIR] [--errors]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.core.quotes import extract_quotes  # noqa: E402

_NON_WORD = re.compile(r"[^\w]+")


def normalise(quote: str) -> str:
    """Compare words only: marks, punctuation, case and spacing differences do not count."""
    return _NON_WORD.sub(" ", quote.replace("’", "'")).strip().lower()


def load_gold(path: Path) -> dict[str, list[dict[str, object]]]:
    gold: dict[str, list[dict[str, object]]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            gold[row["doc"]].append(row)
    return gold


def evaluate(gold_path: Path, seeds: Path) -> tuple[dict[str, float | int], list[str]]:
    gold = load_gold(gold_path)
    predicted_total = gold_total = matched = speaker_right = kind_right = 0
    errors: list[str] = []
    for doc, rows in sorted(gold.items()):
        predicted = extract_quotes((seeds / doc).read_text(encoding="utf-8"))
        predicted_total += len(predicted)
        gold_total += len(rows)
        pool: dict[str, list[int]] = defaultdict(list)
        for index, quote in enumerate(predicted):
            pool[normalise(quote.text)].append(index)
        used: set[int] = set()
        for row in rows:
            candidates = pool.get(normalise(str(row["quote"])), [])
            hit = next((i for i in candidates if i not in used), None)
            if hit is None:
                errors.append(f"MISSED {doc}: {row['quote']!r}")
                continue
            used.add(hit)
            matched += 1
            quote = predicted[hit]
            if quote.speaker_id == row["speaker_id"]:
                speaker_right += 1
            else:
                errors.append(
                    f"SPEAKER {doc}: {row['quote'][:50]!r} gold={row['speaker_id']} "
                    f"got={quote.speaker_id} ({quote.speaker_as_written!r}, {quote.cue!r})"
                )
            if quote.kind.value == row["kind"]:
                kind_right += 1
            else:
                errors.append(f"KIND {doc}: {row['quote'][:50]!r} gold={row['kind']}")
        errors.extend(f"EXTRA {doc}: {q.text!r}" for i, q in enumerate(predicted) if i not in used)
    precision = matched / predicted_total if predicted_total else 0.0
    recall = matched / gold_total if gold_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    e2e_p = speaker_right / predicted_total if predicted_total else 0.0
    e2e_r = speaker_right / gold_total if gold_total else 0.0
    e2e_f1 = 2 * e2e_p * e2e_r / (e2e_p + e2e_r) if e2e_p + e2e_r else 0.0
    report: dict[str, float | int] = {
        "gold_quotes": gold_total,
        "predicted_quotes": predicted_total,
        "matched": matched,
        "detection_precision": round(precision, 4),
        "detection_recall": round(recall, 4),
        "detection_f1": round(f1, 4),
        "attribution_accuracy": round(speaker_right / matched, 4) if matched else 0.0,
        "kind_accuracy": round(kind_right / matched, 4) if matched else 0.0,
        "end_to_end_f1": round(e2e_f1, 4),
    }
    return report, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "tests/data/quotes_gold.jsonl")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--errors", action="store_true", help="also list every mismatch")
    args = parser.parse_args()
    report, errors = evaluate(args.gold, args.seeds)
    print(json.dumps(report, indent=2))
    if args.errors:
        print("\n".join(errors), file=sys.stderr)


if __name__ == "__main__":
    main()
