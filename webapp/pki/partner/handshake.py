"""One TLS handshake as a Java client would make it, observed closely (pyOpenSSL).

Python's `ssl` cannot show the server's list of acceptable certificate authorities, so the
connection test uses pyOpenSSL (maintained by the cryptography team): after the server's
CertificateRequest, `Connection.get_client_ca_list()` returns the names it listed, on the
client side too (TLS 1.2 field and TLS 1.3 extension alike, OpenSSL 3.0).

A server under TLS 1.3 judges the client's certificate after the client has sent its Finished,
so `do_handshake()` succeeds on our side and the rejection arrives as an alert on the next
read. We therefore read for a short while after the handshake (sending nothing): an alert or a
hang-up in that window is the server's verdict; silence or data means it carried on.

Issue 20: what a server checks after the handshake (revocation in nginx, chain depth, a 403
for one subject) only shows in its answer to a request. With `request` given, a connection
that carried on sends those bytes (one HEAD) and keeps the first `MAX_ANSWER` bytes of the
answer. With `pinned` given, the handshake is aborted (before our certificate goes out) when
the server shows any other certificate than that one.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from OpenSSL import SSL

from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner.connect import ConnectionTimedOut
from webapp.translation import N_

__all__ = ["Attempt", "attempt_handshake"]

DEFAULT_AFTER_HANDSHAKE_WAIT = 0.8  # seconds to wait for a TLS 1.3 rejection after Finished
MAX_ANSWER = 8192  # bytes of the server's answer kept: a status line and headers fit easily
# Our own texts among `failure` / `answer_problem` (the rest is OpenSSL's): they stay English
# here (a failure may reach the log) and wording.py translates them for the page.
NO_COMPLETE_ANSWER = N_("no complete answer before the timeout")
CLOSED_AFTER_HANDSHAKE = N_("the server closed the connection right after the handshake")


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
    server_changed: bool = False  # the server showed another certificate than the pinned one
    request_sent: bool = False
    answer: bytes = b""  # what the server sent after the handshake (at most MAX_ANSWER)
    answer_problem: str | None = None  # why the answer is incomplete (for `detail` only)


def attempt_handshake(
    sock: socket.socket,
    sni: str | None,
    *,
    identity: KeyPair | None,
    timeout: float,
    after_handshake_wait: float = DEFAULT_AFTER_HANDSHAKE_WAIT,
    pinned: x509.Certificate | None = None,
    request: bytes | None = None,
) -> Attempt:
    """Handshake over the connected `sock` (closed afterwards), presenting `identity` if given.

    `pinned`: the only server certificate to go on with. `request`: sent once it carried on.
    """
    attempt = Attempt()
    deadline = time.monotonic() + timeout
    conn = SSL.Connection(_client_context(identity, attempt, pinned), sock)
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
                if attempt.carried_on and request is not None:
                    _exchange(conn, request, selector, deadline, attempt)
        attempt.server_chain = list(conn.get_peer_cert_chain(as_cryptography=True) or [])
        attempt.acceptable = list(conn.get_client_ca_list(as_cryptography=True))
    finally:
        _close(conn, sock)
    return attempt


def _client_context(
    identity: KeyPair | None, attempt: Attempt, pinned: x509.Certificate | None
) -> SSL.Context:
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)  # what current JDKs enable by default
    context.set_verify(SSL.VERIFY_NONE)  # judged separately, against the truststore only
    if pinned is not None:
        context.set_verify(SSL.VERIFY_PEER, _pin(pinned, attempt))
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


def _pin(pinned: x509.Certificate, attempt: Attempt) -> Callable[..., bool]:
    """A verify callback that goes on only with `pinned` as the server's certificate.

    OpenSSL calls it for every certificate of the chain and lets its answer override its own
    verdict (which always fails here: the context has no trust store, on purpose). Only the
    leaf (depth 0) is compared; trust itself is judged in server_trust.py as for the first
    connection. Returning False aborts the handshake before the client's certificate is sent.
    """

    def verify(conn: SSL.Connection, cert: Any, errno: int, depth: int, ok: int) -> bool:
        if depth != 0:
            return True
        shown = cert.to_cryptography()
        if shown == pinned:
            return True
        attempt.server_changed = True
        attempt.server_chain = [shown]
        return False

    return verify


def _exchange(
    conn: SSL.Connection,
    request: bytes,
    selector: selectors.BaseSelector,
    deadline: float,
    attempt: Attempt,
) -> None:
    """Send `request`, then keep the answer until the server closes, MAX_ANSWER or `deadline`.

    An alert here is still the server's verdict on our certificate (a late TLS 1.3 one);
    any other trouble only leaves the answer partial.
    """
    try:
        pending = request
        while pending:
            try:
                pending = pending[conn.send(pending) :]
            except SSL.WantWriteError:
                _wait(selector, conn, selectors.EVENT_WRITE, deadline)
            except SSL.WantReadError:
                _wait(selector, conn, selectors.EVENT_READ, deadline)
        attempt.request_sent = True
        while len(attempt.answer) < MAX_ANSWER and not _headers_complete(attempt.answer):
            try:
                chunk = conn.recv(MAX_ANSWER - len(attempt.answer))
            except SSL.WantReadError:
                _wait(selector, conn, selectors.EVENT_READ, deadline)
                continue
            if not chunk:
                break
            attempt.answer += chunk
    except ConnectionTimedOut:
        attempt.answer_problem = NO_COMPLETE_ANSWER
    except SSL.ZeroReturnError:
        pass  # the server closed cleanly: what it sent is the whole answer
    except (SSL.Error, OSError) as exc:
        failure = Attempt()
        _record(exc, failure)
        if failure.alert_reason is not None:
            attempt.alert_reason, attempt.failure = failure.alert_reason, failure.failure
            attempt.carried_on = False
        else:
            attempt.answer_problem = f"{type(exc).__name__} while sending or reading: {exc}"


def _headers_complete(answer: bytes) -> bool:
    # A HEAD answer ends with its headers (RFC 9110, 9.3.2): no need to wait for a close.
    return b"\r\n\r\n" in answer or b"\n\n" in answer


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
            data = conn.recv(4096)
            if data:
                attempt.server_spoke = True
                attempt.answer = data[:MAX_ANSWER]  # the start of its answer, if it spoke first
                return True
        except SSL.WantReadError:
            try:
                _wait(selector, conn, selectors.EVENT_READ, wait_until)
            except ConnectionTimedOut:
                return True  # silence: the server is waiting for a request, as HTTPS does
        except SSL.ZeroReturnError:
            attempt.failure = CLOSED_AFTER_HANDSHAKE
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
