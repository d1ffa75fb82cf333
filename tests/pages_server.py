"""A loopback HTTP server for the tests of `liveblog follow`: each path answers from a script of
responses (the last one repeats), so a page can change between polls, fail, or be slow."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "data" / "follow"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the answer
    etag: bool = True  # answer 304 to a matching If-None-Match
    gzip: bool = False


@dataclass
class Pages:
    """What the server answers, by path; and every request it saw."""

    scripts: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, path: str, *replies: Reply) -> None:
        with self.lock:
            self.scripts[path] = list(replies)

    def next_reply(self, path: str, headers: dict[str, str]) -> Reply | None:
        with self.lock:
            self.requests.append((path, headers))
            script = self.scripts.get(path)
            if not script:
                return None
            return script.pop(0) if len(script) > 1 else script[0]

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _ in self.requests if p == path)


def _handler(pages: Pages) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            reply = pages.next_reply(self.path, {k.lower(): v for k, v in self.headers.items()})
            if reply is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if reply.delay_s:
                time.sleep(reply.delay_s)  # the slow server being simulated
            etag = f'"{hashlib.sha256(reply.body).hexdigest()[:16]}"'
            if reply.status == 200 and reply.etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            body = reply.body
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            if reply.status == 200 and reply.etag:
                self.send_header("ETag", etag)
            if reply.gzip:
                body = gzip.compress(body)
                self.send_header("Content-Encoding", "gzip")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The client may give up (timeout, size cap): that is the point.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    return Handler


@contextmanager
def pages_server() -> Iterator[tuple[str, Pages]]:
    """(base URL, Pages) of a server on 127.0.0.1, stopped on exit."""
    pages = Pages()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pages))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
