"""The poll loop against a loopback server whose pages change between polls."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator, Sequence

import pytest
from structlog.testing import capture_logs

from schemas.entries import RawEntry
from schemas.follow import FollowState
from service.follow.fetch import Fetcher
from service.follow.publish import PrintPublisher
from service.follow.runner import Follower, Target
from service.follow.state import Published
from service.settings import Settings
from tests.pages_server import Pages, Reply, fixture, pages_server

SETTINGS = Settings(
    follow_interval_s=0.05,
    follow_timeout_s=0.5,
    follow_host_gap_s=0.0,
    follow_retries=0,
    follow_backoff_s=0.0,
)


class Recorder:
    """A publisher that keeps each batch it was given."""

    def __init__(self, published: Published | None = None) -> None:
        self.published = published or Published()
        self.batches: list[list[RawEntry]] = []

    def publish(self, entries: Sequence[RawEntry]) -> None:
        self.batches.append(list(entries))
        for entry in entries:
            self.published.remember(FollowState.of(entry, entry.event_time))


@pytest.fixture
def server() -> Iterator[tuple[str, Pages]]:
    with pages_server() as served:
        yield served


def follower(publisher: Recorder | PrintPublisher) -> Follower:
    return Follower(SETTINGS, Fetcher(SETTINGS), publisher)


def test_a_live_blog_publishes_three_then_the_new_one_then_the_edited_one(
    server: tuple[str, Pages],
) -> None:
    base, pages = server
    pages.serve(
        "/live",
        Reply(fixture("liveblog-3.html")),
        Reply(fixture("liveblog-4.html")),
        Reply(fixture("liveblog-4-edited.html")),
    )
    recorder = Recorder()
    run = follower(recorder)
    target = Target(f"{base}/live")

    counts = [run.poll(target) for _ in range(4)]

    assert counts == [3, 1, 1, 0]
    assert recorder.batches[1][0].headline == "Vote passes"
    edited = recorder.batches[2][0]
    assert edited.headline == "Engineers give evidence" and "Kasimir Wolde" in edited.text()


def test_an_update_that_drops_off_the_page_is_neither_published_nor_taken_back(
    server: tuple[str, Pages],
) -> None:
    base, pages = server
    full = fixture("liveblog-4.html").decode()
    paged = re.sub(r',\s*\{[^{}]*"[^"]*#update-1"[^{}]*\}', "", full)  # the oldest paged out
    assert paged != full
    pages.serve("/live", Reply(full.encode()), Reply(paged.encode()))
    recorder = Recorder()
    run = follower(recorder)
    target = Target(f"{base}/live")

    counts = [run.poll(target) for _ in range(2)]

    assert counts == [4, 0]
    assert len(recorder.published.states) == 4  # still remembered: a restart sends it not again


def test_an_unchanged_page_answered_304_publishes_nothing(server: tuple[str, Pages]) -> None:
    base, pages = server
    pages.serve("/live", Reply(fixture("liveblog-3.html")))
    run = follower(Recorder())
    target = Target(f"{base}/live")
    run.poll(target)

    again = run.poll(target)

    assert again == 0
    assert pages.requests[-1][1]["if-none-match"] == target.validators.etag


def test_a_restart_publishes_nothing_already_published(server: tuple[str, Pages]) -> None:
    base, pages = server
    pages.serve("/live", Reply(fixture("liveblog-4-edited.html")))
    pages.serve("/feed", Reply(fixture("feed.atom"), content_type="application/atom+xml"))
    before = Recorder()
    stop = threading.Event()
    assert follower(before).run([f"{base}/live", f"{base}/feed"], once=True, stop=stop) == 6

    after = Recorder(Published(before.published.states.values()))
    again = follower(after).run([f"{base}/live", f"{base}/feed"], once=True, stop=stop)

    assert again == 0


def test_a_malformed_page_is_one_log_line_and_the_other_pages_go_on(
    server: tuple[str, Pages],
) -> None:
    base, pages = server
    pages.serve("/bad", Reply(fixture("malformed.html")))
    pages.serve("/down", Reply(b"", status=500))
    pages.serve("/live", Reply(fixture("liveblog-3.html")))
    recorder = Recorder()

    with capture_logs() as logs:
        published = follower(recorder).run(
            [f"{base}/bad", f"{base}/down", f"{base}/live"], once=True, stop=threading.Event()
        )

    warnings = [(log["event"], log["url"]) for log in logs if log["log_level"] == "warning"]
    assert warnings == [
        ("follow_page_skipped", f"{base}/bad"),
        ("follow_fetch_failed", f"{base}/down"),
    ]
    assert published == 1 + 3  # the malformed page read as an article, then the live blog


def test_a_summary_only_feed_item_fetches_its_article_once(server: tuple[str, Pages]) -> None:
    base, pages = server
    feed = fixture("summary.rss").replace(b"LINK_PLACEHOLDER", f"{base}/story".encode())
    pages.serve("/feed", Reply(feed, content_type="application/rss+xml", etag=False))
    pages.serve("/story", Reply(fixture("article.html")))
    recorder = Recorder()
    run = follower(recorder)
    target = Target(f"{base}/feed")

    counts = [run.poll(target), run.poll(target)]

    assert counts == [1, 0]
    assert pages.hits("/story") == 1
    [[entry]] = recorder.batches[:1]
    assert entry.headline == "Lighthouse keeper retires after forty years"
    assert entry.paragraphs[0].startswith("After forty years of climbing")


def test_a_failed_url_backs_off_and_the_loop_polls_the_others_on_time(
    server: tuple[str, Pages],
) -> None:
    base, pages = server
    pages.serve("/down", Reply(b"", status=503))
    pages.serve("/live", Reply(fixture("liveblog-3.html")))
    stop = threading.Event()
    run = follower(Recorder())

    def stop_when_polled_often() -> None:
        while pages.hits("/live") < 5 and not stop.is_set():
            stop.wait(0.01)
        stop.set()

    watcher = threading.Thread(target=stop_when_polled_often)
    watcher.start()
    run.run([f"{base}/down", f"{base}/live"], once=False, stop=stop)
    watcher.join(timeout=10)

    assert pages.hits("/live") >= 5
    assert pages.hits("/down") < pages.hits("/live")


def test_print_writes_raw_entry_json_lines(server: tuple[str, Pages]) -> None:
    base, pages = server
    pages.serve("/live", Reply(fixture("liveblog-3.html")))
    out = io.StringIO()

    follower(PrintPublisher(out)).run([f"{base}/live"], once=True, stop=threading.Event())

    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert all(RawEntry.model_validate(json.loads(line)) for line in lines)
