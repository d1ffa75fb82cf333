"""Produce → sink latency at fixed rates: p50 / p99 per rate, and whether the pipeline kept up.

For each rate, a fresh `liveblog worker` + `liveblog sink` (own topics and groups) first process
a few warm-up entries; then synthetic entries are sent at that rate for --duration seconds. The
bench stamps each entry when it hands it to the producer, and its latency ends when the entry's
verdict row first appears in the sink's SQLite database (polled every 0.1 s: that is the
resolution). After the last send it waits up to --drain-timeout for the rest.

When the pipeline cannot keep up, the numbers say so: the achieved send and processing rates,
the median latency by fifth of the sending period (it grows when a backlog builds), and how many
entries still had no verdict when the wait ended (left out of the percentiles).

Usage: python bench/latency.py [--rates 100,500,2000] [--duration 20] [--drain-timeout 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

from _harness import (
    POLL_S,
    Bench,
    common_args,
    emit,
    log,
    run_main,
    synthetic,
    where,
)

from schemas.entries import RawEntry

GROWTH_S = 2.0  # latency growth over a run beyond which a rate is not kept up with


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def run_rate(bench: Bench, args: argparse.Namespace, offered: float) -> dict[str, object]:
    settings = bench.settings(f"rate{offered:g}")
    stream = synthetic(args, None)
    warmup = [next(stream) for _ in range(args.warmup)]
    count = int(offered * args.duration)
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    failure: list[BaseException] = []

    def record(entry: RawEntry, at: float) -> None:
        sent[entry.entry_id] = at

    with bench.service(settings) as running:
        producer, view, children = running.producer, running.view, running.children

        def send() -> None:
            try:
                producer.send_all((next(stream) for _ in range(count)), offered, record)
            except BaseException as exc:  # reported by the main thread
                failure.append(exc)

        running.warm_up(warmup)
        log("rate_start", rate=offered, entries=count, seconds=args.duration)
        sender = threading.Thread(target=send, name="producer", daemon=True)
        sender.start()
        sending_ended: float | None = None
        deadline = float("inf")
        next_report = time.monotonic() + 5
        while len(seen) < count and time.monotonic() < deadline:
            now = time.monotonic()
            for entry_id in view.new_verdicts():
                if entry_id in sent:
                    seen[entry_id] = now
            for child in children:
                child.check()
            if failure:
                raise failure[0]
            if sending_ended is None and not sender.is_alive():
                sending_ended = now
                deadline = now + args.drain_timeout
            if now >= next_report:
                log("progress", rate=offered, sent=len(sent), processed=len(seen))
                next_report = now + 5
            time.sleep(POLL_S)
        ended = time.monotonic()
        sender.join()
        if failure:
            raise failure[0]
    return summarise(offered, sent, seen, sending_ended or ended, ended)


def kept_up(unprocessed: int, by_fifth: list[list[float]]) -> bool:
    """Every entry processed, and no backlog built up: the median latency of the last fifth of
    the sending period is at most GROWTH_S above the first fifth's."""
    if unprocessed or not by_fifth[0] or not by_fifth[-1]:
        return False
    return statistics.median(by_fifth[-1]) <= statistics.median(by_fifth[0]) + GROWTH_S


def summarise(
    offered: float,
    sent: dict[str, float],
    seen: dict[str, float],
    sending_ended: float,
    ended: float,
) -> dict[str, object]:
    first, last = min(sent.values()), max(sent.values())
    send_s = max(last - first, 1e-9)
    latencies = [seen[i] - sent[i] for i in seen]
    by_fifth: list[list[float]] = [[] for _ in range(5)]
    for entry_id, at in sent.items():
        if entry_id in seen:
            by_fifth[min(4, int(5 * (at - first) / send_s))].append(seen[entry_id] - at)
    processed_while_sending = sum(1 for t in seen.values() if t <= sending_ended)
    unprocessed = len(sent) - len(seen)
    last_unprocessed = max((at for i, at in sent.items() if i not in seen), default=None)
    result: dict[str, object] = {
        "offered_rate": offered,
        "entries_sent": len(sent),
        "achieved_send_rate": round(len(sent) / send_s, 1),
        "processed_rate_while_sending": round(processed_while_sending / send_s, 1),
        "processed": len(seen),
        "processed_rate_overall": round(
            len(seen) / max(max(seen.values(), default=first) - first, 1e-9), 1
        ),
        "unprocessed_at_end": unprocessed,
        # Left out of the percentiles: each of them waited at least this long.
        "unprocessed_waited_at_least_s": (
            round(ended - last_unprocessed, 3) if last_unprocessed is not None else None
        ),
        "latency_s": {
            "p50": percentile(latencies, 0.50),
            "p99": percentile(latencies, 0.99),
            "max": round(max(latencies), 3) if latencies else None,
        },
        "median_latency_s_by_fifth_of_sending": [
            round(statistics.median(f), 3) if f else None for f in by_fifth
        ],
        "kept_up": kept_up(unprocessed, by_fifth),
    }
    log("rate_done", **{k: v for k, v in result.items() if not isinstance(v, dict | list)})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_args(parser)
    parser.add_argument(
        "--rates", default="100,500,2000", help="Entries/s, comma-separated (default 100,500,2000)."
    )
    parser.add_argument("--duration", type=float, default=20.0, help="Seconds of sending per rate.")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=60.0,
        help="Seconds to wait for the remaining verdicts after the last send.",
    )
    parser.add_argument("--warmup", type=int, default=30, help="Untimed entries sent first.")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    with Bench("latency", args) as bench:
        load = os.getloadavg()[0]
        results = [run_rate(bench, args, r) for r in rates]
    emit(
        {
            "benchmark": "latency",
            "duration_s": args.duration,
            "drain_timeout_s": args.drain_timeout,
            **where(args, load),
            "measured": "from the producer's send() call (in this process) to the first "
            "appearance of the entry's verdict row in the sink's SQLite, polled every 0.1 s; "
            "percentiles over the entries processed before the end of the wait; kept_up: all "
            f"processed and the last fifth's median latency <= the first fifth's + {GROWTH_S} s",
            "rates": results,
        }
    )


if __name__ == "__main__":
    run_main(main)
