"""The article reader and the page reader: main text, the page's own time, its outlet."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.entries import DocumentKind
from service.follow.articles import read_article
from service.follow.pages import read_html_page
from service.follow.paragraphs import html_paragraphs, text_paragraphs
from tests.pages_server import fixture

URL = "https://news.example.test/2031/05/15/lighthouse-keeper"
SEEN = datetime(2031, 5, 15, 9, 0, tzinfo=UTC)


def test_an_article_page_is_one_entry_of_its_main_text_without_menus_or_footer() -> None:
    page = fixture("article.html").decode()

    [found] = read_article(page, page_url=URL, seen_at=SEEN).found

    entry = found.entry
    assert entry.kind is DocumentKind.ARTICLE
    assert entry.headline == "Lighthouse keeper retires after forty years"
    assert len(entry.paragraphs) == 4
    assert entry.paragraphs[1].startswith("“The lamp never once went out")
    assert not any("Home" in p or "All rights reserved" in p for p in entry.paragraphs)


def test_an_article_takes_the_pages_published_and_modified_times_outlet_and_byline() -> None:
    page = fixture("article.html").decode()

    [found] = read_article(page, page_url=URL, seen_at=SEEN).found

    assert found.timed
    assert found.entry.event_time == datetime(2031, 5, 15, 6, 0, tzinfo=UTC)
    assert found.entry.updated_time == datetime(2031, 5, 15, 7, 15, tzinfo=UTC)
    assert found.entry.outlet == "The Example Courier"
    assert found.entry.byline == "Maren Holt"


def test_the_outlet_given_overrides_the_pages_own() -> None:
    page = fixture("article.html").decode()

    [found] = read_article(page, page_url=URL, seen_at=SEEN, outlet="Harbour Wire").found

    assert found.entry.outlet == "Harbour Wire"


def test_a_page_without_main_text_gives_a_reason_not_an_entry() -> None:
    reading = read_article("<html><body></body></html>", page_url=URL, seen_at=SEEN)

    assert reading.found == [] and reading.skipped == ["no main text found"]


def test_a_page_with_a_live_blog_is_read_as_updates_and_any_other_as_an_article() -> None:
    blog = read_html_page(fixture("liveblog-3.html").decode(), page_url=URL, seen_at=SEEN)
    article = read_html_page(fixture("article.html").decode(), page_url=URL, seen_at=SEEN)

    assert [f.entry.kind for f in blog.found] == [DocumentKind.LIVEBLOG] * 3
    assert [f.entry.kind for f in article.found] == [DocumentKind.ARTICLE]


def test_a_page_whose_json_ld_is_malformed_says_why_and_is_read_as_an_article() -> None:
    reading = read_html_page(fixture("malformed.html").decode(), page_url=URL, seen_at=SEEN)

    assert reading.skipped[0].startswith("JSON-LD block 1 is not JSON")
    assert [f.entry.kind for f in reading.found] == [DocumentKind.ARTICLE]


def test_html_fragments_become_one_paragraph_per_block() -> None:
    fragment = "<p>One <b>bold</b> line</p><script>x()</script><ul><li>two</li></ul>three<br>four"

    assert html_paragraphs(fragment) == ["One bold line", "two", "three", "four"]


def test_plain_text_becomes_one_paragraph_per_non_blank_line() -> None:
    assert text_paragraphs("a\n\n  b  \r\n\x00\nc\u00a0 d") == ["a", "b", "c d"]
