"""Quote extraction throughput on one core: documents/s and MB/s over the seeds, repeated.

Prints JSON. Runs `extract_quotes` over the seed documents round after round for at least
--seconds (default 5) of wall time, in this single process and thread (`cpu_seconds` close to
`seconds` shows that nothing ran elsewhere).

The extractor memoises a few pure per-word helpers (country names, name analysis, id folding).
So that repeating the same five documents does not flatter it, those caches are emptied before
every round: each round sees its documents as new, as a fresh process would. --warm keeps them
(a long-running service's steady state, where common names stay cached).

`compiled` says whether the extractor ran as the C extensions that `./run setup` builds with
mypyc (setup.py) or as plain Python (a LIVEBLOG_PURE_PYTHON=1 build).

Usage: python bench/quotes_speed.py [--seconds 5] [--seeds DIR] [--warm]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.core import attribution, mentions, quotes, sentences, speakers  # noqa: E402
from service.core.quotes import extract_quotes  # noqa: E402


def _extractor_caches() -> list[Callable[[], None]]:
    """`cache_clear` of every functools cache in the quote extractor's modules."""
    modules = (quotes, attribution, mentions, sentences, speakers)
    return [
        value.cache_clear
        for module in modules
        for value in vars(module).values()
        if callable(getattr(value, "cache_clear", None))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--warm", action="store_true", help="keep caches between rounds")
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted(args.seeds.glob("*.txt"))]
    round_bytes = sum(len(t.encode("utf-8")) for t in texts)
    clear_caches = [] if args.warm else _extractor_caches()
    for text in texts:  # warm-up: regex compilation, imports
        extract_quotes(text)
    documents = quotes_found = 0
    total_bytes = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    while time.perf_counter() - started < args.seconds:
        for clear in clear_caches:
            clear()
        for text in texts:
            quotes_found += len(extract_quotes(text))
        documents += len(texts)
        total_bytes += round_bytes
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(
        json.dumps(
            {
                "documents": documents,
                "seconds": round(elapsed, 3),
                "cpu_seconds": round(cpu, 3),
                "caches": "warm" if args.warm else "cleared every round",
                "compiled": (quotes.__file__ or "").endswith(tuple(EXTENSION_SUFFIXES)),
                "documents_per_second": round(documents / elapsed, 1),
                "mb_per_second": round(total_bytes / elapsed / 1e6, 3),
                "mean_document_kb": round(round_bytes / len(texts) / 1e3, 2),
                "quotes_per_second": round(quotes_found / elapsed, 1),
                "articles_5kb_per_second": round(total_bytes / elapsed / 5000, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
