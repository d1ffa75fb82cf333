"""Read a live blog's updates from the schema.org JSON-LD of its page (LiveBlogPosting ->
liveBlogUpdate); any JSON at all is read without raising, and what is skipped says why."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.entries import DocumentKind
from service.follow.entries import Draft, Reading, build_entries, clean_or_none, host_of, parse_time
from service.follow.paragraphs import html_paragraphs, text_paragraphs

_SCRIPT = re.compile(
    r"<script\b[^>]*\btype\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script\s*>",
    re.IGNORECASE | re.DOTALL,
)
MAX_DEPTH = 32  # deeper JSON-LD is not a page's metadata
MAX_NODES = 20_000


def script_blocks(page: str) -> list[str]:
    """The text of each <script type="application/ld+json"> of an HTML page."""
    blocks = []
    for match in _SCRIPT.finditer(page):
        text = match.group(1).strip()
        # Some pages wrap the JSON in an HTML comment or CDATA section.
        for start, end in (("<!--", "-->"), ("<![CDATA[", "]]>")):
            if text.startswith(start) and text.endswith(end):
                text = text[len(start) : -len(end)].strip()
        blocks.append(text)
    return blocks


def types_of(node: dict[str, Any]) -> set[str]:
    """The node's @type values, without a schema.org prefix ("schema:BlogPosting", a full URL)."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for v in values if isinstance(v, str)}


def nodes(value: object) -> Iterator[dict[str, Any]]:
    """Every object in a JSON value (inside lists, @graph and any property), depth first, up to
    MAX_DEPTH levels and MAX_NODES objects."""
    stack: list[tuple[object, int]] = [(value, 0)]
    seen = 0
    while stack and seen < MAX_NODES:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(item, dict):
            seen += 1
            yield item
            children = list(item.values())
        elif isinstance(item, list):
            children = list(item)
        else:
            continue
        stack.extend((child, depth + 1) for child in reversed(children))


def as_list(value: object) -> list[object]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def names(value: object) -> list[str]:
    """Names of an author or publisher: a string, an object with `name`, or a list of these."""
    found = []
    for item in as_list(value):
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, list):  # schema.org allows several names; the first is enough
            name = next((n for n in name if isinstance(n, str)), None)
        text = clean_or_none(name)
        if text and text not in found:
            found.append(text)
    return found


def body_paragraphs(value: object) -> list[str]:
    """articleBody as paragraphs: a string split on blank lines and newlines (HTML, which some
    pages put there, split on its block elements), or a list of such strings."""
    paragraphs: list[str] = []
    for item in as_list(value):
        if isinstance(item, str):
            looks_html = re.search(r"</?(p|br|div|li|h\d)\b", item, re.IGNORECASE)
            paragraphs.extend(html_paragraphs(item) if looks_html else text_paragraphs(item))
    return paragraphs


def string_of(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return value if isinstance(value, str) and value.strip() else None


def update_draft(update: dict[str, Any]) -> Draft:
    headline = clean_or_none(update.get("headline")) or clean_or_none(update.get("name"))
    paragraphs = body_paragraphs(update.get("articleBody"))
    if not paragraphs:
        paragraphs = body_paragraphs(update.get("text")) or body_paragraphs(
            update.get("description")
        )
    if not paragraphs and headline:  # a one-line update: its headline is all it says
        paragraphs, headline = [headline], None
    bylines = names(update.get("author"))
    return Draft(
        paragraphs=tuple(paragraphs),
        headline=headline,
        byline=", ".join(bylines) or None,
        key=string_of(update.get("@id")) or string_of(update.get("url")),
        published=parse_time(update.get("datePublished")),
        modified=parse_time(update.get("dateModified")),
    )


@dataclass(frozen=True)
class Postings:
    """The LiveBlogPosting objects found in a page's JSON-LD, and the blocks that were not JSON."""

    blogs: list[dict[str, Any]]
    problems: list[str]


def find_postings(blocks: list[str]) -> Postings:
    blogs: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, block in enumerate(blocks, start=1):
        try:
            value = json.loads(block)
        except (ValueError, RecursionError) as exc:
            problems.append(f"JSON-LD block {number} is not JSON ({_why(exc)})")
            continue
        blogs.extend(n for n in nodes(value) if "LiveBlogPosting" in types_of(n))
    return Postings(blogs, problems)


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "nested too deeply" if isinstance(exc, RecursionError) else str(exc)


def read_liveblog_value(
    value: object, *, page_url: str, seen_at: datetime, outlet: str | None = None
) -> Reading:
    """The updates of every LiveBlogPosting in one parsed JSON-LD value. Never raises."""
    blogs = [n for n in nodes(value) if "LiveBlogPosting" in types_of(n)]
    return read_postings(Postings(blogs, []), page_url=page_url, seen_at=seen_at, outlet=outlet)


def read_liveblog(
    page: str, *, page_url: str, seen_at: datetime, outlet: str | None = None
) -> Reading:
    """The updates of every LiveBlogPosting in an HTML page's JSON-LD (none: no entries), with
    the reasons for anything skipped, blocks that are not JSON included. Never raises."""
    postings = find_postings(script_blocks(page))
    return read_postings(postings, page_url=page_url, seen_at=seen_at, outlet=outlet)


def read_postings(
    postings: Postings, *, page_url: str, seen_at: datetime, outlet: str | None
) -> Reading:
    skipped = list(postings.problems)
    drafts: list[Draft] = []
    publisher: str | None = None
    for blog in postings.blogs:
        publisher = publisher or next(iter(names(blog.get("publisher"))), None)
        updates = as_list(blog.get("liveBlogUpdate"))
        if not updates:
            skipped.append("LiveBlogPosting without liveBlogUpdate")
        for number, update in enumerate(updates, start=1):
            if not isinstance(update, dict):
                skipped.append(f"update {number} is not an object")
                continue
            drafts.append(update_draft(update))
    name = outlet or publisher or host_of(page_url)
    found, unusable = build_entries(
        drafts, page_url=page_url, outlet=name, kind=DocumentKind.LIVEBLOG, seen_at=seen_at
    )
    return Reading(found, skipped + unusable, outlet=name)
