"""The speaker registry on a real broker: surname-only speakers resolved across documents and
across workers, two people of one surname never merged, and the same sink whatever the layout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.entries import DocumentKind, RawEntry
from service.sink.state import final_state
from tests.integration.conftest import Broker, settings_for
from tests.integration.service_runs import replay_and_wait, rows, worker_and_sink

pytestmark = pytest.mark.integration

T0 = datetime(2025, 6, 2, 8, tzinfo=UTC)


def article(name: str, hours: float, outlet: str, *paragraphs: str) -> RawEntry:
    return RawEntry(
        entry_id=f"{name}:1",
        document_id=name,
        outlet=outlet,
        kind=DocumentKind.ARTICLE,
        position=0,
        event_time=T0 + timedelta(hours=hours),
        headline=f"Harbour report {name}",
        paragraphs=list(paragraphs),
    )


# The surname-only reports come first in event time: resolution must not depend on order.
ENTRIES = [
    article(
        "courier-okonjo-alone",
        0,
        "Valley Courier",
        "“The tunnel will be finished before the winter storms,” Okonjo told the council.",
        "Engineers have worked double shifts since the spring flood closed the old road.",
    ),
    article(
        "post-okonjo",
        1,
        "Harbour Post",
        "“Every bolt in that tunnel has been checked twice,” said Priya Okonjo, the chief "
        "engineer of the county works department.",
        "The county expects the first lorries to use the tunnel in November.",
    ),
    article(
        "gazette-whitlow-alone",
        2,
        "Evening Gazette",
        "“The pier is safe for foot traffic again,” Whitlow told reporters on the quay.",
        "Fishing boats were moved to the south basin while divers inspected the pilings.",
    ),
    article(
        "post-dana-whitlow",
        3,
        "Harbour Post",
        "“We will reopen the north pier by June,” Dana Whitlow, the harbour master, said on "
        "Monday.",
        "The pier has been closed since a cargo ship struck it in February.",
    ),
    article(
        "courier-mark-whitlow",
        4,
        "Valley Courier",
        "“Nobody consulted the fishing crews about the closure,” said Mark Whitlow, a trawler "
        "captain who has worked out of the harbour for thirty years.",
        "Crews say the south basin is too shallow for the larger boats at low tide.",
    ),
    article(
        "wire-johnsons",
        5,
        "Example Wire",
        "“The budget is settled and the vote will go ahead,” Boris Johnson said in London.",
        "“The House will vote on the spending bill on Friday,” Mike Johnson said in Washington.",
    ),
    article(
        "gazette-johnson-alone",
        6,
        "Evening Gazette",
        "“We will not be rushed into a decision,” Johnson said after the meeting.",
        "The meeting ran two hours over its schedule.",
    ),
]


def speakers(
    settings_dir: Path, broker: Broker, partitions: int, workers: int
) -> tuple[dict[str, dict], dict[str, list[str]]]:
    settings = settings_for(broker, settings_dir).with_overrides(partitions=partitions)
    with worker_and_sink(settings, workers=workers) as children:
        replay_and_wait(settings, ENTRIES, children)
    found = {row["speaker_id"]: row for row in rows(settings, "speaker_updates")}
    return found, final_state(settings)


def test_surnames_resolve_across_documents_and_workers_and_two_people_are_never_merged(
    broker: Broker, tmp_path: Path
) -> None:
    two, two_state = speakers(tmp_path / "p4w2", broker, partitions=4, workers=2)
    one, one_state = speakers(tmp_path / "p1w1", broker, partitions=1, workers=1)

    # One Okonjo known: "Okonjo" alone, in another document and reported earlier, is hers.
    assert two["surname:okonjo"]["resolved_to"] == "priya-okonjo"
    assert two["priya-okonjo"]["merged_from"] == ["surname:okonjo"]
    assert two["priya-okonjo"]["occurrences"] == 2
    # Two Whitlows and two Johnsons: each keeps their own count, the surname alone stays open.
    for surname, people in (
        ("whitlow", ["dana-whitlow", "mark-whitlow"]),
        ("johnson", ["boris-johnson", "mike-johnson"]),
    ):
        alone = two[f"surname:{surname}"]
        assert (alone["resolved"], alone["resolved_to"]) == (False, None)
        assert alone["candidates"] == people
        for person in people:
            assert (two[person]["occurrences"], two[person]["merged_from"]) == (1, [])
    # The same sink with one worker on one partition as with two workers on four.
    assert two_state == one_state
    assert one == two
