"""The feed reader: RSS 2.0, Atom and JSON Feed fixtures carry the same two stories."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.entries import DocumentKind
from service.follow.feeds import parse_feed, read_feed
from tests.pages_server import fixture

URL = "https://news.example.test/feeds/all"
SEEN = datetime(2031, 5, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", ["feed.rss", "feed.atom", "feed.json"])
def test_each_feed_item_is_one_article_entry_with_its_own_time(name: str) -> None:
    feed = parse_feed(fixture(name))
    assert feed is not None

    reading = read_feed(feed, page_url=URL, seen_at=SEEN)

    entries = [f.entry for f in reading.found]
    assert [e.headline for e in entries] == [
        "Ferry timetable changes next week",
        "Council votes to replace harbour bridge",
    ]
    assert [e.event_time for e in entries] == [
        datetime(2031, 5, 13, 7, 0, tzinfo=UTC),
        datetime(2031, 5, 14, 15, 20, tzinfo=UTC),
    ]
    assert entries[1].paragraphs == [
        "Councillors voted 9 to 4 on Wednesday to replace the harbour bridge.",
        "“This is a good day for the harbour,” said the mayor, Piet Lindqvist.",
    ]
    assert [e.byline for e in entries] == ["Maren Holt", "Tomas Reyes"]
    assert {e.kind for e in entries} == {DocumentKind.ARTICLE}
    assert reading.outlet == "The Example Courier"


def test_the_same_story_in_rss_atom_and_json_feed_has_the_same_entry_id() -> None:
    ids = []
    for name in ("feed.rss", "feed.atom", "feed.json"):
        feed = parse_feed(fixture(name))
        assert feed is not None

        ids.append([f.entry.entry_id for f in read_feed(feed, page_url=URL, seen_at=SEEN).found])

    assert ids[0] == ids[1] == ids[2]


def test_a_modified_time_later_than_the_published_one_is_the_updated_time() -> None:
    feed = parse_feed(fixture("feed.atom"))
    assert feed is not None

    ferry = read_feed(feed, page_url=URL, seen_at=SEEN).found[0].entry

    assert ferry.updated_time == datetime(2031, 5, 13, 10, 0, tzinfo=UTC)


def test_a_summary_only_item_waits_for_its_linked_articles_text() -> None:
    feed = parse_feed(fixture("summary.rss"))
    assert feed is not None
    [item] = feed.items
    assert item.summary_only

    without = read_feed(feed, page_url=URL, seen_at=SEEN)
    with_text = read_feed(
        feed, page_url=URL, seen_at=SEEN, articles={item.link or "": ["The article's text."]}
    )

    assert without.found == [] and len(without.skipped) == 1
    [found] = with_text.found
    assert found.entry.paragraphs == ["The article's text."]
    assert found.entry.headline == "Lighthouse keeper retires after forty years"


@pytest.mark.parametrize(
    "body", [b"<html><body><p>Hello</p></body></html>", b'{"version": 2}', b"plain", b""]
)
def test_what_is_not_a_feed_is_none(body: bytes) -> None:
    assert parse_feed(body) is None
