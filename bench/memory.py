"""Worker memory over a long stream: is the state bounded by the dedup horizon, not the length?

One `liveblog worker` + `liveblog sink` process synthetic entries with a short dedup horizon
(--horizon, seconds of event time, given to the worker as LIVEBLOG_DEDUP_HORIZON_S), so the
dedup index reaches its steady state early. The resident set size (VmRSS in /proc/<pid>/status)
of the worker, the sink and the embedded broker is sampled every --sample-interval seconds and
recorded, with the embedded broker's disk use (its data dir), when the number of entries with a
verdict in the sink passes each checkpoint. The claim
holds if the worker's RSS at the later checkpoints is within ±10% of the first.

The dedup index expires by event time (service/stream/tables.py, EventTimeTable): a window
leaves memory once it lies two horizons behind the newest event time of its partition, so the
stream's event time must advance several horizons over the run (--seconds-per-entry against
--horizon) for the steady state to show. Dead letters are counted at every checkpoint: with
any, the run does not measure the pipeline working.

Entries are sent as the worker consumes them (at most --max-backlog ahead), so the processing
lag stays well below the horizon. Progress
(entries/s, ETA) goes to stderr; Ctrl-C stops the run and still prints what was measured. The
worker does a few dozen entries/s on a small machine: a million entries take hours.

Context printed with each checkpoint: rows in the sink's tables. Tables outside the dedup index
(canonical quotes, speakers) are not windowed: they grow with the number of
distinct quotes, which the synthetic edits keep creating.

Usage: python bench/memory.py [--checkpoints 100000,1000000] [--horizon 10]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _harness import Bench, SinkView, common_args, emit, log, rss_mb, run_main, synthetic, where

from service.processes import Child

TOLERANCE = 0.10
SINK_TABLES = (
    "entry_verdicts",
    "quotes",
    "canonical_quotes",
    "speaker_updates",
    "dead_letters",
)


def processed(view: SinkView) -> int:
    """Entries with a verdict: verdict rows are never deleted, so the highest rowid counts them."""
    rows = view.query("SELECT max(rowid) FROM entry_verdicts")
    return int(rows[0][0] or 0) if rows else 0


def disk_mb(folder: Path | None) -> float | None:
    """Disk used by the files under folder, in MB (None: no embedded broker of this bench's).
    Blocks allocated, not file sizes: Kafka preallocates each segment's index files (10 MB,
    sparse), which would more than double the figure."""
    if folder is None:
        return None
    total = 0
    for path in folder.rglob("*"):
        try:
            total += path.stat().st_blocks * 512 if path.is_file() else 0
        except OSError:  # a segment deleted by retention or compaction meanwhile
            continue
    return round(total / 1e6, 1)


def sample(started: float, done: int, worker: Child, sink: Child, bench: Bench) -> dict:
    return {
        "elapsed_s": round(time.monotonic() - started, 1),
        "entries": done,
        "worker_rss_mb": rss_mb(worker.proc.pid),
        "sink_rss_mb": rss_mb(sink.proc.pid),
        "broker_rss_mb": rss_mb(bench.broker_pid),
    }


def ratios(checkpoints: list[dict], key: str) -> list[float | None]:
    base = checkpoints[0][key] if checkpoints else None
    return [round(c[key] / base, 3) if base and c[key] else None for c in checkpoints]


def thin(samples: list[dict], keep: int = 60) -> list[dict]:
    step = max(1, len(samples) // keep)
    return samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_args(parser)
    parser.add_argument(
        "--checkpoints",
        default="100000,1000000",
        help="Entries processed at which RSS is recorded, comma-separated.",
    )
    parser.add_argument(
        "--horizon",
        type=float,
        default=10.0,
        help="LIVEBLOG_DEDUP_HORIZON_S for the worker, seconds of event time (default 10).",
    )
    parser.set_defaults(seconds_per_entry=0.01)
    parser.add_argument("--max-backlog", type=int, default=200, help="Entries sent ahead.")
    parser.add_argument("--sample-interval", type=float, default=5.0, help="Seconds.")
    parser.add_argument("--report-interval", type=float, default=30.0, help="Seconds.")
    args = parser.parse_args()
    checkpoints = sorted(int(c) for c in args.checkpoints.split(","))
    target = checkpoints[-1]
    per_horizon = args.horizon / args.seconds_per_entry
    if checkpoints[0] < 3 * per_horizon:
        log("warning", note=f"first checkpoint below 3 horizons ({3 * per_horizon:.0f} entries)")

    env = {"LIVEBLOG_DEDUP_HORIZON_S": str(args.horizon)}
    samples: list[dict] = []
    reached: list[dict] = []
    interrupted = False
    with Bench("memory", args, env) as bench:
        settings = bench.settings("memory")
        with bench.service(settings) as running:
            (worker, sink), producer, view = running.children, running.producer, running.view
            stream = synthetic(args, target)
            started = time.monotonic()
            next_sample = next_report = started
            last_report = (started, 0)
            done = 0
            try:
                while done < target:
                    while producer.sent < target and producer.sent - done < args.max_backlog:
                        producer.send(next(stream))
                    worker.check()
                    sink.check()
                    time.sleep(0.2)
                    done = processed(view)
                    now = time.monotonic()
                    if now >= next_sample:
                        samples.append(sample(started, done, worker, sink, bench))
                        next_sample = now + args.sample_interval
                    while len(reached) < len(checkpoints) and done >= checkpoints[len(reached)]:
                        row = sample(started, done, worker, sink, bench)
                        row["checkpoint"] = checkpoints[len(reached)]
                        row["broker_disk_mb"] = disk_mb(bench.broker_data_dir)
                        row["sink_rows"] = {t: view.count(t) for t in SINK_TABLES}
                        reached.append(row)
                        log("checkpoint", **{k: v for k, v in row.items() if k != "sink_rows"})
                    if now >= next_report:
                        recent = (done - last_report[1]) / max(now - last_report[0], 1e-9)
                        overall = done / max(now - started, 1e-9)
                        eta = (target - done) / overall if overall else float("inf")
                        log(
                            "progress",
                            processed=done,
                            rate=round(recent, 1),
                            overall_rate=round(overall, 1),
                            eta_min=round(eta / 60, 1),
                            worker_rss_mb=rss_mb(worker.proc.pid),
                        )
                        last_report = (now, done)
                        next_report = now + args.report_interval
            except KeyboardInterrupt:
                interrupted = True
                log("interrupted", processed=done)
            finally:
                dead_letters = view.count("dead_letters")
        elapsed = time.monotonic() - started
    worker_ratios = ratios(reached, "worker_rss_mb")
    emit(
        {
            "benchmark": "memory",
            "interrupted": interrupted,
            "dedup_horizon_s": args.horizon,
            "seconds_per_entry": args.seconds_per_entry,
            "entries_per_horizon": round(per_horizon),
            "max_backlog": args.max_backlog,
            **where(args),
            "elapsed_s": round(elapsed, 1),
            "entries_processed": done,
            "dead_letters_at_end": dead_letters,
            "entries_per_s": round(done / max(elapsed, 1e-9), 1),
            "checkpoints": reached,
            "worker_rss_ratio_to_first_checkpoint": worker_ratios,
            "sink_rss_ratio_to_first_checkpoint": ratios(reached, "sink_rss_mb"),
            "worker_flat_within_10pct": len(worker_ratios) > 1
            and all(r is not None and abs(r - 1) <= TOLERANCE for r in worker_ratios),
            "samples": thin(samples),
        }
    )


if __name__ == "__main__":
    run_main(main)
