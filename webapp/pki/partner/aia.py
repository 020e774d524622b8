"""Download a certificate's issuer from its AIA "CA Issuers" URL, behind the outbound policy.

Certificates often say where their issuer can be downloaded (Authority Information Access,
id-ad-caIssuers, RFC 5280 4.2.2.1), nearly always over plain http. Fetching it is an
outbound request to an address taken from a file the user uploaded, so it follows the same
rules as the certificate fetch: http only, the name resolved once and every address checked
by the OutboundPolicy, the connection made to the checked address (connect.py), a short
timeout, and a strict size cap. No redirects are followed and no cookies or credentials sent.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID

from webapp.pki.partner.connect import ConnectionTimedOut, Connector, open_connection
from webapp.pki.partner.outbound import OutboundPolicy, Resolver
from webapp.pki.partner.targets import FetchError, Target
from webapp.translation import N_

__all__ = ["MAX_ISSUER_BYTES", "IssuerDownloadFailed", "ca_issuer_urls", "download_issuer"]

MAX_ISSUER_BYTES = 64 * 1024  # an intermediate is ~1-2 KB; a PKCS#7 bundle a few KB
DEFAULT_DOWNLOAD_TIMEOUT = 3.0  # for the whole download: it happens while the user waits
_MAX_HEADER_BYTES = 8 * 1024


class IssuerDownloadFailed(FetchError):
    message = N_("We could not download the issuing certificate from the address it names.")


def ca_issuer_urls(cert: x509.Certificate) -> list[str]:
    """The certificate's "CA Issuers" URLs that we may fetch (http only)."""
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    return [
        str(d.access_location.value)
        for d in aia
        if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
        and str(d.access_location.value).lower().startswith("http://")
    ]


def download_issuer(
    url: str,
    *,
    policy: OutboundPolicy,
    timeout: float = DEFAULT_DOWNLOAD_TIMEOUT,
    max_bytes: int = MAX_ISSUER_BYTES,
    resolver: Resolver = socket.getaddrinfo,
    connector: Connector | None = None,
) -> bytes:
    """The body served at an http:// CA Issuers URL (DER or PKCS#7, not parsed here)."""
    target, path = _http_target(url)
    deadline = time.monotonic() + timeout
    sock, _unused = open_connection(
        target, policy=policy, timeout=timeout, resolver=resolver, connector=connector
    )
    with sock:
        host = f"[{target.host}]" if ":" in target.host else target.host
        request = (
            f"GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: mtls-kit\r\n"
            "Accept: application/pkix-cert, application/pkcs7-mime\r\n"
            "Connection: close\r\n\r\n"
        )
        try:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            sock.sendall(request.encode("ascii"))
            raw = _read_capped(sock, max_bytes + _MAX_HEADER_BYTES, deadline)
        except TimeoutError:
            raise ConnectionTimedOut(f"{url}: download timed out") from None
        except OSError as exc:
            raise IssuerDownloadFailed(f"{url}: {exc}") from None
    return _body(raw, url, max_bytes)


def _http_target(url: str) -> tuple[Target, str]:
    try:
        parts = urlsplit(url)
        port = parts.port or 80
    except ValueError as exc:
        raise IssuerDownloadFailed(f"{url!r}: {exc}") from None
    if parts.scheme.lower() != "http" or not parts.hostname or "@" in parts.netloc:
        raise IssuerDownloadFailed(f"{url!r}: only plain http://host/path URLs are fetched")
    host = parts.hostname
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise IssuerDownloadFailed(f"{url!r}: bad host name") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(ch in path for ch in "\r\n "):
        raise IssuerDownloadFailed(f"{url!r}: bad path")
    return Target(host=host, port=port, url=url, sni=None), path


def _read_capped(sock: socket.socket, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        chunk = sock.recv(16384)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise IssuerDownloadFailed(f"response larger than {limit} bytes")
        chunks.append(chunk)


def _body(raw: bytes, url: str, max_bytes: int) -> bytes:
    head, separator, body = raw.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    if not separator or len(status) < 2 or not status[0].startswith(b"HTTP/"):
        raise IssuerDownloadFailed(f"{url}: not an HTTP response")
    if status[1] != b"200":
        raise IssuerDownloadFailed(f"{url}: HTTP status {status[1].decode('ascii', 'replace')}")
    if len(body) > max_bytes:
        raise IssuerDownloadFailed(f"{url}: body larger than {max_bytes} bytes")
    return body
