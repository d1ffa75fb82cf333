"""Prometheus metrics of one worker, served at GET /metrics.

Counts come from a Faust sensor (Faust calls it for every message read, event processed and
message sent); consumer lag and table sizes are read when Prometheus scrapes. Each app has its
own registry, so several apps in one process (the agent tests) do not collide.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import faust
import prometheus_client
from faust.types import TP
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Most events take milliseconds; table writes and sends under load can take a second or more.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

# Prometheus convention: counters end in _total and nothing else; no _created series.
prometheus_client.disable_created_metrics()


class Metrics:
    def __init__(self, dead_letter_topic: str) -> None:
        self.registry = CollectorRegistry()
        self.dead_letter_topic = dead_letter_topic
        self.events_in = Counter(
            "liveblog_events_in",
            "Events read from each topic.",
            ["topic"],
            registry=self.registry,
        )
        self.events_out = Counter(
            "liveblog_events_out",
            "Events sent to each topic (outputs, internal topics and table changelogs).",
            ["topic"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "liveblog_dead_letters",
            "Events sent to the dead-letter topic, by the topic they failed on.",
            ["source_topic"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "liveblog_processing_latency_seconds",
            "Time an agent took for one event, from the stream handing it over to its ack.",
            ["topic"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        # Offset of the last event read, per partition: lag is measured against it.
        self.read: dict[TP, int] = {}

    def exposition(self) -> bytes:
        return prometheus_client.generate_latest(self.registry)


class MetricsSensor(faust.Sensor):
    """Feeds Metrics from Faust's callbacks; must be cheap, it runs for every event."""

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics

    def on_message_in(self, tp: TP, offset: int, message: Any) -> None:
        self.metrics.events_in.labels(tp.topic).inc()
        self.metrics.read[tp] = offset

    def on_stream_event_in(self, tp: TP, offset: int, stream: Any, event: Any) -> dict | None:
        return {"started": time.perf_counter()}

    def on_stream_event_out(
        self, tp: TP, offset: int, stream: Any, event: Any, state: dict | None = None
    ) -> None:
        if state:
            elapsed = time.perf_counter() - state["started"]
            self.metrics.latency.labels(tp.topic).observe(elapsed)

    def on_send_initiated(
        self, producer: Any, topic: str, message: Any, keysize: int, valsize: int
    ) -> None:
        self.metrics.events_out.labels(topic).inc()
        if topic == self.metrics.dead_letter_topic:
            # Dead letters are keyed by the topic the event failed on.
            key = message.key
            source = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
            self.metrics.dead_letters.labels(source).inc()


class StateCollector(Collector):
    """Gauges read at scrape time: consumer lag per partition, keys per table."""

    def __init__(self, app: faust.App, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "liveblog_consumer_lag",
            "Events in an assigned partition not yet read by this worker "
            "(high watermark minus the next offset to read).",
            labels=["topic", "partition"],
        )
        for tp, offset in self._read_and_assigned():
            highwater = self._highwater(tp)
            if highwater is not None:
                lag.add_metric([tp.topic, str(tp.partition)], max(0, highwater - offset - 1))
        yield lag
        sizes = GaugeMetricFamily(
            "liveblog_table_keys",
            "Keys this worker holds in each table (active and standby partitions).",
            labels=["table"],
        )
        for table in self.app.tables.values():
            sizes.add_metric([table.name], len(table.data))
        yield sizes

    def _read_and_assigned(self) -> list[tuple[TP, int]]:
        try:
            assigned = self.app.consumer.assignment()
        except Exception:  # not started yet: no assignment to report
            return []
        return sorted((tp, o) for tp, o in self.metrics.read.items() if tp in assigned)

    def _highwater(self, tp: TP) -> int | None:
        try:
            return self.app.consumer.highwater(tp)
        except Exception:  # partition revoked between the two calls
            return None


def install_metrics(app: faust.App, dead_letter_topic: str) -> Metrics:
    metrics = Metrics(dead_letter_topic)
    app.sensors.add(MetricsSensor(metrics))
    metrics.registry.register(StateCollector(app, metrics))
    return metrics
