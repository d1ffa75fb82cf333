"""The fetcher against a loopback HTTP server: conditional GET, gzip, retries, limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from service.follow.fetch import Fetcher, Outcome, Validators, retry_after_seconds
from service.settings import Settings
from tests.pages_server import Pages, Reply, pages_server

SETTINGS = Settings(
    follow_timeout_s=0.5,
    follow_max_page_bytes=64 * 1024,
    follow_host_gap_s=0.0,
    follow_retries=2,
    follow_backoff_s=0.01,
    follow_max_retry_wait_s=5.0,
)


@pytest.fixture
def server() -> Iterator[tuple[str, Pages]]:
    with pages_server() as served:
        yield served


class Sleeps:
    """Records the waits the fetcher asks for, without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_an_unchanged_page_is_not_modified_when_its_etag_is_sent_back(
    server: tuple[str, Pages],
) -> None:
    base, pages = server
    pages.serve("/p", Reply(b"<p>hello</p>"))
    fetcher = Fetcher(SETTINGS)
    first = fetcher.get(f"{base}/p")

    again = fetcher.get(f"{base}/p", first.validators)

    assert first.outcome is Outcome.FETCHED and first.validators.etag
    assert again.outcome is Outcome.NOT_MODIFIED and again.body == b""
    assert pages.requests[-1][1]["if-none-match"] == first.validators.etag


def test_last_modified_is_sent_back_as_if_modified_since(server: tuple[str, Pages]) -> None:
    base, pages = server
    stamp = "Wed, 14 May 2031 10:00:00 GMT"
    pages.serve("/p", Reply(b"x", headers={"Last-Modified": stamp}, etag=False))
    fetcher = Fetcher(SETTINGS)

    first = fetcher.get(f"{base}/p")
    fetcher.get(f"{base}/p", first.validators)

    assert first.validators == Validators(None, stamp)
    assert pages.requests[-1][1]["if-modified-since"] == stamp


def test_a_gzipped_page_is_read_decompressed(server: tuple[str, Pages]) -> None:
    base, pages = server
    body = b"<p>" + b"squeeze " * 1000 + b"</p>"
    pages.serve("/p", Reply(body, gzip=True))

    response = Fetcher(SETTINGS).get(f"{base}/p")

    assert response.body == body
    assert "gzip" in pages.requests[0][1]["accept-encoding"]


def test_a_500_then_a_200_is_retried_within_one_poll(server: tuple[str, Pages]) -> None:
    base, pages = server
    pages.serve("/p", Reply(b"oops", status=500), Reply(b"fine"))
    sleeps = Sleeps()

    response = Fetcher(SETTINGS, sleep=sleeps).get(f"{base}/p")

    assert response.outcome is Outcome.FETCHED and response.body == b"fine"
    assert pages.hits("/p") == 2 and sleeps.waits == [0.01]


def test_a_429_is_retried_after_the_retry_after_the_server_asked_for(
    server: tuple[str, Pages],
) -> None:
    base, pages = server
    pages.serve("/p", Reply(b"", status=429, headers={"Retry-After": "3"}), Reply(b"fine"))
    sleeps = Sleeps()

    response = Fetcher(SETTINGS, sleep=sleeps).get(f"{base}/p")

    assert response.outcome is Outcome.FETCHED
    assert sleeps.waits == [3.0]


def test_a_retry_after_too_long_to_wait_ends_the_poll_with_it(server: tuple[str, Pages]) -> None:
    base, pages = server
    pages.serve("/p", Reply(b"", status=503, headers={"Retry-After": "600"}), Reply(b"fine"))

    response = Fetcher(SETTINGS, sleep=Sleeps()).get(f"{base}/p")

    assert response.outcome is Outcome.FAILED and response.status == 503
    assert response.retry_after_s == 600.0 and pages.hits("/p") == 1


def test_retries_stop_after_the_configured_number(server: tuple[str, Pages]) -> None:
    base, pages = server
    pages.serve("/p", Reply(b"", status=502))

    response = Fetcher(SETTINGS, sleep=Sleeps()).get(f"{base}/p")

    assert response.outcome is Outcome.FAILED and response.reason == "HTTP 502"
    assert pages.hits("/p") == 1 + SETTINGS.follow_retries


def test_a_404_is_a_failure_without_retries(server: tuple[str, Pages]) -> None:
    base, pages = server

    response = Fetcher(SETTINGS, sleep=Sleeps()).get(f"{base}/missing")

    assert response.outcome is Outcome.FAILED and response.status == 404
    assert pages.hits("/missing") == 1


def test_a_response_slower_than_the_timeout_is_a_failure(server: tuple[str, Pages]) -> None:
    base, pages = server
    pages.serve("/slow", Reply(b"late", delay_s=2.0))
    started = time.monotonic()

    response = Fetcher(SETTINGS).get(f"{base}/slow")

    assert response.outcome is Outcome.FAILED
    assert response.reason.startswith("no answer within 0.5 s")
    assert time.monotonic() - started < 1.9


def test_a_page_over_the_size_cap_is_a_failure(server: tuple[str, Pages]) -> None:
    base, pages = server
    pages.serve("/big", Reply(b"x" * (SETTINGS.follow_max_page_bytes + 1)))
    pages.serve("/bomb", Reply(b"0" * (4 * SETTINGS.follow_max_page_bytes), gzip=True))

    big = Fetcher(SETTINGS).get(f"{base}/big")
    bomb = Fetcher(SETTINGS).get(f"{base}/bomb")  # small on the wire, large once unpacked

    assert big.outcome is Outcome.FAILED and big.reason == "larger than 65536 bytes"
    assert bomb.outcome is Outcome.FAILED and bomb.reason == "larger than 65536 bytes"


def test_requests_to_one_host_keep_the_configured_gap() -> None:
    clock = [100.0]
    sleeps = Sleeps()

    def sleep(seconds: float) -> None:
        sleeps(seconds)
        clock[0] += seconds

    fetcher = Fetcher(
        SETTINGS.with_overrides(follow_host_gap_s=2.0), sleep=sleep, clock=lambda: clock[0]
    )

    fetcher.gate.wait("http://a.test/1")
    fetcher.gate.wait("http://b.test/1")
    fetcher.gate.wait("http://a.test/2")

    assert sleeps.waits == [2.0]


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    now = datetime(2031, 5, 14, 10, 0, tzinfo=UTC)

    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Wed, 14 May 2031 10:01:30 GMT", now) == 90.0
    assert retry_after_seconds("soon", now) is None
