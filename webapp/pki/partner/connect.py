"""Open a TCP connection to a partner's server, only to addresses the outbound policy allows.

Every outbound connection the app makes (certificate fetch, connection test) goes through
`open_connection`: it resolves the name once, checks every address against the policy, and
connects to a checked address, never to the name (see outbound.py for why these stay together).

Through the organisation's proxy (policy.proxy, issue 15) the app no longer picks the address:
the proxy resolves the name and connects. What we can still judge is judged before CONNECT:
a literal IP target is checked against the policy, and a name that resolves here is refused if
any of its addresses is. A name that does not resolve here (common where only the proxy has
outside DNS) goes to the proxy unchecked: the proxy is then the enforcement point, and the
README says how to restrict it there.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence

from webapp.pki.partner.outbound import (
    COULD_NOT_CONNECT,
    IPAddress,
    NameNotFound,
    OutboundPolicy,
    Resolver,
    resolve,
    resolve_allowed,
)
from webapp.pki.partner.proxy import ProxyURL
from webapp.pki.partner.targets import FetchError, Target
from webapp.pki.partner.tunnel import ProxyUnreachable, request_tunnel
from webapp.translation import N_

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "ConnectionFailed",
    "ConnectionTimedOut",
    "Connector",
    "connect_tcp",
    "open_connection",
]

Connector = Callable[[IPAddress, int, float], socket.socket]

DEFAULT_CONNECT_TIMEOUT = 5.0  # covers name resolution AND the TCP connect together
# Behind a proxy, local DNS may not know outside names and may be slow to say so: the local
# check gets at most this much of the connect timeout, the rest is the proxy's.
LOCAL_LOOKUP_TIMEOUT_BEHIND_PROXY = 2.0


class ConnectionFailed(FetchError):
    message = COULD_NOT_CONNECT  # same words as AddressRefused: no port-scan oracle


class ConnectionTimedOut(FetchError):
    message = N_(
        "The server did not answer in time. Check the address and port, and that the server "
        "is running."
    )


def open_connection(
    target: Target,
    *,
    policy: OutboundPolicy,
    timeout: float = DEFAULT_CONNECT_TIMEOUT,
    resolver: Resolver = socket.getaddrinfo,
    connector: Connector | None = None,
) -> tuple[socket.socket, IPAddress | None]:
    """A connected TCP socket to `target` and the checked address it reached.

    The address is None when the connection goes through a proxy and the name did not
    resolve here (the proxy chose the address). Name resolution, the connect and the proxy's
    CONNECT share one `timeout`. Raises FetchError subclasses.
    """
    deadline = time.monotonic() + timeout
    proxy = policy.proxy.proxy_for(target)
    if proxy is None:
        addresses = resolve_allowed(target, policy=policy, resolver=resolver, timeout=timeout)
        return _connect_first(addresses, target.port, connector or connect_tcp, deadline)
    address = _check_before_proxy(target, policy, resolver, timeout)
    return _tunnel(proxy, target, deadline, resolver, connector or connect_tcp), address


def connect_tcp(address: IPAddress, port: int, timeout: float) -> socket.socket:
    """Open a TCP connection to an already-checked address (no name lookup happens here)."""
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((str(address), port))
    except BaseException:
        sock.close()
        raise
    return sock


def _check_before_proxy(
    target: Target, policy: OutboundPolicy, resolver: Resolver, timeout: float
) -> IPAddress | None:
    lookup = min(timeout / 2, LOCAL_LOOKUP_TIMEOUT_BEHIND_PROXY)
    try:
        addresses = resolve(target.host, target.port, resolver=resolver, timeout=lookup)
    except NameNotFound:
        return None  # only the proxy knows this name: it decides (see the module docstring)
    for address in addresses:
        policy.check(address)
    return addresses[0]


def _tunnel(
    proxy: ProxyURL, target: Target, deadline: float, resolver: Resolver, connector: Connector
) -> socket.socket:
    """Connect to the proxy (not checked by the policy: the operator chose it) and CONNECT."""
    try:
        proxy_addresses = resolve(
            proxy.host,
            proxy.port,
            resolver=resolver,
            timeout=max(deadline - time.monotonic(), 0.001),
        )
        sock, _unused = _connect_first(proxy_addresses, proxy.port, connector, deadline)
    except ConnectionTimedOut as exc:
        raise ProxyUnreachable(f"proxy {proxy.netloc}: {exc.detail}") from None
    except FetchError as exc:
        raise ProxyUnreachable(f"proxy {proxy.netloc}: {type(exc).__name__} {exc.detail}") from None
    try:
        request_tunnel(sock, proxy, target, deadline=deadline)
    except TimeoutError as exc:
        sock.close()
        raise ConnectionTimedOut(f"proxy {proxy.netloc} did not answer CONNECT: {exc}") from None
    except OSError as exc:
        sock.close()
        raise ProxyUnreachable(f"proxy {proxy.netloc} during CONNECT: {exc}") from None
    except BaseException:
        sock.close()
        raise
    return sock


def _connect_first(
    addresses: Sequence[IPAddress], port: int, connector: Connector, deadline: float
) -> tuple[socket.socket, IPAddress]:
    # Try each checked address in turn within one shared deadline: hosts often publish an
    # IPv6 address that is unreachable from here, and the IPv4 one should still work.
    failure: FetchError = ConnectionFailed("no addresses")
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ConnectionTimedOut(f"connect deadline passed before trying {address}")
        try:
            return connector(address, port, remaining), address
        except TimeoutError as exc:
            failure = ConnectionTimedOut(f"{address}:{port}: {exc}")
        except OSError as exc:
            failure = ConnectionFailed(f"{address}:{port}: {exc}")
    raise failure
