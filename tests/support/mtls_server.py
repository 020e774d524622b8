"""A configurable mutual-TLS test server on 127.0.0.1, built on pyOpenSSL.

Python's `ssl` server cannot choose the list of acceptable CAs it sends in its
CertificateRequest (it sends none: `load_verify_locations` does not set OpenSSL's client CA
list), and that list decides whether Java sends a certificate at all. This server sets it
explicitly with `Context.add_client_ca`: `listed_cas=()` sends an EMPTY list, a sequence of
certificates sends their subjects.

Each completed connection is answered with one line, "client=<subject>" or "client=none",
and recorded in `seen`; failed ones land in `failures`. With `http_status` it answers like a
web server instead: it reads the request head (kept in `requests`), waits `answer_delay`
seconds, and sends that status. `switch_to` (chain, key) makes it a switching server: the
first connection shows `chain`, every later one the other certificate (issue 20).
"""

from __future__ import annotations

import socket
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from OpenSSL import SSL

__all__ = ["MtlsServer"]

_VERSIONS = {"1.2": SSL.TLS1_2_VERSION, "1.3": SSL.TLS1_3_VERSION}
_VERIFY = {
    "required": SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT,
    "optional": SSL.VERIFY_PEER,
    "none": SSL.VERIFY_NONE,
}


@dataclass
class MtlsServer:
    chain: Sequence[x509.Certificate]  # the server's leaf first, then what it sends with it
    key: Any
    tls_version: str = "1.3"  # "1.2" or "1.3": the only version the server speaks
    verify: str = "required"  # "required", "optional" or "none"
    trusted_client_cas: Sequence[x509.Certificate] = ()  # what it verifies clients against
    listed_cas: Sequence[x509.Certificate] = ()  # subjects sent as acceptable CAs; () = empty
    greet: bool = True  # False: say nothing after the handshake, as an HTTPS server waits
    http_status: int | None = None  # answer requests with this status (see the docstring)
    http_reason: str = "OK"
    http_body: bytes = b""
    answer_delay: float = 0.0  # seconds between the request and the answer
    switch_to: tuple[Sequence[x509.Certificate], Any] | None = None
    seen: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    requests: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._context = self._make_context(self.chain, self.key)
        self._later = self._make_context(*self.switch_to) if self.switch_to else self._context
        self._connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _make_context(self, chain: Sequence[x509.Certificate], key: Any) -> SSL.Context:
        context = SSL.Context(SSL.TLS_SERVER_METHOD)
        version = _VERSIONS[self.tls_version]
        context.set_min_proto_version(version)
        context.set_max_proto_version(version)
        context.use_certificate(chain[0])
        context.use_privatekey(key)
        for cert in chain[1:]:
            context.add_extra_chain_cert(cert)
        context.set_verify(_VERIFY[self.verify], lambda conn, cert, errno, depth, ok: ok)
        if self.trusted_client_cas:
            with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as bundle:
                for cert in self.trusted_client_cas:
                    bundle.write(cert.public_bytes(serialization.Encoding.PEM))
            context.load_verify_locations(bundle.name)
            Path(bundle.name).unlink()
        for cert in self.listed_cas:
            context.add_client_ca(cert)
        return context

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def __enter__(self) -> MtlsServer:
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
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, sock: socket.socket) -> None:
        sock.settimeout(None)  # pyOpenSSL turns socket timeouts into WantRead errors
        self._connections += 1
        conn = SSL.Connection(self._context if self._connections == 1 else self._later, sock)
        conn.set_accept_state()
        try:
            conn.do_handshake()
            peer = conn.get_peer_certificate(as_cryptography=True)
            subject = peer.subject.rfc4514_string() if peer is not None else "none"
            self.seen.append(subject)
            if self.http_status is not None:
                self._answer(conn)
                return
            if not self.greet:
                self._stop.wait(3)  # hold the connection open, silent, like a web server
                return
            conn.sendall(f"client={subject}\n".encode())
            conn.shutdown()
        except (SSL.Error, OSError) as exc:
            self.failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            sock.close()

    def _answer(self, conn: SSL.Connection) -> None:
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 8192:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
        self.requests.append(head)
        self._stop.wait(self.answer_delay)
        body = b"" if head.startswith(b"HEAD ") else self.http_body
        conn.sendall(
            f"HTTP/1.1 {self.http_status} {self.http_reason}\r\nContent-Length: "
            f"{len(self.http_body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        conn.shutdown()
