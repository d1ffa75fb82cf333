"""Crash recovery: kill -9 the worker K times during a replay, then compare with a clean run.

Two runs on the same broker, each with its own topics and consumer groups, get the same
synthetic entries (all sent at once, so the worker always has a backlog):

* clean:   one `liveblog worker` + `liveblog sink`, never interrupted;
* crashed: the worker is killed with SIGKILL K times. After each (re)start the bench waits until
  the new worker process is making progress (its consumer group commits new offsets: table
  recovery and the group join are behind it), then a random 0–--max-delay seconds, then kills
  it and starts a new one. Each kill is recorded with the number of entries
  that had a verdict at that moment. The sink is not interrupted.

After the last kill the bench waits at most --finish-timeout for every verdict and for the
consumer groups to drain, then the sinks' final states are compared: entries, quote occurrences,
canonical quotes and speaker tallies lost (in the clean run, not in the crashed one) or
duplicated (counted more often than in the clean run). All of them must be 0
(`lost_or_duplicated_total`). Verdicts that name a different earlier copy as an entry's or a
paragraph's source depend on arrival order, in the clean run as well: they are counted apart
(`order_dependent`, with which run named the earlier copy) and make
`identical_to_clean_run` false; scale_out.py --workers 1,1 shows the same between two clean runs.

Usage: python bench/crash.py [--kills 20] [--entries 5000] [--max-delay 5]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import time
from typing import Any

from _harness import (
    Bench,
    common_args,
    emit,
    log,
    run_main,
    state_diff,
    synthetic,
    wait_drained,
    wait_for,
    wait_for_verdicts,
    where,
)
from kafka import KafkaAdminClient, TopicPartition
from kafka.errors import KafkaError

from schemas.entries import RawEntry
from schemas.topics import TOPICS
from service.kafka.config import kafka_python_config
from service.processes import Child
from service.settings import Settings
from service.sink.runner import db_path
from service.sink.state import final_state
from service.sink.writers import read_rows


def clean_run(bench: Bench, entries: list[RawEntry]) -> Settings:
    settings = bench.settings("clean")
    with bench.service(settings) as running:
        running.producer.send_all(entries)
        wait_for_verdicts(running.view, {e.entry_id for e in entries}, running.children, 3600)
        wait_drained(settings, running.children, 600)
    log("clean_done", entries=len(entries))
    return settings


def crashed_run(
    bench: Bench, entries: list[RawEntry], args: argparse.Namespace
) -> tuple[Settings, list[dict[str, Any]]]:
    rng = random.Random(args.seed)
    settings = bench.settings("crashed")
    kills: list[dict[str, Any]] = []
    with bench.service(settings) as running, contextlib.closing(Commits(settings)) as commits:
        children, view = running.children, running.view
        running.producer.send_all(entries)
        for number in range(1, args.kills + 1):
            started = time.monotonic()
            progressing = wait_for_progress(commits, children)
            progress_s = time.monotonic() - started
            delay = rng.uniform(0, args.max_delay)
            time.sleep(delay)
            done = view.count("entry_verdicts")
            bench.kill(children[0])
            kills.append(
                {
                    "kill": number,
                    "seconds_until_progress": round(progress_s, 1),
                    "seconds_after_start": round(time.monotonic() - started, 1),
                    "entries_with_verdict": done,
                    "mid_stream": progressing and done < len({e.entry_id for e in entries}),
                }
            )
            log("killed", **kills[-1])
            children[0] = bench.spawn_worker(settings)
        # A lost entry never gets its verdict: wait a bounded time, then compare what is there.
        try:
            wait_for_verdicts(view, {e.entry_id for e in entries}, children, args.finish_timeout)
        except TimeoutError as exc:
            log("incomplete", reason=str(exc))
        wait_drained(settings, children, args.finish_timeout)
    return settings, kills


class Commits:
    """Offsets the worker group has committed, summed over its input and internal topics: they
    advance only when a live worker has processed something (a killed one commits nothing)."""

    def __init__(self, settings: Settings) -> None:
        self.group = settings.app_id
        self.admin = KafkaAdminClient(**kafka_python_config(settings), client_id="bench-commits")
        self.partitions = [
            TopicPartition(t.full_name(settings.topic_prefix), p)
            for t in TOPICS
            if t.role in ("input", "internal")
            for p in range(settings.partitions)
        ]

    def total(self) -> int:
        try:
            offsets = self.admin.list_group_offsets({self.group: self.partitions})
        except KafkaError:
            return -1
        return sum(max(0, o.offset) for o in offsets.get(self.group, {}).values())

    def close(self) -> None:
        self.admin.close()


def wait_for_progress(commits: Commits, children: list[Child], timeout_s: float = 120) -> bool:
    """Until the (re)started worker commits new offsets: table recovery and the group join are
    behind it. False if it did not within timeout_s (nothing left to do, or stuck)."""
    before = commits.total()
    try:
        wait_for("progress", lambda: commits.total() > before, children, timeout_s, 0.5)
    except TimeoutError:
        return False
    return True


def by_id(settings: Settings, table: str, key: str) -> dict[str, dict[str, Any]]:
    return {str(row[key]): row for row in read_rows(db_path(settings), table)}


def lost_and_duplicated(
    clean: dict[str, dict[str, Any]], crashed: dict[str, dict[str, Any]], count: str | None = None
) -> dict[str, int]:
    """Rows missing and unexpected; with `count`, the counter summed over rows: how much less
    (lost) and how much more (duplicated) the crashed run counted."""
    result = {
        "rows": len(clean),
        "rows_lost": len(clean.keys() - crashed.keys()),
        "rows_unexpected": len(crashed.keys() - clean.keys()),
    }
    if count:
        deltas = [
            crashed.get(k, {}).get(count, 0) - clean.get(k, {}).get(count, 0)
            for k in clean.keys() | crashed.keys()
        ]
        result[f"{count}_lost"] = -sum(d for d in deltas if d < 0)
        result[f"{count}_duplicated"] = sum(d for d in deltas if d > 0)
    return result


def _sources(verdict: dict[str, Any]) -> list[str]:
    """The earlier entries a verdict names: its canonical entry and its paragraphs' sources."""
    named = [verdict["canonical_id"]] if verdict["canonical_id"] else []
    return named + [p["repeat_of_entry"] for p in verdict["paragraphs"] if p["repeat_of_entry"]]


def order_dependent(
    clean: dict[str, dict[str, Any]], crashed: dict[str, dict[str, Any]]
) -> dict[str, int]:
    """Verdicts that name other earlier copies in the two runs, and which run named the
    earlier ones. The owners of a signature remember its earliest few holders; when an
    earlier copy reaches them after a later one they no longer remember, that later entry's
    verdict keeps naming the copy it was told of. Partitions consumed at uneven speed cause
    this in any run, so these are order effects, not losses; neither run is the reference."""
    times = {k: v["event_time"] for k, v in clean.items()}
    keys = ("status", "canonical_id", "paragraphs")
    differing = [
        k for k in clean.keys() & crashed.keys() if any(clean[k][f] != crashed[k][f] for f in keys)
    ]

    def earliest(verdict: dict[str, Any]) -> tuple[str, str]:
        return min(((times.get(s, ""), s) for s in _sources(verdict)), default=("", ""))

    return {
        "verdicts_differing": len(differing),
        "status_differing": sum(1 for k in differing if clean[k]["status"] != crashed[k]["status"]),
        "crashed_run_named_the_earlier_copy": sum(
            1 for k in differing if earliest(crashed[k]) < earliest(clean[k])
        ),
        "clean_run_named_the_earlier_copy": sum(
            1 for k in differing if earliest(clean[k]) < earliest(crashed[k])
        ),
    }


def compare(clean: Settings, crashed: Settings) -> dict[str, Any]:
    verdicts_a = by_id(clean, "entry_verdicts", "entry_id")
    verdicts_b = by_id(crashed, "entry_verdicts", "entry_id")
    return {
        "entries": lost_and_duplicated(verdicts_a, verdicts_b),
        "quote_occurrences": lost_and_duplicated(
            by_id(clean, "quotes", "occurrence_id"), by_id(crashed, "quotes", "occurrence_id")
        ),
        "canonical_quotes": lost_and_duplicated(
            by_id(clean, "canonical_quotes", "quote_id"),
            by_id(crashed, "canonical_quotes", "quote_id"),
            "occurrences",
        ),
        "speakers": lost_and_duplicated(
            by_id(clean, "speaker_updates", "speaker_id"),
            by_id(crashed, "speaker_updates", "speaker_id"),
            "occurrences",
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_args(parser)
    parser.add_argument("--kills", type=int, default=20, help="Times the worker is killed (K).")
    parser.add_argument(
        "--entries",
        type=int,
        default=5000,
        help="Entries replayed: enough that every kill lands before the stream is processed.",
    )
    parser.add_argument(
        "--max-delay", type=float, default=5.0, help="Longest wait before a kill, seconds."
    )
    parser.add_argument(
        "--finish-timeout",
        type=float,
        default=300.0,
        help="Seconds to wait after the last kill for every verdict (a lost entry has none).",
    )
    args = parser.parse_args()
    entries = list(synthetic(args, args.entries))
    started = time.monotonic()
    with Bench("crash", args) as bench:
        clean = clean_run(bench, entries)
        crashed, kills = crashed_run(bench, entries, args)
        reference, state = final_state(clean), final_state(crashed)
        counts = compare(clean, crashed)
        order_effects = order_dependent(
            by_id(clean, "entry_verdicts", "entry_id"), by_id(crashed, "entry_verdicts", "entry_id")
        )
    problems = sum(v for table in counts.values() for k, v in table.items() if k != "rows" and v)
    emit(
        {
            "benchmark": "crash",
            "entries": args.entries,
            "kills": len(kills),
            "kills_mid_stream": sum(1 for k in kills if k["mid_stream"]),
            **where(args),
            "elapsed_s": round(time.monotonic() - started, 1),
            "identical_to_clean_run": state == reference,
            "lost_or_duplicated_total": problems,
            "counts": counts,
            "order_dependent": order_effects,
            "final_state_diff": state_diff(reference, state),
            "median_seconds_from_start_to_progress": round(
                statistics.median(k["seconds_until_progress"] for k in kills), 1
            )
            if kills
            else None,
            "kill_points": kills,
        }
    )


if __name__ == "__main__":
    run_main(main)
