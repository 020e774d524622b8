"""Fetch the certificate chain a TLS server sends, behind the outbound-connection policy.

We connect, complete (or start) a TLS handshake with verification OFF, read the certificates
in the order the server sent them, and hang up. Verification is off on purpose: the point is to
show the user whatever the server sends, broken chains included, and report the problems
rather than refuse. We never send a byte of HTTP, so there are no redirects to follow and
nothing in the URL path reaches the server.

Getting the chain on Python 3.11: `SSLSocket.get_unverified_chain()` is public only from 3.13
(where it returns DER bytes). On 3.11/3.12 the same method exists on the private
`SSLSocket._sslobj` and returns `_ssl.Certificate` objects, each with
`.public_bytes(ssl._ssl.ENCODING_DER)`. `_peer_chain_der` accepts both shapes. On the client
side OpenSSL's list includes the leaf, first, exactly as sent (checked on 3.11.7/OpenSSL 3.0).
The list is also available after a FAILED handshake once the server's Certificate message has
arrived, which matters for this tool: a TLS 1.2 server that demands a client certificate
aborts the handshake after sending its own chain, and we still want to show that chain.
"""

from __future__ import annotations

import selectors
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from webapp.pki.certs.readable import CertificateParseError, load_der_certificate
from webapp.pki.partner.connect import (
    DEFAULT_CONNECT_TIMEOUT,
    ConnectionFailed,
    ConnectionTimedOut,
    Connector,
    open_connection,
)
from webapp.pki.partner.hostnames import hostname_matches
from webapp.pki.partner.outbound import IPAddress, OutboundPolicy, Resolver
from webapp.pki.partner.targets import FetchError, Target
from webapp.translation import N_

__all__ = [
    "MAX_SERVER_CERTIFICATES",
    "FetchedChain",
    "HandshakeFailed",
    "NoCertificate",
    "NotTLS",
    "TooManyCertificates",
    "UnreadableCertificate",
    "fetch_chain",
    "hostname_matches",
]

DEFAULT_HANDSHAKE_TIMEOUT = 5.0  # a deadline for the whole handshake, not per read
# Real servers send 1-5 certificates. More is a misconfiguration or an attempt to make the
# chain building expensive (issue 10): we refuse rather than read them all.
MAX_SERVER_CERTIFICATES = 20

# OpenSSL reasons meaning "the bytes that came back were not TLS" (an HTTP or SSH banner,
# an HTTP 400 page...). Names differ a little between OpenSSL 1.1, 3.0 and 3.2+.
_NOT_TLS_REASONS = frozenset(
    {
        "WRONG_VERSION_NUMBER",
        "UNKNOWN_PROTOCOL",
        "HTTP_REQUEST",
        "HTTPS_PROXY_REQUEST",
        "PACKET_LENGTH_TOO_LONG",
        "RECORD_LENGTH_MISMATCH",
        "RECORD_LAYER_FAILURE",
        "UNEXPECTED_RECORD",
        "UNEXPECTED_EOF_WHILE_READING",
    }
)


class NotTLS(FetchError):
    message = N_(
        "The server at this address did not answer with TLS (HTTPS). Check the port number: "
        "it may be a plain HTTP port or a different service."
    )


class HandshakeFailed(FetchError):
    message = N_(
        "The server refused the secure (TLS) connection before sending its certificate. "
        "It may need settings this tool does not support."
    )


class NoCertificate(FetchError):
    message = N_("The server did not send a certificate.")


class TooManyCertificates(FetchError):
    message = N_(
        "The server sent more than {limit} certificates, far more than a "
        "normal chain. Ask the partner for their certificate chain and upload it below."
    )

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail, limit=MAX_SERVER_CERTIFICATES)


class UnreadableCertificate(FetchError):
    message = N_("The server sent a certificate that we could not read.")


@dataclass(frozen=True)
class FetchedChain:
    """What the server sent. `tls_version` is None when the server ended the handshake after
    sending its certificates (typically a TLS 1.2 server that demands a client certificate)."""

    target: Target
    address: IPAddress | None  # None: reached through a proxy that resolved the name itself
    certificates: tuple[x509.Certificate, ...]  # in the order sent; the leaf first
    tls_version: str | None
    hostname_matches: bool


def fetch_chain(
    target: Target,
    *,
    policy: OutboundPolicy,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
    resolver: Resolver = socket.getaddrinfo,
    connector: Connector | None = None,
) -> FetchedChain:
    """Connect to `target` (if the policy allows every address it resolves to) and return
    the certificates the server sends. Takes at most connect_timeout + handshake_timeout."""
    sock, address = open_connection(
        target, policy=policy, timeout=connect_timeout, resolver=resolver, connector=connector
    )
    ders, tls_version = _handshake(sock, target.sni, timeout=handshake_timeout)
    if len(ders) > MAX_SERVER_CERTIFICATES:
        raise TooManyCertificates(f"{target.url}: {len(ders)} certificates")
    try:
        certificates = tuple(load_der_certificate(der) for der in ders)
    except CertificateParseError as exc:
        raise UnreadableCertificate(f"{target.url}: {exc}") from None
    return FetchedChain(
        target=target,
        address=address,
        certificates=certificates,
        tls_version=tls_version,
        hostname_matches=hostname_matches(certificates[0], target.host),
    )


def _inspection_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    # We send no data over this connection, so weak ciphers or small keys cost nothing and
    # letting them through means we can still show an old server's chain.
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def _handshake(
    sock: socket.socket, sni: str | None, *, timeout: float
) -> tuple[list[bytes], str | None]:
    """Run the handshake under one deadline; return (DER certificates, TLS version or None)."""
    deadline = time.monotonic() + timeout
    try:
        sock.setblocking(False)
        tls = _inspection_context().wrap_socket(
            sock, server_hostname=sni, do_handshake_on_connect=False
        )
    except BaseException:
        sock.close()
        raise
    with tls, selectors.DefaultSelector() as selector:  # poll/epoll: no FD_SETSIZE limit
        failure: OSError | None = None
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                _wait(selector, tls, selectors.EVENT_READ, deadline)
            except ssl.SSLWantWriteError:
                _wait(selector, tls, selectors.EVENT_WRITE, deadline)
            except OSError as exc:  # SSLError and connection resets alike
                failure = exc
                break
        ders = _peer_chain_der(tls)
        if failure is None:
            if not ders:
                raise NoCertificate("handshake completed without a server certificate")
            return ders, tls.version()
        if ders:
            return ders, None  # it does speak TLS: it sent its chain, then ended the handshake
        raise _handshake_error(failure)


def _wait(
    selector: selectors.BaseSelector, tls: ssl.SSLSocket, event: int, deadline: float
) -> None:
    remaining = deadline - time.monotonic()
    selector.register(tls, event)
    try:
        if remaining <= 0 or not selector.select(remaining):
            raise ConnectionTimedOut("TLS handshake did not finish before the deadline")
    finally:
        selector.unregister(tls)


def _means_not_tls(exc: OSError) -> bool:
    if isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError)):
        return True  # hung up on our ClientHello: something that does not speak TLS here
    return isinstance(exc, ssl.SSLError) and getattr(exc, "reason", None) in _NOT_TLS_REASONS


def _handshake_error(exc: OSError) -> FetchError:
    if _means_not_tls(exc):
        return NotTLS(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, ssl.SSLError):
        return HandshakeFailed(f"{type(exc).__name__}: {exc}")
    return ConnectionFailed(f"{type(exc).__name__}: {exc}")


def _peer_chain_der(tls: ssl.SSLSocket) -> list[bytes]:
    """The certificates the server sent, as DER, leaf first (see the module docstring)."""
    sslobj: Any = getattr(tls, "_sslobj", None)
    getter = getattr(sslobj, "get_unverified_chain", None) or getattr(
        tls, "get_unverified_chain", None
    )
    chain = getter() if getter is not None else None
    if chain is None:
        # Neither method exists (very old or exotic build): the leaf alone is better than nothing.
        try:
            leaf = tls.getpeercert(binary_form=True)
        except ValueError:  # handshake not done
            leaf = None
        return [leaf] if leaf else []
    der_encoding = ssl._ssl.ENCODING_DER  # type: ignore[attr-defined]
    return [c if isinstance(c, bytes) else c.public_bytes(der_encoding) for c in chain]
