"""What one entry costs the broker: messages and bytes per entry on every topic, changelogs too.

One `liveblog worker` + `liveblog sink` process --entries synthetic entries (after a warm-up
that is not counted). Then every topic of the run (its prefix: the service's topics and the
worker's table changelogs) is read from its start, and the messages and bytes (key + value) on
it are counted. Printed per entry, largest first: the figures for sizing a Kafka cluster, and
what the embedded broker, which keeps every message in memory, holds per entry.

Usage: python bench/footprint.py [--entries 500]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from _harness import Bench, common_args, emit, log, run_main, synthetic, wait_drained, where
from kafka import KafkaConsumer, TopicPartition

from service.kafka.config import kafka_python_config
from service.settings import Settings

WARM_UP = 50


def topic_sizes(settings: Settings) -> tuple[Counter[str], Counter[str]]:
    """(messages, bytes) per topic of the run, without its prefix, read end to end."""
    consumer = KafkaConsumer(**kafka_python_config(settings), enable_auto_commit=False)
    # Faust names a table's changelog after the app: "<app id>-<table>-changelog".
    prefixes = (settings.topic_prefix, f"{settings.app_id}-")
    try:
        names = [t for t in consumer.topics() if t.startswith(prefixes)]
        partitions = [
            TopicPartition(name, p)
            for name in names
            for p in sorted(consumer.partitions_for_topic(name) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        messages: Counter[str] = Counter()
        sizes: Counter[str] = Counter()
        left = {tp for tp, end in ends.items() if end > 0}
        while left:
            for tp, records in consumer.poll(timeout_ms=1000, max_records=5000).items():
                short = tp.topic.removeprefix(settings.topic_prefix).removeprefix(prefixes[1])
                for record in records:
                    messages[short] += 1
                    sizes[short] += len(record.key or b"") + len(record.value or b"")
                if consumer.position(tp) >= ends[tp]:
                    left.discard(tp)
        return messages, sizes
    finally:
        consumer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_args(parser)
    parser.add_argument("--entries", type=int, default=500, help="Entries counted.")
    args = parser.parse_args()
    stream = list(synthetic(args, WARM_UP + args.entries))
    with Bench("footprint", args) as bench:
        settings = bench.settings("footprint")
        with bench.service(settings) as running:
            running.warm_up(stream[:WARM_UP])
            before = topic_sizes(settings)
            started = time.monotonic()
            running.producer.send_all(stream[WARM_UP:])
            wait_drained(settings, running.children, 60 + args.entries)
            log("drained", seconds=round(time.monotonic() - started, 1))
            messages, sizes = topic_sizes(settings)
    messages.subtract(before[0])
    sizes.subtract(before[1])
    per_topic = {
        topic: {
            "messages_per_entry": round(messages[topic] / args.entries, 2),
            "kb_per_entry": round(sizes[topic] / args.entries / 1000, 2),
        }
        for topic, _ in sizes.most_common()
        if messages[topic]
    }
    emit(
        {
            "benchmark": "footprint",
            "entries": args.entries,
            **where(args),
            "messages_per_entry": round(sum(messages.values()) / args.entries, 1),
            "kb_per_entry": round(sum(sizes.values()) / args.entries / 1000, 1),
            "topics": per_topic,
        }
    )


if __name__ == "__main__":
    run_main(main)
