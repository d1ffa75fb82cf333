"""Tell what an HTML page holds and read its entries: a JSON-LD live blog (one entry per
update), else an article (its main text, one entry)."""

from __future__ import annotations

from datetime import datetime

from service.follow.articles import read_article
from service.follow.entries import Reading
from service.follow.jsonld import find_postings, read_postings, script_blocks


def read_html_page(
    page: str, *, page_url: str, seen_at: datetime, outlet: str | None = None
) -> Reading:
    """A live blog's updates when the page's JSON-LD has a LiveBlogPosting; otherwise the page
    as one article. JSON-LD that cannot be read is among the reasons returned, and the page is
    then read as an article."""
    postings = find_postings(script_blocks(page))
    if postings.blogs:
        return read_postings(postings, page_url=page_url, seen_at=seen_at, outlet=outlet)
    article = read_article(page, page_url=page_url, seen_at=seen_at, outlet=outlet)
    return Reading(article.found, postings.problems + article.skipped, outlet=article.outlet)
