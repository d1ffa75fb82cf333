"""Fetch a page politely: conditional GET (ETag, Last-Modified), gzip, a timeout, a size cap
read as the body streams in, retries of 429 and 5xx honouring Retry-After, and a per-host
limit. A failure is returned, never raised."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urlsplit

import httpx

from service.settings import Settings

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class Outcome(StrEnum):
    FETCHED = "fetched"
    NOT_MODIFIED = "not_modified"  # 304: nothing changed since the validators were given
    FAILED = "failed"


@dataclass(frozen=True)
class Validators:
    """What the server said identifies this version of the page, sent back on the next poll."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Response:
    url: str
    outcome: Outcome
    body: bytes = b""
    content_type: str = ""
    validators: Validators = field(default_factory=Validators)
    status: int | None = None
    reason: str = ""
    retry_after_s: float | None = None  # the server's Retry-After, when it asked for more time
    transient: bool = False  # worth retrying soon: 429, 5xx, a refused connection

    @property
    def charset(self) -> str:
        for part in self.content_type.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip("\"' ")
        return "utf-8"

    def text(self) -> str:
        try:
            return self.body.decode(self.charset, errors="replace")
        except LookupError:  # an unknown charset name
            return self.body.decode("utf-8", errors="replace")


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from now: a number of seconds or an HTTP date; None if neither."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class HostGate:
    """Requests to one host start at least `gap_s` apart (they are made one at a time)."""

    def __init__(
        self, gap_s: float, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self.gap_s = gap_s
        self.clock = clock
        self.sleep = sleep
        self.next_start: dict[str, float] = {}

    def wait(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        delay = self.next_start.get(host, 0.0) - self.clock()
        if delay > 0:
            self.sleep(delay)
        self.next_start[host] = self.clock() + self.gap_s


class TooLarge(Exception):
    pass


class TooSlow(Exception):
    pass


class Fetcher:
    """One HTTP client for every URL followed; `get` returns a Response, whatever happened."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.sleep = sleep
        self.clock = clock
        self.gate = HostGate(settings.follow_host_gap_s, clock, sleep)
        self.client = httpx.Client(
            timeout=httpx.Timeout(settings.follow_timeout_s),
            follow_redirects=True,
            max_redirects=5,
            transport=transport,
            headers={
                "User-Agent": settings.follow_user_agent,
                "Accept-Encoding": "gzip, deflate",
                "Accept": "text/html, application/xhtml+xml, application/rss+xml, "
                "application/atom+xml, application/feed+json, application/json;q=0.9, */*;q=0.8",
            },
        )

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, validators: Validators | None = None) -> Response:
        """The page, 304 when unchanged since `validators`, or a failure with its reason. A 429,
        5xx or refused connection is retried (Settings.follow_retries) after the server's
        Retry-After or a doubling backoff; a Retry-After beyond follow_max_retry_wait_s ends
        the attempt at once, with retry_after_s set for the caller's schedule."""
        settings = self.settings
        attempt = 0
        while True:
            self.gate.wait(url)
            response = self._once(url, validators or Validators())
            if not response.transient or attempt >= settings.follow_retries:
                return response
            wait = response.retry_after_s
            if wait is None:
                wait = settings.follow_backoff_s * 2**attempt
            if wait > settings.follow_max_retry_wait_s:
                return response
            attempt += 1
            self.sleep(wait)

    def _once(self, url: str, validators: Validators) -> Response:
        started = self.clock()
        try:
            with self.client.stream("GET", url, headers=validators.headers()) as answer:
                return self._read(url, answer, started)
        except TooLarge:
            limit = self.settings.follow_max_page_bytes
            return Response(url, Outcome.FAILED, status=200, reason=f"larger than {limit} bytes")
        except TooSlow:
            timeout = self.settings.follow_timeout_s
            return Response(url, Outcome.FAILED, status=200, reason=f"slower than {timeout} s")
        except httpx.TimeoutException as exc:
            reason = f"no answer within {self.settings.follow_timeout_s} s ({type(exc).__name__})"
            # Not retried at once (a slow server is not helped by more requests): the next
            # poll tries again.
            return Response(url, Outcome.FAILED, reason=reason)
        except httpx.HTTPError as exc:
            transient = isinstance(exc, httpx.ConnectError | httpx.RemoteProtocolError)
            reason = f"{type(exc).__name__}: {exc}"
            return Response(url, Outcome.FAILED, reason=reason, transient=transient)

    def _read(self, url: str, answer: httpx.Response, started: float) -> Response:
        validators = Validators(answer.headers.get("ETag"), answer.headers.get("Last-Modified"))
        if answer.status_code == 304:
            return Response(url, Outcome.NOT_MODIFIED, validators=validators, status=304)
        if answer.status_code != 200:
            now = datetime.now(UTC)
            return Response(
                url,
                Outcome.FAILED,
                status=answer.status_code,
                reason=f"HTTP {answer.status_code}",
                retry_after_s=retry_after_seconds(answer.headers.get("Retry-After"), now),
                transient=answer.status_code in RETRIED_STATUSES,
            )
        limit = self.settings.follow_max_page_bytes
        declared = answer.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise TooLarge
        chunks: list[bytes] = []
        size = 0
        for chunk in answer.iter_bytes():  # decompressed as it comes
            size += len(chunk)
            if size > limit:
                raise TooLarge
            if self.clock() - started > self.settings.follow_timeout_s:
                raise TooSlow
            chunks.append(chunk)
        return Response(
            url,
            Outcome.FETCHED,
            body=b"".join(chunks),
            content_type=answer.headers.get("Content-Type", ""),
            validators=validators,
            status=200,
        )
