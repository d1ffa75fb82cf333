"""What the benchmark scripts share: a broker, the service as real processes, a streaming producer,
a view of what the sink wrote, and clean-up of everything started (also on Ctrl-C and errors).

Each script starts its own embedded broker in a temporary folder, unless --bootstrap-servers
(or KAFKA_BOOTSTRAP_SERVERS) names a Kafka to use; every run inside a script has its own topic
prefix, consumer groups, output and state folders. Progress goes to stderr, the result (one JSON
object) to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from synthetic import Mix, synthetic_entries

from schemas.entries import RawEntry
from schemas.topics import RAW_ENTRIES
from service.broker.embedded import free_port, start_broker, stop_broker
from service.kafka.admin import ensure_topics
from service.logging import configure_logging
from service.processes import Child, child_env, spawn, stop_child
from service.progress import drained
from service.replay.producer import create_producer
from service.settings import LogFormat, Settings
from service.sink.runner import db_path

BENCH = Path(__file__).resolve().parent
POLL_S = 0.1  # how often the sink's database is looked at: the resolution of every timing


def log(event: str, **fields: object) -> None:
    """One progress line on stderr."""
    details = " ".join(f"{k}={v}" for k, v in fields.items())
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {event} {details}\n".rstrip() + "\n")
    sys.stderr.flush()


def where(args: argparse.Namespace, load: float | None = None) -> dict[str, Any]:
    """Where a bench ran, for its JSON result (and the load average when it started)."""
    found: dict[str, Any] = {
        "partitions": args.partitions,
        "broker": args.bootstrap_servers or "embedded apache kafka",
        "cpus": os.cpu_count(),
    }
    if load is not None:
        found["load_average_at_start"] = round(load, 2)
    return found


def emit(result: dict[str, Any]) -> None:
    """The script's result: one JSON object on stdout."""
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    sys.stdout.flush()


def common_args(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("LIVEBLOG_BOOTSTRAP_SERVERS")
    parser.add_argument(
        "--bootstrap-servers",
        default=env,
        help="Kafka host:port[,...] (env KAFKA_BOOTSTRAP_SERVERS). "
        "Default: an embedded Apache Kafka broker in a temporary folder.",
    )
    parser.add_argument("--partitions", type=int, default=4, help="Partitions per topic.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the synthetic entries.")
    parser.add_argument(
        "--seconds-per-entry",
        type=float,
        default=1.0,
        help="Event-time rate of the synthetic stream: one entry every N s of event time.",
    )
    parser.add_argument(
        "--start",
        type=start_time,
        default="now",
        help="Event time of the first synthetic entry, ISO 8601 (default: now).",
    )
    parser.add_argument(
        "--corrections",
        type=float,
        default=0.0,
        help="Share of synthetic entries that are a new version of a recent entry (an edited "
        "update: same id, one paragraph edited, a later updated_time). Default 0.",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the temporary folder (logs, sink outputs)."
    )


def synthetic(args: argparse.Namespace, count: int | None) -> Iterator[RawEntry]:
    """The script's synthetic stream (see bench/synthetic.py), as its common options say."""
    return synthetic_entries(
        count,
        seed=args.seed,
        seconds_per_entry=args.seconds_per_entry,
        start=args.start,
        mix=Mix(correction=args.corrections),
    )


def start_time(value: str) -> datetime:
    if value == "now":
        return datetime.now(UTC).replace(microsecond=0)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def run_main(main: Callable[[], None]) -> None:
    """Run a script's main: Ctrl-C or SIGTERM ends it (exit 130) after the clean-up ran."""
    try:
        main()
    except KeyboardInterrupt as exc:
        log("interrupted", signal=exc.args[0] if exc.args else "SIGINT")
        sys.exit(130)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


class Bench:
    """A benchmark session: the broker, the processes it starts, and their clean-up."""

    def __init__(self, name: str, args: argparse.Namespace, env: dict[str, str] | None = None):
        self.name = name
        self.args = args
        self.env = env or {}
        self.children: list[Child] = []
        self.folder = Path(tempfile.mkdtemp(prefix=f"liveblog-bench-{name}-"))
        self.started_broker = False
        self.broker_pid: int | None = None  # the embedded broker's, when this bench started it
        self.broker_data_dir: Path | None = None
        self.bootstrap_servers: str | None = args.bootstrap_servers

    def __enter__(self) -> Bench:
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        # Worker settings that are not flags of `liveblog worker` reach it through the
        # environment it inherits (service.processes.child_env starts from os.environ).
        os.environ.update(self.env)
        configure_logging(Settings(log_format=LogFormat.JSON, log_level="WARNING"))
        log("bench_started", name=self.name, folder=self.folder)
        if self.bootstrap_servers is None:
            handle = start_broker(self.folder / "broker")
            self.started_broker = True
            self.broker_pid = handle.pid
            self.broker_data_dir = handle.data_dir
            self.bootstrap_servers = handle.bootstrap_servers
            log("broker_started", bootstrap_servers=handle.bootstrap_servers, pid=handle.pid)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for child in reversed(self.children):
            if child.proc.poll() is None:
                stop_child(child)
        if self.started_broker:
            stop_broker(self.folder / "broker")
        if self.args.keep:
            log("kept", folder=self.folder)
        else:
            shutil.rmtree(self.folder, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def settings(self, run: str, **overrides: object) -> Settings:
        """Settings of one run: its own topics, consumer groups, output and state folders."""
        unique = f"{run}-{uuid.uuid4().hex[:6]}"
        return Settings().with_overrides(
            bootstrap_servers=self.bootstrap_servers,
            topic_prefix=f"bench-{self.name}-{unique}.",
            app_id=f"bench-{self.name}-{unique}",
            partitions=self.args.partitions,
            out_dir=self.folder / unique / "out",
            state_dir=self.folder / unique / "state",
            session_timeout_s=6.0,
            **overrides,
        )

    def adopt(self, child: Child) -> Child:
        self.children.append(child)
        return child

    def spawn_worker(self, settings: Settings, number: int = 0) -> Child:
        """A `liveblog worker` process with its own state folder and HTTP port."""
        own = settings.with_overrides(
            state_dir=settings.state_dir / f"worker-{number}", web_port=free_port()
        )
        return self.adopt(spawn("worker", ["worker"], own))

    def spawn_script(self, name: str, script: Path, settings: Settings) -> Child:
        """A Python script of bench/ as a child process, configured like the service's roles."""
        own = settings.with_overrides(state_dir=settings.state_dir / name, web_port=free_port())
        own.state_dir.mkdir(parents=True, exist_ok=True)
        log_path = own.state_dir / f"{name}.log"
        with log_path.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, str(script)],
                env=child_env(own),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self.adopt(Child(name, proc, log_path))

    def start_service(self, settings: Settings, workers: int = 1) -> list[Child]:
        """Topics, `workers` worker processes and one sink process."""
        ensure_topics(settings)
        children = [self.spawn_worker(settings, n) for n in range(workers)]
        children.append(self.adopt(spawn("sink", ["sink"], settings)))
        return children

    @contextlib.contextmanager
    def service(self, settings: Settings, workers: int = 1) -> Iterator[Running]:
        """The service started (start_service), a producer and a view of the sink; all of them
        closed and stopped on the way out."""
        children = self.start_service(settings, workers)
        running = Running(settings, children, Producer(settings), SinkView(settings))
        try:
            yield running
        finally:
            running.producer.close()
            running.view.close()
            self.stop(running.children)

    def stop(self, children: Iterable[Child]) -> None:
        for child in children:
            if child.proc.poll() is None:
                stop_child(child)

    def kill(self, child: Child) -> None:
        """kill -9, as a crash would."""
        child.proc.send_signal(signal.SIGKILL)
        child.proc.wait(timeout=10)


class Producer:
    """kafka-python producer of the replay (same configuration), fed one entry at a time."""

    def __init__(self, settings: Settings) -> None:
        self.kafka = create_producer(settings)
        self.topic = RAW_ENTRIES.full_name(settings.topic_prefix)
        self.errors: list[BaseException] = []
        self.sent = 0

    def send(self, entry: RawEntry) -> float:
        """Send one entry; returns the time (monotonic) it was handed to the client."""
        at = time.monotonic()
        future = self.kafka.send(
            self.topic,
            key=entry.entry_id.encode("utf-8"),
            value=entry.model_dump_json().encode("utf-8"),
            timestamp_ms=int(entry.event_time.timestamp() * 1000),
        )
        future.add_errback(self.errors.append)
        self.sent += 1
        return at

    def send_all(
        self,
        entries: Iterable[RawEntry],
        rate: float | None = None,
        on_send: Callable[[RawEntry, float], None] | None = None,
    ) -> int:
        """Send every entry, at `rate` entries/s if given (else as fast as possible), then flush."""
        start = time.monotonic()
        count = 0
        for entry in entries:
            if rate:
                delay = start + count / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            at = self.send(entry)
            if on_send:
                on_send(entry, at)
            count += 1
        self.flush()
        return count

    def flush(self) -> None:
        self.kafka.flush()
        if self.errors:
            raise RuntimeError(f"{len(self.errors)} sends failed, first: {self.errors[0]!r}")

    def close(self) -> None:
        self.kafka.close(timeout=10)


class SinkView:
    """What the sink has written so far, read from its SQLite database while it runs."""

    def __init__(self, settings: Settings) -> None:
        self.path = db_path(settings)
        self.db: sqlite3.Connection | None = None
        self.last_rowid = 0

    def _connect(self) -> sqlite3.Connection | None:
        if self.db is None and self.path.exists():
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        return self.db

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        db = self._connect()
        if db is None:
            return []
        try:
            return db.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # the sink is still creating its tables
            return []

    def new_verdicts(self) -> list[str]:
        """Entry ids whose first verdict was written since the last call (rows are upserted,
        so a new row gets a new rowid and a revised verdict keeps its own)."""
        rows = self.query(
            "SELECT rowid, id FROM entry_verdicts WHERE rowid > ? ORDER BY rowid", self.last_rowid
        )
        if rows:
            self.last_rowid = rows[-1][0]
        return [str(r[1]) for r in rows]

    def count(self, table: str) -> int:
        rows = self.query(f'SELECT count(*) FROM "{table}"')
        return int(rows[0][0]) if rows else 0

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def wait_for(
    what: str,
    done: Callable[[], bool],
    children: Iterable[Child],
    timeout_s: float,
    interval_s: float = POLL_S,
) -> float:
    """Poll `done` until it holds; returns the time (monotonic) it did. Raises if a child died
    or on timeout."""
    deadline = time.monotonic() + timeout_s
    children = list(children)
    while True:
        for child in children:
            child.check()
        if done():
            return time.monotonic()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done after {timeout_s:.0f}s")
        time.sleep(interval_s)


@dataclass
class Running:
    """One run of the service in a bench; `children` are the workers, then the sink (a
    restarted worker replaces its entry)."""

    settings: Settings
    children: list[Child]
    producer: Producer
    view: SinkView

    def warm_up(self, entries: list[RawEntry]) -> None:
        """Send untimed entries and wait until they are processed: start-up, group joins and
        table recovery are then behind the timed part."""
        self.producer.send_all(entries)
        wait_for_verdicts(self.view, {e.entry_id for e in entries}, self.children, 180)
        wait_drained(self.settings, self.children, 180)


def wait_for_verdicts(
    view: SinkView, ids: set[str], children: Iterable[Child], timeout_s: float
) -> float:
    """Until the sink holds a verdict for every id; returns when (monotonic). An entry that was
    dead-lettered never gets one: the first dead letter ends the wait with its reason."""
    missing = set(ids)

    def done() -> bool:
        missing.difference_update(view.new_verdicts())
        check_dead_letters(view)
        return not missing

    return wait_for(f"verdicts ({len(ids)} entries)", done, children, timeout_s)


def check_dead_letters(view: SinkView) -> None:
    rows = view.query("SELECT count(*), min(body) FROM dead_letters")
    if rows and rows[0][0]:
        first = json.loads(rows[0][1])
        raise RuntimeError(
            f"{rows[0][0]} dead letters in the sink, e.g. at stage {first.get('stage')}: "
            f"{first.get('reason')}"
        )


def wait_drained(settings: Settings, children: Iterable[Child], timeout_s: float) -> float:
    """Until no worker or sink consumer group lags (every table and output written)."""
    return wait_for("consumer lag", lambda: drained(settings), children, timeout_s, 0.5)


def rss_mb(pid: int | None) -> float | None:
    """Resident set size of a process (VmRSS), in MiB; None if it is gone."""
    if pid is None:
        return None
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


KEYS = {
    "entry_verdicts": "entry_id",
    "quotes": "occurrence_id",
    "canonical_quotes": "quote_id",
    "speaker_updates": "speaker_id",
}


def _short(value: object) -> object:
    text = json.dumps(value)
    return value if len(text) <= 160 else text[:160] + "…"


def row_diff(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any]:
    """The fields in which two versions of a row differ (a list: the items only in one)."""
    if a is None or b is None:
        return {"only_in": "reference" if b is None else "other"}
    fields: dict[str, Any] = {}
    for name in sorted(a.keys() | b.keys()):
        va, vb = a.get(name), b.get(name)
        if va == vb:
            continue
        if isinstance(va, list) and isinstance(vb, list):
            sa, sb = ({json.dumps(v, sort_keys=True) for v in x} for x in (va, vb))
            fields[name] = {
                "only_reference": [_short(json.loads(v)) for v in sorted(sa - sb)[:3]],
                "only_other": [_short(json.loads(v)) for v in sorted(sb - sa)[:3]],
            }
        else:
            fields[name] = {"reference": _short(va), "other": _short(vb)}
    return fields


def state_diff(
    reference: dict[str, list[str]], other: dict[str, list[str]], examples: int = 3
) -> dict[str, Any]:
    """Per table: rows only in the reference (missing) and only in `other` (unexpected), and for
    the first few ids concerned the fields that differ, to start an investigation from."""
    diff: dict[str, Any] = {}
    for table in reference:
        missing = set(reference[table]) - set(other[table])
        unexpected = set(other[table]) - set(reference[table])
        diff[table] = {
            "rows": len(reference[table]),
            "missing": len(missing),
            "unexpected": len(unexpected),
        }
        if missing or unexpected:
            key = KEYS[table]
            ref = {r[key]: r for r in map(json.loads, missing)}
            oth = {r[key]: r for r in map(json.loads, unexpected)}
            ids = sorted(ref.keys() | oth.keys())[:examples]
            diff[table]["examples"] = {i: row_diff(ref.get(i), oth.get(i)) for i in ids}
    return diff


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("nan")
