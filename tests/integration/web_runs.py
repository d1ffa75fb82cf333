"""Workers whose HTTP port the test knows, and a JSON client for their API."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from service.broker.embedded import free_port
from service.kafka.admin import ensure_topics
from service.processes import Child, spawn, stop_child
from service.settings import Settings

T = TypeVar("T")
HTTP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON, or the text when it is not JSON

    @property
    def served_by(self) -> str | None:
        return self.headers.get("x-liveblog-served-by")


@dataclass(frozen=True)
class Web:
    child: Child
    url: str

    def get(self, path: str, method: str = "GET") -> Reply:
        request = urllib.request.Request(self.url + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
                return _reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as exc:
            return _reply(exc.code, dict(exc.headers), exc.read())


def _reply(status: int, headers: dict[str, str], raw: bytes) -> Reply:
    text = raw.decode("utf-8")
    lowered = {k.lower(): v for k, v in headers.items()}
    is_json = lowered.get("content-type", "").startswith("application/json")
    return Reply(status, lowered, json.loads(text) if is_json else text)


def spawn_web_worker(settings: Settings, number: int) -> Web:
    """A worker with its own state folder and a free HTTP port, as on its own host."""
    port = free_port()
    own = settings.with_overrides(state_dir=settings.state_dir / f"worker-{number}", web_port=port)
    return Web(spawn("worker", ["worker"], own), f"http://127.0.0.1:{port}")


@dataclass(frozen=True)
class Running:
    settings: Settings
    webs: list[Web]
    children: list[Child]  # workers and sink


@contextmanager
def web_workers_and_sink(settings: Settings, workers: int = 1) -> Iterator[Running]:
    ensure_topics(settings)
    webs = [spawn_web_worker(settings, n) for n in range(workers)]
    children = [*(w.child for w in webs), spawn("sink", ["sink"], settings)]
    try:
        yield Running(settings, webs, children)
    finally:
        for child in children:
            stop_child(child)


def wait_for(
    what: str, probe: Callable[[], T | None], timeout_s: float, children: list[Child]
) -> T:
    """Poll `probe` until it returns something other than None (or fail after timeout_s)."""
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        for child in children:
            child.check()
        try:
            found = probe()
        except (OSError, ValueError) as exc:  # the worker is not listening yet
            last, found = exc, None
        if found is not None:
            return found
        time.sleep(0.25)  # polling interval of the condition above
    raise TimeoutError(f"{what}: not within {timeout_s:.0f}s (last error: {last!r})")
