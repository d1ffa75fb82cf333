"""`liveblog follow` on a real broker: a live blog that changes between polls is published as
3, then 1, then 1 entries onto raw-entries, and a restart publishes nothing again."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from schemas.entries import RawEntry
from schemas.topics import FOLLOW_STATE, RAW_ENTRIES
from service.settings import Settings
from tests.integration.service_runs import follow_once, read_all
from tests.pages_server import Pages, Reply, fixture, pages_server

pytestmark = pytest.mark.integration


@pytest.fixture
def server() -> Iterator[tuple[str, Pages]]:
    with pages_server() as served:
        yield served


def test_a_changing_live_blog_is_published_3_then_1_then_1_and_a_restart_publishes_nothing(
    settings: Settings, server: tuple[str, Pages]
) -> None:
    base, pages = server
    url = f"{base}/live"
    raw = RAW_ENTRIES.full_name(settings.topic_prefix)
    pages_in_turn = ["liveblog-3.html", "liveblog-4.html", "liveblog-4-edited.html"]

    said = []
    counts = []
    for name in pages_in_turn:
        pages.serve("/live", Reply(fixture(name)))
        said.append(follow_once(settings, url))
        counts.append(len(read_all(settings, raw)))
    again = follow_once(settings, url)

    assert said == ["published 3 entries", "published 1 entry", "published 1 entry"]
    assert counts == [3, 4, 5]
    assert again == "published 0 entries"
    records = read_all(settings, raw)
    assert len(records) == 5
    entries = [RawEntry.model_validate_json(value) for _, value in records]
    assert all(
        key == entry.entry_id.encode() for (key, _), entry in zip(records, entries, strict=True)
    )
    edited = [e for e in entries if "Kasimir Wolde" in e.text()]
    assert len(edited) == 1 and edited[0].updated_time is not None
    state = read_all(settings, FOLLOW_STATE.full_name(settings.topic_prefix))
    latest = {key: json.loads(value) for key, value in state}
    assert len(latest) == 4
    assert latest[edited[0].entry_id.encode()]["digest"] == edited[0].content_digest()
