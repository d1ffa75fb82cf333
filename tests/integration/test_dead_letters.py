"""`liveblog dead-letters list` and `replay` against a real broker, worker and sink: the chosen
events are processed once their cause is gone, and replaying again changes nothing."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from schemas.dead_letters import DeadLetter
from schemas.entries import RawEntry
from schemas.topics import DEAD_LETTERS, ENTRIES, RAW_ENTRIES
from service.processes import Child, child_env
from service.progress import drained, processed_entry_ids, wait_until_processed
from service.replay.producer import Event, send_events
from service.replay.source import read_entries
from service.settings import Settings
from service.sink.state import final_state
from tests.integration.service_runs import SEEDS, wait_until, worker_and_sink

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def letter(settings: Settings, entry: RawEntry, stage: str, at: datetime) -> DeadLetter:
    """The dead letter of an event that failed for a reason that is gone now (a timeout)."""
    source = RAW_ENTRIES if stage == "validate_entries" else ENTRIES
    return DeadLetter.of(
        source_topic=source.full_name(settings.topic_prefix),
        partition=0,
        offset=7,
        key=entry.entry_id.encode(),
        value=entry.model_dump_json().encode(),
        stage=stage,
        error_type="processing_error",
        reason="TimeoutError: the broker did not answer in time",
        failed_at=at,
    )


def post(settings: Settings, letters: list[DeadLetter]) -> None:
    events = [Event(d.source_topic.encode(), d.model_dump_json().encode()) for d in letters]
    send_events(settings, DEAD_LETTERS.full_name(settings.topic_prefix), events)


def liveblog(settings: Settings, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "service", "dead-letters", *args],
        env=child_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def wait_until_drained(settings: Settings, children: list[Child]) -> None:
    wait_until("every consumer caught up", lambda: drained(settings), children, poll_s=1.0)


def test_dead_letters_are_listed_and_replayed_once_their_cause_is_fixed(
    settings: Settings,
) -> None:
    recent, old, other_stage = read_entries(SEEDS)[:3]
    letters = [
        letter(settings, recent, "validate_entries", NOW),
        letter(settings, old, "validate_entries", LONG_AGO),
        letter(settings, other_stage, "fingerprint_entries", NOW),
    ]

    with worker_and_sink(settings) as children:
        post(settings, letters)
        listed = liveblog(settings, "list").splitlines()
        replayed = liveblog(
            settings, "replay", "--stage", "validate_entries", "--since", NOW.date().isoformat()
        )
        wait_until_processed(settings, {recent.entry_id}, children, timeout_s=180)
        wait_until_drained(settings, children)
        first = final_state(settings)
        again = liveblog(
            settings, "replay", "--stage", "validate_entries", "--since", NOW.date().isoformat()
        )
        wait_until_drained(settings, children)

    assert len(listed) == 3
    assert all("processing_error" in line and "TimeoutError" in line for line in listed)
    assert replayed.strip() == again.strip() == "re-sent 1 event"
    assert processed_entry_ids(settings) == {recent.entry_id}
    assert final_state(settings) == first
