"""The poll loop of `liveblog follow`: fetch each URL on its schedule, read its entries, and
publish those that are new or changed; a failure is one log line and the loop goes on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import structlog

from schemas.entries import RawEntry
from service.follow.articles import read_article_page
from service.follow.entries import Reading, entry_id, host_of
from service.follow.feeds import Feed, parse_feed, read_feed
from service.follow.fetch import Fetcher, Outcome, Response, Validators
from service.follow.pages import read_html_page
from service.follow.publish import Publisher
from service.follow.state import decide
from service.settings import Settings

log = structlog.get_logger(__name__)

MAX_BACKOFF_STEPS = 4  # after failures, a URL is polled at most 2**4 intervals apart


@dataclass
class Target:
    """One followed URL: the validators of its last answer and when it is due again."""

    url: str
    validators: Validators = field(default_factory=Validators)
    due: float = 0.0
    failures: int = 0


class Follower:
    def __init__(
        self,
        settings: Settings,
        fetcher: Fetcher,
        publisher: Publisher,
        *,
        outlet: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.fetcher = fetcher
        self.publisher = publisher
        self.outlet = outlet
        self.clock = clock
        self.now = now
        # Main text of the articles summary-only feed items link to: fetched once per item.
        self.articles: dict[str, tuple[str, ...]] = {}

    def run(self, urls: Sequence[str], *, once: bool, stop: threading.Event) -> int:
        """Poll every URL once (`once`), or each every interval until `stop` is set; returns
        the number of entries published."""
        targets = [Target(url) for url in urls]
        if once:
            return sum(self.poll(target) for target in targets if not stop.is_set())
        published = 0
        while not stop.is_set():
            target = min(targets, key=lambda t: t.due)
            wait = target.due - self.clock()
            if wait > 0:
                stop.wait(wait)
                continue
            published += self.poll(target)
        return published

    def poll(self, target: Target) -> int:
        """Fetch one URL and publish what is new or changed on it; returns how many entries."""
        url = target.url
        response = self.fetcher.get(url, target.validators)
        self._schedule(target, response)
        if response.outcome is Outcome.FAILED:
            log.warning(
                "follow_fetch_failed",
                url=url,
                status=response.status,
                reason=response.reason,
                failures=target.failures,
                next_poll_in_s=round(target.due - self.clock(), 1),
            )
            return 0
        if response.outcome is Outcome.NOT_MODIFIED:
            log.debug("follow_not_modified", url=url)
            return 0
        seen_at = self.now()
        try:
            reading = self._read(response, seen_at)
        except Exception as exc:  # a page no reader expected: one line, the others go on
            log.error("follow_page_unreadable", url=url, error=f"{type(exc).__name__}: {exc}")
            return 0
        if reading.skipped:
            log.warning("follow_page_skipped", url=url, reasons=reading.skipped)
        return self._publish(url, reading, seen_at)

    def _schedule(self, target: Target, response: Response) -> None:
        interval = self.settings.follow_interval_s
        if response.outcome is Outcome.FAILED:
            target.failures += 1
            backoff = interval * 2 ** min(target.failures - 1, MAX_BACKOFF_STEPS)
            target.due = self.clock() + max(backoff, response.retry_after_s or 0.0)
            return
        target.failures = 0
        target.validators = response.validators
        target.due = self.clock() + interval

    def _read(self, response: Response, seen_at: datetime) -> Reading:
        feed = parse_feed(response.body)
        if feed is not None:
            return self._read_feed(feed, response.url, seen_at)
        return read_html_page(
            response.text(), page_url=response.url, seen_at=seen_at, outlet=self.outlet
        )

    def _read_feed(self, feed: Feed, url: str, seen_at: datetime) -> Reading:
        outlet = self.outlet or feed.title or host_of(url)
        items = []
        for item in feed.items:
            if item.summary_only and item.link and item.link not in self.articles:
                if entry_id(outlet, url, item.draft) in self.publisher.published:
                    continue  # published before a restart: its article is not fetched again
                if not self._fetch_article(item.link):
                    continue  # its failure is logged; the next poll tries again
            items.append(item)
        return read_feed(
            replace(feed, items=items),
            page_url=url,
            seen_at=seen_at,
            outlet=self.outlet,
            articles=self.articles,
        )

    def _fetch_article(self, link: str) -> bool:
        response = self.fetcher.get(link)
        article = None
        if response.outcome is Outcome.FETCHED:
            article = read_article_page(response.text(), link)
        if article is None:
            reason = response.reason or "no main text found"
            log.warning("follow_article_failed", url=link, status=response.status, reason=reason)
            return False
        self.articles[link] = article.draft.paragraphs
        return True

    def _publish(self, url: str, reading: Reading, seen_at: datetime) -> int:
        published = self.publisher.published
        chosen: list[RawEntry] = []
        for found in reading.found:
            decision = decide(found, published.get(found.entry.entry_id), seen_at)
            if decision.publish:
                chosen.append(decision.entry)
                log.debug("follow_entry_chosen", entry_id=decision.entry.entry_id, why=decision.why)
        self.publisher.publish(chosen)
        log.info(
            "follow_polled",
            url=url,
            outlet=reading.outlet,
            entries=len(reading.found),
            published=len(chosen),
        )
        return len(chosen)
