"""Read the items of an RSS 2.0 or Atom feed (feedparser) or a JSON Feed (plain json); an item
that carries only a summary is marked, so the runner can fetch the article it links to."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from time import struct_time
from typing import Any

import feedparser

from schemas.entries import DocumentKind
from service.follow.entries import Draft, Reading, build_entries, clean_or_none, host_of, parse_time
from service.follow.paragraphs import html_paragraphs, text_paragraphs

JSON_FEED = re.compile(r"^https?://jsonfeed\.org/version/1(\.\d+)?/?$")
_MAILBOX = re.compile(r"^\S+@\S+\s+\((?P<name>[^)]+)\)$")  # RSS: "jo@example.org (Jo Doe)"


@dataclass(frozen=True)
class FeedItem:
    """One item of a feed. `link` is the article it points to; `summary_only` says the item's
    text is a summary, and the article's main text should stand in for it."""

    draft: Draft
    link: str | None
    summary_only: bool


@dataclass(frozen=True)
class Feed:
    title: str | None
    items: list[FeedItem]


def _time(parsed: object, raw: object) -> datetime | None:
    if isinstance(parsed, struct_time):  # feedparser gives UTC
        try:
            return datetime(*parsed[:6], tzinfo=UTC)
        except ValueError:
            return None
    return parse_time(raw)


def _author(name: object) -> str | None:
    text = clean_or_none(name)
    match = _MAILBOX.match(text) if text else None
    return clean_or_none(match.group("name")) if match else text


def _item(entry: dict[str, Any]) -> FeedItem:
    contents = [c.get("value", "") for c in entry.get("content", []) if isinstance(c, Mapping)]
    body = [p for value in contents for p in html_paragraphs(value)]
    summary = html_paragraphs(entry.get("summary") or "")
    published = _time(entry.get("published_parsed"), entry.get("published"))
    # dict.get: feedparser's own get() maps a missing `updated` to `published` (with a warning).
    modified = _time(dict.get(entry, "updated_parsed"), dict.get(entry, "updated"))
    authors = [_author(a.get("name")) for a in entry.get("authors", []) if isinstance(a, Mapping)]
    link = entry.get("link") if isinstance(entry.get("link"), str) else None
    draft = Draft(
        paragraphs=tuple(body or summary),
        headline=clean_or_none(entry.get("title")),
        byline=", ".join(a for a in authors if a) or None,
        key=clean_or_none(entry.get("id")) or link,
        # Atom requires <updated> and makes <published> optional: then updated is all it says.
        published=published or modified,
        modified=modified,
    )
    return FeedItem(draft, link, summary_only=not body and link is not None)


def parse_xml_feed(body: bytes) -> Feed | None:
    """An RSS or Atom feed; None when the bytes are not one (an HTML page, say)."""
    parsed = feedparser.parse(body)
    if not parsed.get("version"):
        return None
    return Feed(clean_or_none(parsed.feed.get("title")), [_item(e) for e in parsed.entries])


def parse_json_feed(body: bytes) -> Feed | None:
    """A JSON Feed (1.0 or 1.1); None when the bytes are not one."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or not JSON_FEED.match(str(value.get("version", ""))):
        return None
    items = [_json_item(i) for i in value.get("items") or [] if isinstance(i, dict)]
    return Feed(clean_or_none(value.get("title")), items)


def _json_item(item: Mapping[str, Any]) -> FeedItem:
    html = item.get("content_html")
    text = item.get("content_text")
    body = html_paragraphs(html) if isinstance(html, str) else []
    if not body and isinstance(text, str):
        body = text_paragraphs(text)
    summary = item.get("summary")
    authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
    names = [clean_or_none(a.get("name")) for a in authors if isinstance(a, Mapping)]
    link = item.get("url") if isinstance(item.get("url"), str) else None
    published = parse_time(item.get("date_published"))
    modified = parse_time(item.get("date_modified"))
    draft = Draft(
        paragraphs=tuple(body or (text_paragraphs(summary) if isinstance(summary, str) else [])),
        headline=clean_or_none(item.get("title")),
        byline=", ".join(n for n in names if n) or None,
        key=clean_or_none(str(item["id"])) if item.get("id") is not None else link,
        published=published or modified,
        modified=modified,
    )
    return FeedItem(draft, link, summary_only=not body and link is not None)


def parse_feed(body: bytes) -> Feed | None:
    """A JSON Feed, RSS or Atom feed; None when the bytes are none of these."""
    head = body.lstrip()[:1]
    if head == b"{":
        return parse_json_feed(body)
    if head != b"<":
        return None
    return parse_xml_feed(body)


def read_feed(
    feed: Feed,
    *,
    page_url: str,
    seen_at: datetime,
    outlet: str | None = None,
    articles: Mapping[str, Sequence[str]] | None = None,
) -> Reading:
    """One entry per item. A summary-only item takes the main text of its linked article from
    `articles` (link -> paragraphs); without it, the item is skipped this time."""
    articles = articles or {}
    drafts: list[Draft] = []
    skipped: list[str] = []
    for number, item in enumerate(feed.items, start=1):
        if item.summary_only:
            text = articles.get(item.link or "")
            if not text:
                skipped.append(f"item {number}: only a summary, and its article was not read")
                continue
            drafts.append(replace(item.draft, paragraphs=tuple(text)))
        else:
            drafts.append(item.draft)
    name = outlet or feed.title or host_of(page_url)
    found, unusable = build_entries(
        drafts, page_url=page_url, outlet=name, kind=DocumentKind.ARTICLE, seen_at=seen_at
    )
    return Reading(found, skipped + unusable, outlet=name)
