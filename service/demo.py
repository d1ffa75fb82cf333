"""The demo: broker, worker and sink as child processes, the seeds replayed, a summary printed.

Every process the demo starts is stopped when it ends, on success, failure or Ctrl-C.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import typer

from service.broker.embedded import free_port, running_broker, start_broker, stop_broker
from service.kafka.admin import ensure_topics
from service.processes import Child, spawn, stop_child
from service.progress import wait_until_processed
from service.replay.producer import publish
from service.replay.schedule import Pacing
from service.replay.source import read_entries
from service.settings import Settings
from service.summary import summarise


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def serve_until_stopped(settings: Settings, children: list[Child]) -> None:
    """Keep the worker and sink up (the API and dashboard answer) until Ctrl-C or SIGTERM."""
    url = f"http://{settings.web_host}:{settings.web_port}"
    typer.echo(
        f"serving: {url}/dashboard  {url}/speakers  {url}/quotes  {url}/openapi.json\n"
        f"Ctrl-C stops the worker, the sink and the broker the demo started"
    )
    try:
        while True:
            for child in children:
                child.check()  # a worker or sink that died ends the demo with its log
            time.sleep(1.0)  # how often to look at the children
    except KeyboardInterrupt:
        typer.echo("stopping everything the demo started", err=True)


def run_demo(settings: Settings, seeds: Path, timeout_s: float, serve: bool = False) -> int:
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
            handle = start_broker(settings.state_dir, heap=settings.broker_heap)
            settings = settings.with_overrides(bootstrap_servers=handle.bootstrap_servers)
        if not serve:  # served, it keeps the configured port, which the README's examples use
            settings = settings.with_overrides(web_port=free_port())
        entries = read_entries(seeds)
        ensure_topics(settings)
        children.append(spawn("worker", ["worker"], settings))
        children.append(spawn("sink", ["sink"], settings))
        publish(settings, entries, Pacing())
        wait_until_processed(settings, {e.entry_id for e in entries}, children, timeout_s)
        typer.echo(summarise(settings, len(entries)))
        typer.echo(f"wall time:             {time.monotonic() - t0:.1f} s")
        if serve:
            serve_until_stopped(settings, children)
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
