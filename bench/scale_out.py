"""Scale-out: one worker against two on the same partitions — rate of each, identical outputs?

Two runs on the same broker, each with its own topics (--partitions, default 4) and consumer
groups: 1 `liveblog worker` and then 2 (as on two hosts: own state folders and HTTP ports), each
with one `liveblog sink`. Both get the same synthetic entries. Each run first processes a few
warm-up entries (not timed: start-up and the group join, where the two workers share the
partitions); then rate = N / (first timed entry sent → no consumer group lags). The sinks'
final states (verdicts, quotes, canonical quotes, speakers; order-independent) are compared.

Usage: python bench/scale_out.py [--entries 500] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import os
import time

from _harness import (
    Bench,
    common_args,
    emit,
    log,
    rate,
    run_main,
    state_diff,
    synthetic,
    wait_drained,
    wait_for_verdicts,
    where,
)

from schemas.entries import RawEntry
from service.sink.state import final_state


def run(
    bench: Bench, workers: int, warmup: list[RawEntry], timed: list[RawEntry]
) -> tuple[dict[str, object], dict[str, list[str]]]:
    settings = bench.settings(f"workers{workers}")
    with bench.service(settings, workers=workers) as running:
        running.warm_up(warmup)
        log("ready", workers=workers, entries=len(timed))
        start = time.monotonic()
        running.producer.send_all(timed)
        ids = {e.entry_id for e in timed}
        verdicts = wait_for_verdicts(running.view, ids, running.children, 3600)
        drained = wait_drained(settings, running.children, 600)
    result = {
        "workers": workers,
        "seconds_to_all_verdicts": round(verdicts - start, 2),
        "entries_per_s_verdicts": rate(len(timed), verdicts - start),
        "seconds_to_drained": round(drained - start, 2),
        "entries_per_s": rate(len(timed), drained - start),
    }
    log("run_done", **result)
    return result, final_state(settings)


def speedup(first: dict[str, object], last: dict[str, object], key: str) -> float:
    """Rate of the last run over the first (e.g. 2 workers over 1)."""
    return round(float(str(last[key])) / float(str(first[key])), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_args(parser)
    parser.add_argument("--entries", type=int, default=500, help="Timed entries (N).")
    parser.add_argument("--warmup", type=int, default=30, help="Untimed entries sent first.")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="Worker counts, one run each, compared with the first (1,1,2: run to run too).",
    )
    args = parser.parse_args()
    entries = list(synthetic(args, args.warmup + args.entries))
    warmup, timed = entries[: args.warmup], entries[args.warmup :]
    counts = [int(w) for w in args.workers.split(",")]
    with Bench("scale-out", args) as bench:
        load = os.getloadavg()[0]
        runs = [run(bench, n, warmup, timed) for n in counts]
    reference = runs[0][1]
    diffs = {
        f"run {n + 2} ({result['workers']} workers)": state_diff(reference, state)
        for n, (result, state) in enumerate(runs[1:])
    }
    emit(
        {
            "benchmark": "scale_out",
            "entries": args.entries,
            "warmup_entries": args.warmup,
            **where(args, load),
            "runs": [result for result, _ in runs],
            "speedup": speedup(runs[0][0], runs[-1][0], "entries_per_s"),
            "speedup_verdicts": speedup(runs[0][0], runs[-1][0], "entries_per_s_verdicts"),
            "outputs_identical": all(state == reference for _, state in runs[1:]),
            "difference_from_first_run": diffs,
            "measured": "first timed entry sent -> no consumer group lags (worker and sink); "
            "outputs: the sinks' final states, order-independent; entries_per_s_verdicts: "
            "to the last verdict in the sink",
        }
    )


if __name__ == "__main__":
    run_main(main)
