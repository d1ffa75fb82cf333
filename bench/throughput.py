"""Throughput of the full pipeline against an identity Faust agent and its own pure core, in
one run on one broker.

1. identity: a Faust worker (bench/_identity.py, the service's Faust settings) copies each raw
   entry unchanged to another topic. Rate = N / (first entry sent → the Kafka timestamp of the
   last copy, which the identity agent's producer stamps when it sends it).
2. pipeline: real `liveblog worker` + `liveblog sink` processes (dedup → quotes → tables → sink).
   Rate = N / (first entry sent → every entry has a verdict row in the sink's SQLite), and,
   stricter, → no consumer group of the worker or the sink lags (every table and output
   written). The ratios use the stricter one.
3. core: the pure steps of every entry (validate, fingerprint, extract quotes) in this process,
   on one core, no Kafka (bench/core_speed.py's measure): entries per CPU second. What the
   pipeline would reach if Kafka and Faust cost nothing.

Printed: `identity.entries_per_s`, `pipeline.entries_per_s`, `core.entries_per_s`, and
`ratio_to_identity` and `ratio_to_core` (the pipeline's rate over each), with their targets.

Both first process a few warm-up entries (not timed), so start-up and the consumer-group join
are not counted. The N entries are synthetic (bench/synthetic.py), the same for both.

Usage: python bench/throughput.py [--entries 2000] [--warmup 50] [--bootstrap-servers HOST:PORT]
"""

from __future__ import annotations

import argparse
import os
import time

from _harness import (
    BENCH,
    Bench,
    Producer,
    common_args,
    emit,
    log,
    rate,
    run_main,
    synthetic,
    wait_drained,
    wait_for,
    wait_for_verdicts,
    where,
)
from _identity import OUTPUT
from core_speed import measure
from kafka import KafkaConsumer, TopicPartition

from schemas.entries import RawEntry
from schemas.topics import RAW_ENTRIES, TopicSpec
from service.kafka.admin import ensure_topics
from service.kafka.config import kafka_python_config
from service.settings import Settings

# The pipeline's drained rate over the identity agent's, and over its own pure core's.
TARGETS = {"ratio_to_identity": 0.25, "ratio_to_core": 0.5}
CORE_CPU_SECONDS = 5.0


class OutputReader:
    """Reads the identity agent's output topic from the beginning, without a consumer group."""

    def __init__(self, settings: Settings) -> None:
        topic = f"{settings.topic_prefix}{OUTPUT}"
        self.consumer = KafkaConsumer(**kafka_python_config(settings), enable_auto_commit=False)
        self.consumer.assign([TopicPartition(topic, p) for p in range(settings.partitions)])
        self.consumer.seek_to_beginning()
        self.timestamps: dict[bytes, float] = {}  # entry id -> when the copy was sent (epoch s)

    def poll(self) -> int:
        for messages in self.consumer.poll(timeout_ms=100).values():
            for message in messages:
                self.timestamps.setdefault(message.key, message.timestamp / 1000)
        return len(self.timestamps)


def run_identity(bench: Bench, warmup: list[RawEntry], main: list[RawEntry]) -> dict[str, object]:
    settings = bench.settings("identity")
    ensure_topics(settings, (RAW_ENTRIES, TopicSpec(OUTPUT, RawEntry, "entry_id", "output")))
    child = bench.spawn_script("identity", BENCH / "_identity.py", settings)
    producer, reader = Producer(settings), OutputReader(settings)
    try:
        producer.send_all(warmup)
        wait_for("identity warm-up", lambda: reader.poll() >= len(warmup), [child], 120, 0)
        log("identity_ready", entries=len(main))
        start = time.time()
        producer.send_all(main)
        sending = time.time() - start
        total = len(warmup) + len(main)
        wait_for("identity copies", lambda: reader.poll() >= total, [child], 600, 0)
    finally:
        producer.close()
        reader.consumer.close()
        bench.stop([child])
    end = max(reader.timestamps[e.entry_id.encode()] for e in main)
    seconds = end - start
    log("identity_done", seconds=round(seconds, 2), rate=rate(len(main), seconds))
    return {
        "seconds_sending": round(sending, 2),
        "seconds": round(seconds, 2),
        "entries_per_s": rate(len(main), seconds),
    }


def run_pipeline(bench: Bench, warmup: list[RawEntry], main: list[RawEntry]) -> dict[str, object]:
    settings = bench.settings("pipeline")
    with bench.service(settings) as run:
        run.warm_up(warmup)
        log("pipeline_ready", entries=len(main))
        start = time.monotonic()
        run.producer.send_all(main)
        sending = time.monotonic() - start
        ids = {e.entry_id for e in main}
        verdicts = wait_for_verdicts(run.view, ids, run.children, 3600)
        log("pipeline_verdicts", seconds=round(verdicts - start, 2))
        drained = wait_drained(settings, run.children, 600)
    log("pipeline_done", seconds=round(drained - start, 2), rate=rate(len(main), drained - start))
    return {
        "seconds_sending": round(sending, 2),
        "seconds_to_all_verdicts": round(verdicts - start, 2),
        "entries_per_s_verdicts": rate(len(main), verdicts - start),
        "seconds_to_drained": round(drained - start, 2),
        "entries_per_s": rate(len(main), drained - start),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_args(parser)
    parser.add_argument("--entries", type=int, default=2000, help="Timed entries (N).")
    parser.add_argument("--warmup", type=int, default=50, help="Untimed entries sent first.")
    args = parser.parse_args()
    entries = list(synthetic(args, args.warmup + args.entries))
    warmup, timed = entries[: args.warmup], entries[args.warmup :]
    with Bench("throughput", args) as bench:
        load = os.getloadavg()[0]
        identity = run_identity(bench, warmup, timed)
        pipeline = run_pipeline(bench, warmup, timed)
    core = measure([e.model_dump_json().encode("utf-8") for e in timed], CORE_CPU_SECONDS)
    drained = float(pipeline["entries_per_s"])
    ratios = {
        "ratio_to_identity": round(drained / float(identity["entries_per_s"]), 3),
        "ratio_to_core": round(drained / float(core["entries_per_s"]), 3),
    }
    emit(
        {
            "benchmark": "throughput",
            "entries": args.entries,
            "warmup_entries": args.warmup,
            **where(args, load),
            "identity": identity,
            "pipeline": pipeline,
            "core": {"entries_per_s": core["entries_per_s"], "parts": core["parts"]},
            **ratios,
            "targets": TARGETS,
            "meets_targets": all(ratios[name] >= target for name, target in TARGETS.items()),
            "measured": "first entry sent -> identity: Kafka timestamp of the last copy; "
            "pipeline: every verdict in the sink's SQLite (polled every 0.1 s), then no "
            "consumer lag (polled every 0.5 s); core: entries per CPU second of the pure "
            "steps in this process; ratios = pipeline (drained) / identity and / core; "
            "seconds_sending: the producer alone (the identity rate cannot exceed it)",
        }
    )


if __name__ == "__main__":
    run_main(main)
