"""Open a tunnel to a partner's server through an HTTP proxy (``CONNECT host:port``).

The proxy only relays bytes: TLS to the partner runs inside the returned socket exactly as it
would over a direct connection, so the chain we fetch is the partner's own (a proxy that
intercepts TLS would show up as a different chain, which is what the user should see).
"""

from __future__ import annotations

import base64
import socket
import time

from webapp.pki.partner.proxy import ProxyURL
from webapp.pki.partner.targets import FetchError, Target
from webapp.translation import N_

__all__ = [
    "MAX_PROXY_RESPONSE",
    "ProxyAuthenticationRequired",
    "ProxyRefused",
    "ProxyUnreachable",
    "request_tunnel",
]

# A CONNECT answer is a status line and a few headers; more is a broken or hostile proxy.
MAX_PROXY_RESPONSE = 16 * 1024
_SHOWN_STATUS = 120  # characters of the proxy's status line quoted to the user


class ProxyUnreachable(FetchError):
    message = N_(
        "We could not reach the organisation's proxy server, which connections to partners go "
        "through. Try again later; if it keeps happening, tell your administrator."
    )


class ProxyAuthenticationRequired(FetchError):
    message = N_(
        "The organisation's proxy server asked for a login this tool does not have. Ask your "
        "administrator to check the proxy settings of this tool."
    )


class ProxyRefused(FetchError):
    message = N_(
        "The organisation's proxy server did not allow a connection to this server. If it is "
        "the right address, ask your administrator to allow it on the proxy."
    )

    answered = N_(
        "The organisation's proxy server did not allow a connection to this server. If it is "
        "the right address, ask your administrator to allow it on the proxy. It answered: "
        "“{status}”."
    )

    def __init__(self, detail: str = "", *, status_line: str = "") -> None:
        if status_line:
            super().__init__(detail, message=self.answered, status=status_line)
        else:
            super().__init__(detail)


def request_tunnel(
    sock: socket.socket, proxy: ProxyURL, target: Target, *, deadline: float
) -> None:
    """Ask the proxy on `sock` for a tunnel to `target`; return once it has agreed.

    Raises ProxyAuthenticationRequired or ProxyRefused for an answer other than 2xx;
    TimeoutError or OSError (the caller's to translate) when the proxy does not answer.
    """
    sock.settimeout(max(deadline - time.monotonic(), 0.001))
    sock.sendall(_connect_request(proxy, target))
    status_line = _read_response_head(sock, deadline)
    code = _status_code(status_line)
    if code is not None and 200 <= code < 300:
        return
    shown = _sanitise(status_line)
    if code == 407:
        raise ProxyAuthenticationRequired(f"proxy {proxy.netloc} answered {shown}")
    raise ProxyRefused(f"proxy {proxy.netloc} answered {shown}", status_line=shown)


def _connect_request(proxy: ProxyURL, target: Target) -> bytes:
    host = f"[{target.host}]" if ":" in target.host else target.host
    authority = f"{host}:{target.port}"
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
    if proxy.username is not None:
        credentials = f"{proxy.username}:{proxy.password or ''}".encode()
        lines.append("Proxy-Authorization: Basic " + base64.b64encode(credentials).decode("ascii"))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def _read_response_head(sock: socket.socket, deadline: float) -> str:
    """Read up to the blank line ending the proxy's answer; return its status line.

    Reading in chunks cannot swallow the partner's first TLS bytes: the proxy relays only
    after its answer, and the partner speaks only after our ClientHello.
    """
    received = b""
    while b"\r\n\r\n" not in received:
        if len(received) > MAX_PROXY_RESPONSE:
            raise OSError("proxy answer too long")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("proxy answer took too long")
        sock.settimeout(remaining)
        chunk = sock.recv(4096)
        if not chunk:
            if received:
                break  # closed after its answer (a refusal usually ends the connection)
            raise OSError("proxy closed the connection without answering")
        received += chunk
    return received.split(b"\r\n", 1)[0].decode("latin-1")


def _status_code(status_line: str) -> int | None:
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return None
    return int(parts[1])


def _sanitise(status_line: str) -> str:
    """The proxy's words, safe to show: printable ASCII only, cut short."""
    printable = "".join(ch for ch in status_line if " " <= ch <= "~")
    return printable[:_SHOWN_STATUS].strip()
