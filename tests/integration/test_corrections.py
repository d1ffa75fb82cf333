"""A live blog's edited update through the real worker and sink on a real broker: the sink ends
with the new version, the retracted quote row, and the counts moved to the right speaker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from schemas.entries import DocumentKind, RawEntry
from service.processes import Child
from service.settings import Settings
from tests.integration.service_runs import replay_and_wait, rows, worker_and_sink

pytestmark = pytest.mark.integration

T0 = datetime(2026, 5, 4, 9, tzinfo=UTC)


def post(number: int, *paragraphs: str, edited: bool = False) -> RawEntry:
    return RawEntry(
        entry_id=f"harbour-live-{number}",
        document_id="harbour-live",
        outlet="Harbour Daily",
        kind=DocumentKind.LIVEBLOG,
        position=number,
        event_time=T0 + timedelta(minutes=10 * number),
        updated_time=T0 + timedelta(hours=3) if edited else None,
        paragraphs=list(paragraphs),
    )


BRIDGE = "“We will rebuild the bridge before the spring floods,” {} said on Tuesday."
POSTS = [
    post(1, "“The harbour stays open to every ship,” Priya Raman, the port director, said."),
    post(2, BRIDGE.format("Dana Whitlow"), "Crews worked through the night."),
    post(3, "“Nobody was hurt,” Chief Inspector Lena Okafor told reporters."),
]
CORRECTED = post(2, BRIDGE.format("Omar Reyes"), "Crews worked through the night.", edited=True)
NEW_ON_TOP = post(4, "“The ferry runs again at noon,” Omar Reyes said.")


@pytest.fixture
def running(settings: Settings) -> Iterator[list[Child]]:
    with worker_and_sink(settings) as children:
        yield children


def test_an_edited_update_moves_its_quote_and_the_counts_to_the_corrected_speaker(
    settings: Settings, running: list[Child]
) -> None:
    replay_and_wait(settings, POSTS, running)
    before = {s["speaker_id"]: s for s in rows(settings, "speaker_updates")}
    bridge = [q for q in rows(settings, "quotes") if q["text"].startswith("We will rebuild")]
    assert [q["speaker_id"] for q in bridge] == ["dana-whitlow"]
    assert before["dana-whitlow"]["occurrences"] == 1

    replay_and_wait(settings, [NEW_ON_TOP, CORRECTED], running)

    speakers = {s["speaker_id"]: s for s in rows(settings, "speaker_updates")}
    assert (
        speakers["dana-whitlow"]["occurrences"],
        speakers["dana-whitlow"]["distinct_quotes"],
    ) == (
        0,
        0,
    )
    assert speakers["omar-reyes"]["occurrences"] == 2  # the corrected quote and the new post's
    assert speakers["priya-raman"]["occurrences"] == 1
    quotes = rows(settings, "quotes")
    bridge = [q for q in quotes if q["text"].startswith("We will rebuild")]
    assert [(q["speaker_id"], q["corrected"]) for q in bridge] == [("omar-reyes", True)]
    assert {q["entry_id"] for q in quotes} == {f"harbour-live-{n}" for n in (1, 2, 3, 4)}
    # The sink's JSON lines keep the history: the retracted quote's row, then its removal.
    lines = [json.loads(line) for line in (settings.out_dir / "jsonl" / "quotes.jsonl").open()]
    retracted = [line["id"] for line in lines if line["record"] is None]
    assert retracted == [bridge_id_of(lines, "dana-whitlow")]
    unique = {e["entry_id"]: e for e in rows(settings, "unique_entries")}
    assert unique["harbour-live-2"]["updated_time"] is not None
    assert "Omar Reyes" in unique["harbour-live-2"]["paragraphs"][0]


def bridge_id_of(lines: list[dict], speaker_id: str) -> str:
    [found] = {
        line["id"]
        for line in lines
        if line["record"]
        and line["record"]["speaker_id"] == speaker_id
        and line["record"]["text"].startswith("We will rebuild")
    }
    return found
