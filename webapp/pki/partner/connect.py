"""Open a TCP connection to a partner's server, only to addresses the outbound policy allows.

Every outbound connection the app makes (certificate fetch, connection test) goes through
`open_connection`: it resolves the name once, checks every address against the policy, and
connects to a checked address, never to the name (see outbound.py for why these stay together).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence

from webapp.pki.partner.outbound import (
    COULD_NOT_CONNECT,
    IPAddress,
    OutboundPolicy,
    Resolver,
    resolve_allowed,
)
from webapp.pki.partner.targets import FetchError, Target

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


class ConnectionFailed(FetchError):
    message = COULD_NOT_CONNECT  # same words as AddressRefused: no port-scan oracle


class ConnectionTimedOut(FetchError):
    message = (
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
) -> tuple[socket.socket, IPAddress]:
    """A connected TCP socket to `target` and the checked address it reached.

    Name resolution and the connect share one `timeout`. Raises FetchError subclasses.
    """
    deadline = time.monotonic() + timeout
    addresses = resolve_allowed(target, policy=policy, resolver=resolver, timeout=timeout)
    return _connect_first(addresses, target.port, connector or connect_tcp, deadline)


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
