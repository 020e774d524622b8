"""Loopback servers that fail the way partner servers do: silent, not TLS, refusing TLS.

Each listens on 127.0.0.1 on a random port and is used as a context manager.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "PLAIN_HTTP_ANSWER",
    "TLS_HANDSHAKE_FAILURE_ALERT",
    "closed_port",
    "replying_server",
    "silent_server",
]

# A TLS alert record: fatal (2) handshake_failure (40), what a server sends when it shares no
# protocol version or cipher with the client (RFC 8446 section 6).
TLS_HANDSHAKE_FAILURE_ALERT = b"\x15\x03\x03\x00\x02\x02\x28"
PLAIN_HTTP_ANSWER = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 11\r\nConnection: close\r\n\r\nBad Request"
)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts connections (the kernel completes them from the backlog) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as listener:
        yield listener.getsockname()[1]


@contextmanager
def replying_server(answer: bytes) -> Iterator[int]:
    """Reads the client's first bytes (a ClientHello), sends `answer`, hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(4096)
                    conn.sendall(answer)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
