"""Read one article from an HTML page: its main text (trafilatura), headline, byline, outlet
and the page's own published and modified times."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import lxml.html
import trafilatura
from lxml import etree

from schemas.entries import DocumentKind
from service.follow.entries import Draft, Reading, build_entries, clean_or_none, host_of, parse_time
from service.follow.jsonld import names, nodes, script_blocks
from service.follow.paragraphs import text_paragraphs

# Where pages state their times, most specific first (Open Graph article, schema.org microdata,
# Dublin Core and plain meta names).
PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.created",
    "date",
    "pubdate",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified")
SITE_META = ("og:site_name", "application-name")
AUTHOR_META = ("author", "article:author")


@dataclass(frozen=True)
class Article:
    """What an article page says: the draft of its one entry, and the outlet it names."""

    draft: Draft
    outlet: str | None


def _meta(root: etree._Element) -> dict[str, str]:
    """<meta> values by lower-cased property, name or itemprop (the first of each wins)."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        value = meta.get("content") or meta.get("datetime")
        if key and value and key.lower() not in found:
            found[key.lower()] = value
    return found


def _first_time(meta: dict[str, str], keys: tuple[str, ...]) -> datetime | None:
    for key in keys:
        when = parse_time(meta.get(key))
        if when:
            return when
    return None


def _jsonld_article(page: str) -> dict[str, object]:
    """The first JSON-LD object with a datePublished (NewsArticle, Article, ...), if any."""
    for block in script_blocks(page):
        try:
            value = json.loads(block)
        except (ValueError, RecursionError):
            continue
        for node in nodes(value):
            if "datePublished" in node:
                return node
    return {}


def _canonical(root: etree._Element, meta: dict[str, str]) -> str | None:
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            return link.get("href")
    return meta.get("og:url")


def read_article_page(page: str, page_url: str) -> Article | None:
    """The article of an HTML page; None when it has no main text."""
    text = trafilatura.extract(
        page, url=page_url, include_comments=False, include_tables=False, favor_precision=True
    )
    paragraphs = text_paragraphs(text or "")
    if not paragraphs:
        return None
    try:
        root = lxml.html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        root = lxml.html.document_fromstring("<html></html>")
    meta = _meta(root)
    ld = _jsonld_article(page)
    metadata = trafilatura.extract_metadata(page)
    headline = clean_or_none(ld.get("headline")) or clean_or_none(meta.get("og:title"))
    if not headline and metadata is not None:
        headline = clean_or_none(metadata.title)
    if headline and paragraphs[0] == headline:  # trafilatura may repeat the title as text
        paragraphs = paragraphs[1:] or paragraphs
    authors = names(ld.get("author")) or [a for k in AUTHOR_META if (a := meta.get(k))]
    outlet = next(iter(names(ld.get("publisher"))), None) or next(
        (clean_or_none(meta[k]) for k in SITE_META if k in meta), None
    )
    draft = Draft(
        paragraphs=tuple(paragraphs),
        headline=headline,
        byline=", ".join(a for a in (clean_or_none(a) for a in authors) if a) or None,
        key=_canonical(root, meta) or page_url,
        published=parse_time(ld.get("datePublished")) or _first_time(meta, PUBLISHED_META),
        modified=parse_time(ld.get("dateModified")) or _first_time(meta, MODIFIED_META),
    )
    return Article(draft, outlet)


def read_article(
    page: str, *, page_url: str, seen_at: datetime, outlet: str | None = None
) -> Reading:
    """One entry for an article page (kind article), or none, with the reason."""
    article = read_article_page(page, page_url)
    if article is None:
        return Reading([], ["no main text found"], outlet=outlet)
    name = outlet or article.outlet or host_of(page_url)
    found, skipped = build_entries(
        [article.draft], page_url=page_url, outlet=name, kind=DocumentKind.ARTICLE, seen_at=seen_at
    )
    return Reading(found, skipped, outlet=name)
