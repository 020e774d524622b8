"""One TLS handshake as a Java client would make it, observed closely (pyOpenSSL).

Python's `ssl` cannot show the server's list of acceptable certificate authorities, so the
connection test uses pyOpenSSL (maintained by the cryptography team): after the server's
CertificateRequest, `Connection.get_client_ca_list()` returns the names it listed, on the
client side too (TLS 1.2 field and TLS 1.3 extension alike, OpenSSL 3.0).

A server under TLS 1.3 judges the client's certificate after the client has sent its Finished,
so `do_handshake()` succeeds on our side and the rejection arrives as an alert on the next
read. We therefore read for a short while after the handshake (sending nothing): an alert or a
hang-up in that window is the server's verdict; silence or data means it carried on.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509
from OpenSSL import SSL

from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner.connect import ConnectionTimedOut

__all__ = ["Attempt", "attempt_handshake"]

DEFAULT_AFTER_HANDSHAKE_WAIT = 0.8  # seconds to wait for a TLS 1.3 rejection after Finished


@dataclass
class Attempt:
    """What one connection showed. `failure` is OpenSSL's text (for `detail` only)."""

    server_chain: list[x509.Certificate] = field(default_factory=list)
    certificate_requested: bool = False
    acceptable: list[x509.Name] = field(default_factory=list)
    tls_version: str | None = None
    handshake_done: bool = False
    carried_on: bool = False  # handshake done and no alert/hang-up in the wait afterwards
    server_spoke: bool = False  # application data arrived after the handshake
    alert_reason: str | None = None  # e.g. "tlsv13 alert certificate required"
    failure: str | None = None


def attempt_handshake(
    sock: socket.socket,
    sni: str | None,
    *,
    identity: KeyPair | None,
    timeout: float,
    after_handshake_wait: float = DEFAULT_AFTER_HANDSHAKE_WAIT,
) -> Attempt:
    """Handshake over the connected `sock` (closed afterwards), presenting `identity` if given."""
    attempt = Attempt()
    deadline = time.monotonic() + timeout
    conn = SSL.Connection(_client_context(identity, attempt), sock)
    conn.set_connect_state()
    if sni:
        conn.set_tlsext_host_name(sni.encode("ascii"))
    try:
        sock.setblocking(False)
        with selectors.DefaultSelector() as selector:
            if _drive(conn, conn.do_handshake, selector, deadline, attempt):
                attempt.handshake_done = True
                attempt.tls_version = conn.get_protocol_version_name()
                wait_until = min(deadline, time.monotonic() + after_handshake_wait)
                attempt.carried_on = _read_verdict(conn, selector, wait_until, attempt)
        attempt.server_chain = list(conn.get_peer_cert_chain(as_cryptography=True) or [])
        attempt.acceptable = list(conn.get_client_ca_list(as_cryptography=True))
    finally:
        _close(conn, sock)
    return attempt


def _client_context(identity: KeyPair | None, attempt: Attempt) -> SSL.Context:
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)  # what current JDKs enable by default
    context.set_verify(SSL.VERIFY_NONE)  # judged separately, against the truststore only
    if identity is not None:
        context.use_certificate(identity.certificate)
        context.use_privatekey(identity.private_key)
        for cert in identity.chain[1:]:
            context.add_extra_chain_cert(cert)  # Java sends the whole stored chain

    def watch(conn: SSL.Connection, where: int, ret: int) -> None:
        if b"certificate request" in conn.get_state_string():
            attempt.certificate_requested = True

    context.set_info_callback(watch)
    return context


def _drive(
    conn: SSL.Connection,
    step: object,
    selector: selectors.BaseSelector,
    deadline: float,
    attempt: Attempt,
) -> bool:
    """Run `step` until done (True) or failed (False, recorded); time out past `deadline`."""
    while True:
        try:
            step()  # type: ignore[operator]
            return True
        except SSL.WantReadError:
            _wait(selector, conn, selectors.EVENT_READ, deadline)
        except SSL.WantWriteError:
            _wait(selector, conn, selectors.EVENT_WRITE, deadline)
        except (SSL.Error, OSError) as exc:
            _record(exc, attempt)
            return False


def _read_verdict(
    conn: SSL.Connection, selector: selectors.BaseSelector, wait_until: float, attempt: Attempt
) -> bool:
    """Read (sending nothing) until data, an alert, a hang-up, or `wait_until`."""
    while True:
        try:
            if conn.recv(4096):
                attempt.server_spoke = True
                return True
        except SSL.WantReadError:
            try:
                _wait(selector, conn, selectors.EVENT_READ, wait_until)
            except ConnectionTimedOut:
                return True  # silence: the server is waiting for a request, as HTTPS does
        except SSL.ZeroReturnError:
            attempt.failure = "the server closed the connection right after the handshake"
            return False
        except (SSL.Error, OSError) as exc:
            _record(exc, attempt)
            return False


def _record(exc: BaseException, attempt: Attempt) -> None:
    reasons: Sequence[object] = exc.args[0] if exc.args and isinstance(exc.args[0], list) else ()
    texts = [str(r[2]) for r in reasons if isinstance(r, tuple) and len(r) >= 3]
    attempt.alert_reason = next((t for t in texts if "alert " in t), None)
    attempt.failure = "; ".join(texts) or f"{type(exc).__name__}: {exc}"


def _wait(
    selector: selectors.BaseSelector, conn: SSL.Connection, event: int, deadline: float
) -> None:
    remaining = deadline - time.monotonic()
    selector.register(conn.fileno(), event)
    try:
        if remaining <= 0 or not selector.select(remaining):
            raise ConnectionTimedOut("TLS handshake did not finish before the deadline")
    finally:
        selector.unregister(conn.fileno())


def _close(conn: SSL.Connection, sock: socket.socket) -> None:
    with contextlib.suppress(SSL.Error, OSError):
        conn.shutdown()  # best effort close_notify; the server may be gone already
    sock.close()
