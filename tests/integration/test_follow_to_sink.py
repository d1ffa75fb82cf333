"""Live coverage followed end to end on a real broker: `liveblog follow` polls a live blog and
two feeds served on loopback, the worker and sink process what it publishes. An update added on
top and an edited attribution reach the sink as the new entry, the new version, the retracted
quote row and the counts moved from one person to the other."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from schemas.entries import RawEntry
from schemas.topics import RAW_ENTRIES
from service.processes import Child
from service.progress import wait_until_processed
from service.settings import Settings
from tests.integration.service_runs import follow_once, read_all, rows, worker_and_sink
from tests.pages_server import Pages, Reply, fixture, pages_server

pytestmark = pytest.mark.integration

STEEL = "The steel is tired, but it is not finished"


@pytest.fixture
def server() -> Iterator[tuple[str, Pages]]:
    with pages_server() as served:
        yield served


@pytest.fixture
def running(settings: Settings) -> Iterator[list[Child]]:
    with worker_and_sink(settings) as children:
        yield children


def follow_and_wait(settings: Settings, children: list[Child], *urls: str) -> list[RawEntry]:
    """One poll of every URL, then until the sink has every entry published so far."""
    follow_once(settings, *urls)
    published = [
        RawEntry.model_validate_json(value)
        for _, value in read_all(settings, RAW_ENTRIES.full_name(settings.topic_prefix))
    ]
    wait_until_processed(settings, {e.entry_id for e in published}, children, timeout_s=180)
    return published


def speaker(settings: Settings, speaker_id: str) -> dict:
    [found] = [s for s in rows(settings, "speaker_updates") if s["speaker_id"] == speaker_id]
    return found


def test_followed_coverage_reaches_the_sink_and_a_correction_moves_the_quote(
    settings: Settings, running: list[Child], server: tuple[str, Pages]
) -> None:
    base, pages = server
    live, atom, rss = f"{base}/live", f"{base}/atom", f"{base}/rss"
    pages.serve("/atom", Reply(fixture("feed.atom"), content_type="application/atom+xml"))
    pages.serve("/rss", Reply(fixture("feed.rss"), content_type="application/rss+xml"))

    pages.serve("/live", Reply(fixture("liveblog-3.html")))
    follow_and_wait(settings, running, live, atom, rss)
    brandt = [q for q in rows(settings, "quotes") if q["text"] == STEEL]
    assert [q["speaker_id"] for q in brandt] == ["odile-brandt"]

    pages.serve("/live", Reply(fixture("liveblog-4.html")))
    published = follow_and_wait(settings, running, live)
    pages.serve("/live", Reply(fixture("liveblog-4-edited.html")))
    published = follow_and_wait(settings, running, live)

    by_headline = {e.headline: e for e in published}
    vote, evidence = by_headline["Vote passes"], by_headline["Engineers give evidence"]
    unique = {e["entry_id"]: e for e in rows(settings, "unique_entries")}
    assert vote.entry_id in unique  # the update added on top
    assert unique[evidence.entry_id]["updated_time"] is not None  # the edited update's version
    assert "Kasimir Wolde" in " ".join(unique[evidence.entry_id]["paragraphs"])
    steel = [q for q in rows(settings, "quotes") if q["text"] == STEEL]
    assert [(q["speaker_id"], q["corrected"]) for q in steel] == [("kasimir-wolde", True)]
    lines = [json.loads(line) for line in (settings.out_dir / "jsonl" / "quotes.jsonl").open()]
    assert [line["id"] for line in lines if line["record"] is None] == [brandt[0]["occurrence_id"]]
    assert (
        speaker(settings, "odile-brandt")["occurrences"],
        speaker(settings, "kasimir-wolde")["occurrences"],
    ) == (0, 1)
    # The feeds carry the same story (one entry: the same guid under the same outlet); its quote
    # paragraph is a copy of the live blog's update, which reported it ten minutes earlier.
    feed_entries = [e for e in published if e.kind.value == "article"]
    story = next(e for e in feed_entries if "harbour bridge" in (e.headline or "").lower())
    verdicts = {v["entry_id"]: v for v in rows(settings, "entry_verdicts")}
    repeats = {p["repeat_of_entry"] for p in verdicts[story.entry_id]["paragraphs"]}
    assert vote.entry_id in repeats
    canonical = [q for q in rows(settings, "canonical_quotes") if "good day" in q["text"]]
    assert [q["occurrences"] for q in canonical] == [1]
    assert {r["entry_id"] for r in canonical[0]["reports"]} == {vote.entry_id, story.entry_id}
