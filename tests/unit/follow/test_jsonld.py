"""The JSON-LD reader: live-blog updates from fixture pages, and no crash on any JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.entries import DocumentKind, RawEntry
from service.follow.jsonld import read_liveblog, read_liveblog_value
from tests.pages_server import fixture

URL = "https://news.example.test/live/harbour-bridge"
SEEN = datetime(2031, 5, 14, 16, 30, tzinfo=UTC)


def page_of(value: object) -> str:
    return (
        f'<html><head><script type="application/ld+json">{json.dumps(value)}</script></head></html>'
    )


def test_each_update_of_a_live_blog_is_one_entry_with_the_pages_own_times() -> None:
    page = fixture("liveblog-3.html").decode()

    reading = read_liveblog(page, page_url=URL, seen_at=SEEN)

    entries = [f.entry for f in reading.found]
    assert [e.headline for e in entries] == [
        "Welcome to our coverage",
        "Engineers give evidence",
        "Council adjourns for lunch",
    ]
    assert [e.position for e in entries] == [0, 1, 2]
    assert [e.event_time.isoformat() for e in entries] == [
        "2031-05-14T08:05:00+00:00",
        "2031-05-14T10:00:00+00:00",
        "2031-05-14T11:30:00+00:00",
    ]
    assert {e.kind for e in entries} == {DocumentKind.LIVEBLOG}
    assert {e.outlet for e in entries} == {"The Example Courier"}
    assert all(f.timed for f in reading.found)
    assert reading.skipped == []


def test_author_as_a_string_an_object_or_a_list_becomes_the_byline() -> None:
    page = fixture("liveblog-3.html").decode()

    entries = [f.entry for f in read_liveblog(page, page_url=URL, seen_at=SEEN).found]

    assert [e.byline for e in entries] == ["Tomas Reyes", "Maren Holt, Tomas Reyes", "Maren Holt"]


def test_article_body_is_split_into_paragraphs_on_blank_lines() -> None:
    page = fixture("liveblog-3.html").decode()

    entries = [f.entry for f in read_liveblog(page, page_url=URL, seen_at=SEEN).found]

    assert entries[2].paragraphs == [
        "The council has adjourned until two o'clock.",
        '"We will vote before the evening ferry," said the chair, Ilse Varga.',
    ]


def test_an_update_added_on_top_leaves_the_others_ids_and_positions_alone() -> None:
    before = read_liveblog(fixture("liveblog-3.html").decode(), page_url=URL, seen_at=SEEN)

    after = read_liveblog(fixture("liveblog-4.html").decode(), page_url=URL, seen_at=SEEN)

    old = {f.entry.entry_id: f.entry.position for f in before.found}
    new = {f.entry.entry_id: f.entry.position for f in after.found}
    assert len(new) == 4
    assert {k: new[k] for k in old} == old


def test_an_edited_update_keeps_its_id_and_carries_its_date_modified() -> None:
    before = read_liveblog(fixture("liveblog-4.html").decode(), page_url=URL, seen_at=SEEN)

    after = read_liveblog(fixture("liveblog-4-edited.html").decode(), page_url=URL, seen_at=SEEN)

    changed = [
        (b.entry, a.entry)
        for b, a in zip(before.found, after.found, strict=True)
        if b.entry.content_digest() != a.entry.content_digest()
    ]
    [(old, new)] = changed
    assert old.entry_id == new.entry_id
    assert new.updated_time == datetime(2031, 5, 14, 16, 0, tzinfo=UTC)
    assert "Kasimir Wolde" in new.text() and new.version() > old.version()


def test_graph_type_lists_and_a_single_update_object_are_understood() -> None:
    value = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "A page"},
            {
                "@type": ["LiveBlogPosting", "NewsArticle"],
                "publisher": {"name": "Quay Times"},
                "liveBlogUpdate": {
                    "@type": "BlogPosting",
                    "url": "#post-9",
                    "datePublished": "2031-01-02T03:04:05+01:00",
                    "articleBody": "First line\nSecond line",
                },
            },
        ],
    }

    reading = read_liveblog(page_of(value), page_url=URL, seen_at=SEEN)

    [found] = reading.found
    assert found.entry.outlet == "Quay Times"
    assert found.entry.paragraphs == ["First line", "Second line"]
    assert found.entry.event_time == datetime(2031, 1, 2, 2, 4, 5, tzinfo=UTC)
    assert found.entry.entry_id.startswith("quay-times:")


def test_control_characters_are_removed_from_the_text() -> None:
    value = {
        "@type": "LiveBlogPosting",
        "liveBlogUpdate": [{"headline": "Bell\x07 rings", "articleBody": "Tab\tand\x1b[31m red"}],
    }

    [found] = read_liveblog(page_of(value), page_url=URL, seen_at=SEEN).found

    assert found.entry.headline == "Bell rings"
    assert found.entry.paragraphs == ["Tab and[31m red"]


def test_an_update_without_any_time_gets_the_poll_time_and_says_so() -> None:
    value = {"@type": "LiveBlogPosting", "liveBlogUpdate": [{"articleBody": "No time here."}]}

    [found] = read_liveblog(page_of(value), page_url=URL, seen_at=SEEN).found

    assert found.entry.event_time == SEEN
    assert not found.timed


def test_an_update_without_an_id_gets_the_same_hash_id_on_every_read() -> None:
    value = {"@type": "LiveBlogPosting", "liveBlogUpdate": [{"articleBody": "Same words."}]}

    first = read_liveblog(page_of(value), page_url=URL, seen_at=SEEN).found[0].entry
    again = read_liveblog(page_of(value), page_url=URL, seen_at=datetime.now(UTC)).found[0].entry

    assert first.entry_id == again.entry_id


def test_malformed_json_ld_gives_a_reason_and_no_entries() -> None:
    page = fixture("malformed.html").decode()

    reading = read_liveblog(page, page_url=URL, seen_at=SEEN)

    assert reading.found == []
    [reason] = reading.skipped
    assert reason.startswith("JSON-LD block 1 is not JSON (")


def test_updates_without_text_are_skipped_with_a_reason() -> None:
    value = {"@type": "LiveBlogPosting", "liveBlogUpdate": [{"articleBody": "  "}, 7, {}]}

    reading = read_liveblog(page_of(value), page_url=URL, seen_at=SEEN)

    assert reading.found == []
    assert len(reading.skipped) == 3


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@type",
                    "@graph",
                    "@id",
                    "url",
                    "liveBlogUpdate",
                    "articleBody",
                    "headline",
                    "author",
                    "name",
                    "publisher",
                    "datePublished",
                    "dateModified",
                    "text",
                    "x",
                ]
            )
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)
TYPES = st.sampled_from(["LiveBlogPosting", ["LiveBlogPosting", "Thing"], "schema:LiveBlogPosting"])


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_value_is_read_without_raising(value: object) -> None:
    reading = read_liveblog_value(value, page_url=URL, seen_at=SEEN)

    assert all(isinstance(f.entry, RawEntry) for f in reading.found)


@settings(max_examples=300, deadline=None)
@given(TYPES, JSON, JSON, JSON)
def test_any_json_inside_a_live_blog_is_read_without_raising(
    kind: object, updates: object, author: object, body: object
) -> None:
    value = {
        "@type": kind,
        "publisher": author,
        "liveBlogUpdate": [updates, {"articleBody": body, "author": author, "@id": updates}],
    }

    reading = read_liveblog(page_of(value), page_url=URL, seen_at=SEEN)

    for found in reading.found:
        assert RawEntry.model_validate_json(found.entry.model_dump_json()) == found.entry


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_script_text_is_read_without_raising(text: str) -> None:
    page = f'<script type="application/ld+json">{text}</script>'

    read_liveblog(page, page_url=URL, seen_at=SEEN)
