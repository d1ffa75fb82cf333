"""Quote extraction throughput on one core: documents/s and MB/s over the seeds, repeated.

Prints JSON. Runs `extract_quotes` over the five seed documents round after round for at least
--seconds (default 5) of wall time in this single process.

Usage: python bench/quotes_speed.py [--seconds 5] [--seeds DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.core.quotes import extract_quotes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted(args.seeds.glob("*.txt"))]
    round_bytes = sum(len(t.encode("utf-8")) for t in texts)
    for text in texts:  # warm-up: regex caches, imports
        extract_quotes(text)
    documents = quotes = 0
    total_bytes = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < args.seconds:
        for text in texts:
            quotes += len(extract_quotes(text))
        documents += len(texts)
        total_bytes += round_bytes
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "documents": documents,
                "seconds": round(elapsed, 3),
                "documents_per_second": round(documents / elapsed, 1),
                "mb_per_second": round(total_bytes / elapsed / 1e6, 3),
                "mean_document_kb": round(round_bytes / len(texts) / 1e3, 2),
                "quotes_per_second": round(quotes / elapsed, 1),
                "articles_5kb_per_second": round(total_bytes / elapsed / 5000, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
