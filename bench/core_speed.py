"""The pure core on one core, no Kafka: entries/s of validate + fingerprint + quote extraction.

Prints JSON. The entries are synthetic (bench/synthetic.py, --entries of them from --seed),
serialised to JSON bytes before timing. Each round then runs the three parts over every entry,
one part after another, and times each part in CPU seconds of this process:

* validate     `RawEntry.model_validate_json` of the entry's bytes (what the worker decodes);
* fingerprint  `fingerprint_entry` of its paragraphs (digests, MinHash, LSH band keys);
* quotes       `extract_quotes` of its text.

Rounds repeat until --seconds of CPU time have been spent. `entries_per_s` is entries over the
CPU seconds of all three parts, and each part has its own rate. As in bench/quotes_speed.py,
the extractor's memo caches are emptied before every round, so repeating the same entries does
not flatter it. `compiled` says whether the extractor ran as its mypyc C extensions.

Comparing two commits: give each its own worktree (with the compiled extractor copied in, as
`./run setup` builds it) and run the two alternately in one session, at the same niceness, e.g.

    for i in 1 2 3; do
        (cd ../old && nice -n 10 python bench/core_speed.py)
        (cd ../new && nice -n 10 python bench/core_speed.py)
    done

then compare the ratio new/old of each adjacent pair, not absolute rates: other work on the
machine moves both. The script puts its own checkout first on sys.path, so each run measures
the code of the folder it was started from.

Usage: python bench/core_speed.py [--entries 800] [--seconds 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quotes_speed import _extractor_caches  # noqa: E402
from synthetic import synthetic_entries  # noqa: E402

from schemas.entries import RawEntry  # noqa: E402
from service.core import quotes  # noqa: E402
from service.core.fingerprints import fingerprint_entry  # noqa: E402
from service.core.quotes import extract_quotes  # noqa: E402

PARTS = ("validate", "fingerprint", "quotes")


def _timed(step: Callable[[], None]) -> float:
    started = time.process_time()
    step()
    return time.process_time() - started


def run_round(raw: Sequence[bytes], clear_caches: Sequence[Callable[[], None]]) -> dict[str, float]:
    """One pass of each part over every entry; CPU seconds per part."""
    for clear in clear_caches:
        clear()
    entries: list[RawEntry] = []
    seconds = {
        "validate": _timed(lambda: entries.extend(map(RawEntry.model_validate_json, raw))),
    }
    seconds["fingerprint"] = _timed(lambda: [fingerprint_entry(e.paragraphs) for e in entries])
    seconds["quotes"] = _timed(lambda: [extract_quotes(e.text()) for e in entries])
    return seconds


def measure(raw: Sequence[bytes], min_cpu_seconds: float) -> dict[str, Any]:
    """Rounds until `min_cpu_seconds` of CPU time: total and per-part entries/s."""
    clear_caches = _extractor_caches()
    run_round(raw[:20], clear_caches)  # warm-up: imports, regex compilation, permutations
    totals = dict.fromkeys(PARTS, 0.0)
    rounds = 0
    started = time.perf_counter()
    while sum(totals.values()) < min_cpu_seconds:
        for part, spent in run_round(raw, clear_caches).items():
            totals[part] += spent
        rounds += 1
    elapsed = time.perf_counter() - started
    cpu = sum(totals.values())
    processed = rounds * len(raw)
    return {
        "rounds": rounds,
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "entries_per_s": round(processed / cpu, 1),
        "parts": {
            part: {
                "entries_per_s": round(processed / spent, 1),
                "cpu_seconds": round(spent, 3),
                "share": round(spent / cpu, 3),
            }
            for part, spent in totals.items()
        },
    }


def _commit() -> str | None:
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=800, help="Synthetic entries per round.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Minimum CPU seconds timed.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the synthetic entries.")
    args = parser.parse_args()
    entries = list(synthetic_entries(args.entries, seed=args.seed))
    raw = [e.model_dump_json().encode("utf-8") for e in entries]
    result = {
        "commit": _commit(),
        "compiled": (quotes.__file__ or "").endswith(tuple(EXTENSION_SUFFIXES)),
        "entries": len(entries),
        "seed": args.seed,
        "mean_entry_chars": round(sum(len(e.text()) for e in entries) / len(entries)),
        "mean_paragraphs": round(sum(len(e.paragraphs) for e in entries) / len(entries), 2),
        **measure(raw, args.seconds),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
