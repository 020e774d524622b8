"""The one request of the connection test, and what its answer means for Java (issue 20).

Many servers finish the TLS handshake whatever the client certificate is and judge it only
when a request arrives: nginx with `ssl_verify_client on` answers a revoked certificate, a
chain longer than `ssl_verify_depth` or no certificate with HTTP 400 ("The SSL certificate
error", "No required SSL certificate was sent"; internally 495/496); gateways answer 401/403
for a certificate they know but do not allow. A Java client sending its real request meets
exactly that, so after the handshake we send ONE request that changes nothing: `HEAD` of the
destination URL's path, no body, `Connection: close`.

HEAD answers carry no body (RFC 9110, 9.3.2), and nginx's 400 to a HEAD is a bare
"400 Bad Request" (checked against Debian's nginx 1.22 in tests/interop/test_nginx_interop.py).
So a 400 counts as a certificate problem when its reason or body names one, OR when it is bare
and came after a handshake in which the server asked for a certificate: a well-formed HEAD
with a Host header has nothing else for a server to find bad.

The request is only sent on the connection that presented our certificate: when Java would
send none, the first connection already decided (issuer-not-accepted), whatever the server
would answer. 401/403 is `forbidden`; every other answer (or none) is `accepted`, with the
status in the detail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from webapp.pki.partner import outcomes as o
from webapp.pki.partner.targets import DEFAULT_PORT, Target
from webapp.translation import _

__all__ = ["HttpAnswer", "head_request", "read_answer", "request_path", "verdict_for"]

USER_AGENT = "mtls-kit-connection-test"
_STATUS_LINE = re.compile(rb"^HTTP/\d(?:\.\d)? (\d{3})(?: ([^\r\n]*))?\r?$")
# nginx's texts, and the words other servers use for the same thing.
_CERTIFICATE_WORDS = re.compile(r"ssl|tls|certificate", re.IGNORECASE)
CERTIFICATE_STATUSES = (495, 496)  # nginx's own codes, sent as such by some proxies
FORBIDDEN_STATUSES = (401, 403)


@dataclass(frozen=True)
class HttpAnswer:
    status: int | None  # None: no HTTP status line came back
    reason: str = ""
    text: str = ""  # the body's text, if any (bounded by handshake.MAX_ANSWER)

    def names_certificate(self) -> bool:
        return bool(_CERTIFICATE_WORDS.search(self.reason) or _CERTIFICATE_WORDS.search(self.text))

    def summary(self) -> str:
        """ "HTTP 403 Forbidden" (as the server said it), or "no HTTP answer" translated."""
        if self.status is None:
            return _("no HTTP answer")
        return f"HTTP {self.status} {self.reason}".strip()


def request_path(url: str) -> str:
    """The destination URL's path, as sent on the request line (never the query or fragment:
    they may hold tokens, and a HEAD of the path is enough to reach the server's checks)."""
    try:
        path = urlsplit(url if "://" in url else "https://" + url).path
    except ValueError:
        path = ""
    return quote(path or "/", safe="/%:@!$&'()*+,;=-._~")


def head_request(url: str, target: Target) -> bytes:
    """`HEAD <path> HTTP/1.1` with Host, no body, Connection: close."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    if target.port != DEFAULT_PORT:
        host += f":{target.port}"
    lines = [
        f"HEAD {request_path(url)} HTTP/1.1",
        f"Host: {host}",
        f"User-Agent: {USER_AGENT}",
        "Accept: */*",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def read_answer(data: bytes) -> HttpAnswer:
    """Status, reason and body text of an answer; status None when it is not HTTP."""
    head, _sep, body = data.replace(b"\r\n", b"\n").partition(b"\n\n")
    first = head.split(b"\n", 1)[0]
    match = _STATUS_LINE.match(first)
    if match is None:
        return HttpAnswer(None)
    reason = (match.group(2) or b"").decode("latin-1").strip()
    text = " ".join(re.sub(r"<[^>]*>", " ", body.decode("utf-8", "replace")).split())
    return HttpAnswer(int(match.group(1)), reason[:200], text[:500])


def verdict_for(answer: HttpAnswer, *, requested: bool) -> str:
    """The outcome after a handshake that carried on with our certificate (see the module
    docstring): rejected, forbidden or accepted."""
    status = answer.status
    if status in CERTIFICATE_STATUSES:
        return o.REJECTED
    if status == 400 and (answer.names_certificate() or (requested and not answer.text)):
        return o.REJECTED
    if status in FORBIDDEN_STATUSES:
        return o.FORBIDDEN
    return o.ACCEPTED
