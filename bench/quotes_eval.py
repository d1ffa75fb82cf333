"""Quote extraction quality on the hand-annotated gold (tests/data/quotes_gold.jsonl).

Prints JSON: detection precision / recall / F1 (a predicted quote matches a gold quote of the same
document with the same normalised words, one-to-one), attribution accuracy (matched quotes whose
speaker_id equals the gold speaker_id, null included), kind accuracy, and end-to-end F1 (a match
counts only when the speaker is right too).

Usage: python bench/quotes_eval.py [--gold PATH] [--seeds DIR] [--errors]

PolNeAR mode: with POLNEAR_REPO set (a PolNeAR checkout or bare git repository), the same
script scores the extractor on PolNeAR's train split instead (840 human-annotated political news
articles; dev and test stay unseen): detection P/R/F1, attribution accuracy on quotes whose gold
source is named, end-to-end P/R/F1, for all quotes and for direct / mixed ones. The corpus is
read at run time and nothing of it is kept. The gold builder and scorer are the shared
evaluation scripts (polnear_gold.py, score_quotes.py) in --polnear-eval (default
$POLNEAR_EVAL or ../shared/eval next to the project):

    POLNEAR_REPO=/path/to/PolNeAR .venv/bin/python bench/quotes_eval.py
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import service.core.quotes as quotes_module  # noqa: E402
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


def _load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rounded(values: tuple[float, ...]) -> list[float]:
    return [round(value, 4) for value in values]


def evaluate_polnear(repo: str, eval_dir: Path) -> dict[str, object]:
    """PolNeAR train: gold from the shared builder, predictions in-process, the shared scorer."""
    scorer = _load_module(eval_dir / "score_quotes.py")
    with tempfile.TemporaryDirectory() as tmp:
        gold_path, inputs = Path(tmp) / "gold.jsonl", Path(tmp) / "in.jsonl"
        subprocess.run(
            [sys.executable, str(eval_dir / "polnear_gold.py"), str(gold_path), "--repo", repo,
             "--inputs", str(inputs)],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        gold = [json.loads(line) for line in gold_path.read_text("utf-8").splitlines() if line]
        articles = [json.loads(line) for line in inputs.read_text("utf-8").splitlines() if line]
    started = time.perf_counter()
    pred = [
        {"article": article["id"], "quote": quote.text, "speaker": quote.speaker}
        for article in articles
        for quote in extract_quotes(article["text"])
    ]
    seconds = time.perf_counter() - started
    matches = scorer.match(gold, pred)
    report: dict[str, object] = {
        "corpus": "PolNeAR train",
        "articles": len(articles),
        "gold_quotes": len(gold),
        "predicted_quotes": len(pred),
    }
    subsets = {"all": None, "direct": "direct", "mixed": "mixed"}
    for name, kind in subsets.items():
        scores = scorer.score(gold, pred, matches, lambda g, k=kind: k is None or g["kind"] == k)
        report[name] = {
            "detection_prf": _rounded(scores["detect"]),
            "attribution_accuracy": round(scores["attr"][0], 4),
            "attributed_named": scores["attr"][1],
            "end_to_end_prf": _rounded(scores["e2e"]),
        }
    report["extract_seconds"] = round(seconds, 2)
    report["compiled"] = (quotes_module.__file__ or "").endswith(tuple(EXTENSION_SUFFIXES))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "tests/data/quotes_gold.jsonl")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--errors", action="store_true", help="also list every mismatch")
    parser.add_argument(
        "--polnear-eval",
        type=Path,
        default=Path(os.environ.get("POLNEAR_EVAL", ROOT.parent / "shared" / "eval")),
        help="folder of polnear_gold.py and score_quotes.py (PolNeAR mode)",
    )
    args = parser.parse_args()
    if repo := os.environ.get("POLNEAR_REPO"):
        print(json.dumps(evaluate_polnear(repo, args.polnear_eval), indent=2))
        return
    report, errors = evaluate(args.gold, args.seeds)
    print(json.dumps(report, indent=2))
    if args.errors:
        print("\n".join(errors), file=sys.stderr)


if __name__ == "__main__":
    main()
