"""A local TLS server on 127.0.0.1 for tests, optionally demanding a client certificate.

It answers every completed handshake with one line naming the client certificate's subject
(or "no-client-cert"), then closes. Handshake failures are recorded, not raised, so a test can
assert on what the server saw.
"""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LocalTLSServer"]


@dataclass
class LocalTLSServer:
    cert_chain: Path  # PEM: leaf first, then whatever intermediates the server should send
    key: Path
    client_ca: Path | None = None  # when set, a client certificate from this CA is required
    host: str = "127.0.0.1"
    port: int = 0
    client_subjects: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(self.cert_chain, self.key)
        if self.client_ca is not None:
            self._context.verify_mode = ssl.CERT_REQUIRED
            self._context.load_verify_locations(self.client_ca)
        self._sock = socket.create_server((self.host, self.port))
        # Set before the thread starts: closing the server right after starting must not race.
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def __enter__(self) -> LocalTLSServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            with self._context.wrap_socket(conn, server_side=True) as tls:
                peer = tls.getpeercert()
                subject = (
                    ",".join(f"{k}={v}" for rdn in peer["subject"] for k, v in rdn)
                    if peer
                    else "no-client-cert"
                )
                self.client_subjects.append(subject)
                tls.sendall(subject.encode() + b"\n")
        except (ssl.SSLError, OSError) as exc:
            self.failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()
