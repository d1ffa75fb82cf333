"""The embedded Apache Kafka on its own: seconds to start (first start, which formats the data dir,
and restarts on kept data), resident memory once idle, and seconds to a clean stop.

Each round starts the broker in a temporary folder, waits --idle seconds, samples its RSS, stops
it; the first round formats, the others restart on the same data. Progress goes to stderr, the
result (one JSON object) to stdout.

Usage: python bench/broker.py [--rounds 3] [--idle 10] [--heap 512m]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _harness import emit, log, rss_mb, run_main

from service.broker.embedded import DEFAULT_HEAP, start_broker, stop_broker
from service.broker.install import find_runtime
from service.logging import configure_logging
from service.settings import LogFormat, Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="Starts: 1 first + N-1 restarts.")
    parser.add_argument("--idle", type=float, default=10.0, help="Seconds idle before sampling.")
    parser.add_argument("--heap", default=DEFAULT_HEAP, help="Java heap (-Xmx).")
    args = parser.parse_args()
    configure_logging(Settings(log_format=LogFormat.JSON, log_level="WARNING"))
    runtime = find_runtime()  # jars resolved before timing: a start never includes Maven
    folder = Path(tempfile.mkdtemp(prefix="liveblog-bench-broker-"))
    rounds = []
    try:
        for number in range(args.rounds):
            t0 = time.monotonic()
            handle = start_broker(folder, heap=args.heap)
            started = time.monotonic() - t0
            time.sleep(args.idle)  # the idle period is what is measured, not a wait for a state
            rss = rss_mb(handle.pid)
            t1 = time.monotonic()
            stop_broker(folder)
            stopped = time.monotonic() - t1
            row = {
                "start": "first (formats storage)" if number == 0 else "restart on kept data",
                "start_s": round(started, 2),
                "idle_rss_mb": rss,
                "stop_s": round(stopped, 2),
            }
            log("round", **row)
            rounds.append(row)
    finally:
        stop_broker(folder)
        shutil.rmtree(folder, ignore_errors=True)
    restarts = [r["start_s"] for r in rounds[1:]]
    emit(
        {
            "benchmark": "broker",
            "kafka": runtime.kafka_version,
            "java": str(runtime.java),
            "heap": args.heap,
            "cpus": os.cpu_count(),
            "load_average_at_start": round(os.getloadavg()[0], 2),
            "idle_s": args.idle,
            "rounds": rounds,
            "first_start_s": rounds[0]["start_s"] if rounds else None,
            "restart_median_s": round(statistics.median(restarts), 2) if restarts else None,
            "idle_rss_mb_median": statistics.median(r["idle_rss_mb"] or 0 for r in rounds),
        }
    )


if __name__ == "__main__":
    run_main(main)
