"""Tell when a replay has been fully processed: verdicts in the sink and no consumer lagging."""

from __future__ import annotations

import contextlib
import sys
import time

from tqdm import tqdm

from schemas.topics import OUTPUT_TOPICS, TOPICS
from service.kafka.lag import group_lag
from service.kafka.retry import call_with_retry
from service.processes import Child
from service.settings import Settings
from service.sink.runner import db_path, sink_group
from service.sink.writers import read_rows

ASK_BROKER_EVERY_S = 5.0


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
    """Until the sink holds a verdict for every entry and no consumer lags (or timeout).

    The broker is asked every few seconds even before the verdicts are in, so an unreachable
    broker is reported while it lasts (and BrokerUnavailable raised once the retry time is up)
    instead of the wait going silent.
    """
    deadline = time.monotonic() + timeout_s
    asked = float("-inf")  # ask at once: an unreachable broker is reported from the start
    with tqdm(
        total=len(entry_ids), desc="processed", unit="entry", disable=not sys.stderr.isatty()
    ) as bar:
        while True:
            for child in children:
                child.check()
            done = len(processed_entry_ids(settings) & entry_ids)
            bar.update(done - bar.n)
            complete = done == len(entry_ids)
            if complete or time.monotonic() - asked > ASK_BROKER_EVERY_S:
                asked = time.monotonic()
                lag_free = call_with_retry(
                    settings, "waiting for processing", lambda: drained(settings)
                )
                if complete and lag_free:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"only {done}/{len(entry_ids)} entries processed after {timeout_s:.0f}s; "
                    f"see the logs in {settings.state_dir}"
                )
            time.sleep(0.25)  # polling interval of the condition above
