"""Servers the browser tests talk to, all on 127.0.0.1: the app itself and a TCP server
that is slow and does not speak TLS (for "busy" indicators and the not-TLS error)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from flask import Flask
from werkzeug.serving import make_server

__all__ = ["RunningApp", "SlowPlainServer", "closed_port", "serve_app"]


@dataclass(frozen=True)
class RunningApp:
    app: Flask
    url: str  # http://127.0.0.1:<port>, no trailing slash


@contextmanager
def serve_app(app: Flask) -> Iterator[RunningApp]:
    """Serve `app` with werkzeug in a thread (threaded: htmx sends requests in parallel)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RunningApp(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class SlowPlainServer:
    """Accepts a connection, waits `delay` seconds, answers in plain HTTP and closes.

    To the fetcher that is a server that is slow and then "not TLS": long enough to see the
    busy state in the browser, and an error path of its own.
    """

    delay: float = 0.0
    port: int = 0
    connections: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> SlowPlainServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(self.delay)
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            self._stop.wait(self.delay)
            with suppress(OSError):
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released): connecting is refused."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]
