"""The seeds through the whole service on a real broker: worker and sink as real processes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from schemas.entries import RawEntry
from service.processes import Child
from service.replay.producer import publish
from service.replay.schedule import Pacing
from service.replay.seeds import load_manifest
from service.replay.source import read_entries
from service.settings import Settings
from service.sink.runner import db_path
from service.sink.state import final_state
from service.sink.writers import read_view
from tests.integration.service_runs import (
    SEEDS,
    replay_and_wait,
    rows,
    worker_and_sink,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def running(settings: Settings) -> Iterator[list[Child]]:
    with worker_and_sink(settings) as children:
        yield children


@pytest.fixture
def seeds() -> list[RawEntry]:
    return read_entries(SEEDS)


def document_id(file_prefix: str) -> str:
    [doc] = [d for d in load_manifest(SEEDS / "manifest.json") if d.file.startswith(file_prefix)]
    return doc.document_id


def test_seeds_replayed_end_to_end_give_verdicts_quotes_and_speakers(
    settings: Settings, running: list[Child], seeds: list[RawEntry]
) -> None:
    replay_and_wait(settings, seeds, running)

    verdicts = {v["entry_id"]: v for v in rows(settings, "entry_verdicts")}
    assert set(verdicts) == {e.entry_id for e in seeds}

    # 002 prints its body twice: every paragraph of the second copy repeats the first copy.
    [doc002] = [e for e in seeds if e.document_id == document_id("002_")]
    paragraphs = verdicts[doc002.entry_id]["paragraphs"]
    repeats = [p for p in paragraphs if p["repeat_of_entry"] == doc002.entry_id]
    assert len(repeats) >= 15
    assert all(p["repeat_of_index"] < p["index"] for p in repeats)

    quotes = rows(settings, "quotes")
    idea = [q for q in quotes if q["text"].startswith("The idea itself is the right one")]
    assert idea, "the Putin quote was not extracted"
    # Named in full, or by surname alone where a document does (each occurrence keeps the id its
    # document gave; the speaker registry merges the tallies).
    assert {q["speaker_id"] for q in idea} <= {"vladimir-putin", "surname:putin"}
    assert "vladimir-putin" in {q["speaker_id"] for q in idea}

    speakers = {s["speaker_id"]: s for s in rows(settings, "speaker_updates")}
    # The seeds name one Trump and one Putin in full: a surname alone is theirs.
    for surname, person in (("trump", "donald-trump"), ("putin", "vladimir-putin")):
        if f"surname:{surname}" in speakers:
            assert speakers[f"surname:{surname}"]["resolved_to"] == person
            assert speakers[person]["merged_from"] == [f"surname:{surname}"]
    for speaker_id in ("vladimir-putin", "volodymyr-zelensky", "donald-trump"):
        ids = {speaker_id, *speakers[speaker_id]["merged_from"]}
        attributed = [q for q in quotes if q["speaker_id"] in ids]
        assert speakers[speaker_id]["occurrences"] == len(attributed)
        assert speakers[speaker_id]["distinct_quotes"] == len({q["quote_id"] for q in attributed})
    assert speakers["vladimir-putin"]["occurrences"] > speakers["donald-trump"]["occurrences"] > 0

    # 004 rewrites the news in its own words: not a copy, but related through shared quotes.
    [doc004] = [e for e in seeds if e.document_id == document_id("004_")]
    assert verdicts[doc004.entry_id]["status"] == "unique"
    related = [
        r
        for r in read_view(db_path(settings), "entry_relations_v")
        if doc004.entry_id in (r["entry_id"], r["related_entry_id"])
    ]
    assert related and all(r["shared_quotes"] >= 1 for r in related)


def test_replaying_the_seeds_twice_changes_no_row(
    settings: Settings, running: list[Child], seeds: list[RawEntry]
) -> None:
    replay_and_wait(settings, seeds, running)
    first = final_state(settings)

    replay_and_wait(settings, seeds, running)
    second = final_state(settings)

    assert {t: len(v) for t, v in second.items()} == {t: len(v) for t, v in first.items()}
    assert second == first


def test_malformed_event_is_dead_lettered_and_the_pipeline_goes_on(
    settings: Settings, running: list[Child], seeds: list[RawEntry]
) -> None:
    good = seeds[:3]
    bad = [
        (b"bad-json", b"{not json"),
        (b"bad-type", json.dumps({"entry_id": 5}).encode()),
        (None, b"\xff\xfe not utf-8"),
    ]
    publish(settings, good[:1], Pacing(), raw_payloads=bad, progress=False)
    replay_and_wait(settings, good[1:], running)

    dead = rows(settings, "dead_letters")
    assert sorted(d["error_type"] for d in dead) == [
        "invalid_json",
        "invalid_utf8",
        "validation_error",
    ]
    assert all(d["reason"] and d["stage"] == "validate_entries" for d in dead)
    processed = {v["entry_id"] for v in rows(settings, "entry_verdicts")}
    assert processed == {e.entry_id for e in good}
