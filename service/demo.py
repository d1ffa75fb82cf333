"""The demo: broker, worker and sink as child processes, the seeds replayed, a summary printed.

Every process the demo starts is stopped when it ends, on success, failure or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import structlog
import typer
from tqdm import tqdm

from schemas.topics import OUTPUT_TOPICS, TOPICS
from service.broker.admin import ensure_topics
from service.broker.embedded import free_port, running_broker, start_broker, stop_broker, stop_pid
from service.broker.lag import group_lag
from service.replay.producer import publish
from service.replay.schedule import Pacing
from service.replay.source import read_entries
from service.settings import BrokerFlavour, Settings
from service.sink.runner import db_path, sink_group
from service.sink.writers import read_rows

log = structlog.get_logger(__name__)


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def check(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{tail}")


def child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "LIVEBLOG_BOOTSTRAP_SERVERS": settings.bootstrap_servers or "",
            "LIVEBLOG_BROKER_FLAVOUR": settings.broker_flavour.value,
            "LIVEBLOG_TOPIC_PREFIX": settings.topic_prefix,
            "LIVEBLOG_PARTITIONS": str(settings.partitions),
            "LIVEBLOG_OUT_DIR": str(settings.out_dir),
            "LIVEBLOG_STATE_DIR": str(settings.state_dir),
            "LIVEBLOG_APP_ID": settings.app_id,
            "LIVEBLOG_WEB_PORT": str(settings.web_port),
            "LIVEBLOG_LOG_FORMAT": "json",
        }
    )
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    return env


def spawn(name: str, args: list[str], settings: Settings) -> Child:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.state_dir / f"{name}.log"
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service", *args],
            env=child_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    log.info("process_started", name=name, pid=proc.pid, log=str(log_path))
    return Child(name, proc, log_path)


def stop_child(child: Child) -> None:
    stop_pid(child.proc.pid, timeout_s=15)
    log.info("process_stopped", name=child.name, pid=child.proc.pid)


def processed_entry_ids(settings: Settings) -> set[str]:
    path = db_path(settings)
    if not path.exists():
        return set()
    with contextlib.suppress(Exception):  # the sink may be creating the file right now
        return {str(r["entry_id"]) for r in read_rows(path, "entry_verdicts")}
    return set()


def drained(settings: Settings) -> bool:
    """Every internal topic consumed by the worker and every output topic by the sink."""
    prefix = settings.topic_prefix
    internal = [t.full_name(prefix) for t in TOPICS if t.role in ("input", "internal")]
    outputs = [t.full_name(prefix) for t in OUTPUT_TOPICS]
    return group_lag(settings, settings.app_id, internal) == 0 and (
        group_lag(settings, sink_group(settings), outputs) == 0
    )


def wait_until_processed(
    settings: Settings, entry_ids: set[str], children: list[Child], timeout_s: float
) -> None:
    """Until the sink holds a verdict for every entry and no consumer lags (or timeout)."""
    deadline = time.monotonic() + timeout_s
    with tqdm(
        total=len(entry_ids), desc="processed", unit="entry", disable=not sys.stderr.isatty()
    ) as bar:
        while True:
            for child in children:
                child.check()
            done = len(processed_entry_ids(settings) & entry_ids)
            bar.update(done - bar.n)
            if done == len(entry_ids) and drained(settings):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"only {done}/{len(entry_ids)} entries processed after {timeout_s:.0f}s; "
                    f"see the logs in {settings.state_dir}"
                )
            time.sleep(0.25)  # polling interval of the condition above


def summarise(settings: Settings, produced: int) -> str:
    path = db_path(settings)
    verdicts = list(read_rows(path, "entry_verdicts"))
    statuses = Counter(str(v["status"]) for v in verdicts)
    repeated_paragraphs = sum(
        1
        for v in verdicts
        for p in v["paragraphs"]
        if p.get("repeat_of_entry")  # type: ignore[union-attr]
    )
    occurrences = list(read_rows(path, "quotes"))
    canonical = list(read_rows(path, "canonical_quotes"))
    speakers = sorted(
        read_rows(path, "speaker_updates"),
        key=lambda s: (-int(s["occurrences"]), str(s["speaker"])),  # type: ignore[call-overload]
    )
    lines = [
        f"entries in:            {produced}",
        f"unique entries:        {statuses.get('unique', 0)}",
        f"duplicates dropped:    {statuses.get('duplicate', 0)} exact, "
        f"{statuses.get('near_duplicate', 0)} near-copies, {repeated_paragraphs} repeated paragraphs",
        f"quotes extracted:      {len(occurrences)} occurrences of {len(canonical)} distinct quotes",
        "top speakers:",
    ]
    lines += [
        f"  {s['speaker']:<28} {s['distinct_quotes']:>3} quotes, {s['occurrences']:>3} occurrences"
        for s in speakers[:8]
    ]
    lines.append(f"outputs:               {settings.out_dir}/ (jsonl/, {path.name})")
    return "\n".join(lines)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def run_demo(settings: Settings, seeds: Path, timeout_s: float) -> int:
    # Ctrl-C and SIGTERM both end the demo through the same clean-up path, even when the
    # demo was started with SIGINT ignored (a background job of a script).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    started_broker = False
    children: list[Child] = []
    t0 = time.monotonic()
    try:
        if settings.embedded:
            started_broker = running_broker(settings.state_dir) is None
            handle = start_broker(settings.state_dir)
            settings = settings.with_overrides(
                bootstrap_servers=handle.bootstrap_servers, broker_flavour=BrokerFlavour.TANSU
            )
        settings = settings.with_overrides(web_port=free_port())
        entries = read_entries(seeds)
        ensure_topics(settings)
        children.append(spawn("worker", ["worker"], settings))
        children.append(spawn("sink", ["sink"], settings))
        publish(settings, entries, Pacing())
        wait_until_processed(settings, {e.entry_id for e in entries}, children, timeout_s)
        typer.echo(summarise(settings, len(entries)))
        typer.echo(f"wall time:             {time.monotonic() - t0:.1f} s")
        return 0
    except KeyboardInterrupt:
        typer.echo("interrupted: stopping everything the demo started", err=True)
        return 130
    except (RuntimeError, TimeoutError, OSError, ValueError) as exc:
        typer.echo(f"demo failed: {exc}", err=True)
        return 1
    finally:
        for child in reversed(children):
            stop_child(child)
        if started_broker:
            stop_broker(settings.state_dir)
