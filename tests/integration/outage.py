"""A TCP proxy in front of a broker that can cut every connection and refuse new ones, then
accept again on the same port: to its clients, exactly a broker that went down and came back.

Why a proxy and not a broker restart: the embedded Tansu 0.6.0 keeps its data only in memory (its
file storage is not built in), so a restarted Tansu comes back empty - no topics, no committed
offsets - which no Kafka deployment does. Cutting the network path keeps the broker and its data
while the clients see refused connections and resets, as during a real broker restart.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Proxy:
    listen_port: int
    target_port: int
    host: str = "127.0.0.1"
    _server: socket.socket | None = None
    _sockets: set[socket.socket] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        """Accept connections (again) on listen_port and forward them to the broker."""
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.listen_port))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and reset every open one: the broker is gone."""
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
        with self._lock:
            open_sockets, self._sockets = self._sockets, set()
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                # RST rather than FIN, like a host whose process died. shutdown() first: a bare
                # close() does not end a connection another thread is blocked reading, and the
                # client would wait forever on a connection nobody serves.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection((self.host, self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._server is not server:  # cut meanwhile: this one must not survive it
                    client.close()
                    upstream.close()
                    return
                self._sockets |= {client, upstream}
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._sockets -= {src, dst}


@contextlib.contextmanager
def proxied(listen_port: int, target_port: int) -> Iterator[Proxy]:
    proxy = Proxy(listen_port, target_port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.cut()
