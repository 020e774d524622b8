"""Where the server fetcher may connect: resolve the target once, apply the address policy.

The fetcher opens TCP connections to addresses a user types into a web form, so without a
policy it would be a server-side request forgery tool: it could probe the loopback interface,
the internal network, or a cloud metadata endpoint. The defence is in three steps that must
stay together:

1. `parse_target` (in `targets`) accepts only https-style addresses and refuses anything
   ambiguous (other schemes, user info before '@', bad ports).
2. `resolve_allowed` resolves the name ONCE and checks EVERY resulting address against the
   `OutboundPolicy`; one refused address refuses the whole target, so a name that resolves to
   a public and a private address cannot win a race.
3. The caller connects to one of the checked addresses, never to the name (no second lookup
   that DNS rebinding could answer differently).

Numeric oddities such as ``127.1``, ``2130706433`` or ``0x7f.0.0.1`` are not IP literals to
Python but the C resolver turns them into 127.0.0.1; they are caught because the policy judges
the addresses getaddrinfo returns, not the text.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from webapp.pki.partner.proxy import DIRECT, ProxySettings
from webapp.pki.partner.targets import FetchError, Target
from webapp.translation import N_

__all__ = [
    "COULD_NOT_CONNECT",
    "AddressRefused",
    "IPAddress",
    "NameNotFound",
    "OutboundPolicy",
    "Resolver",
    "resolve",
    "resolve_allowed",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[..., Sequence[tuple[Any, ...]]]

DEFAULT_RESOLVE_TIMEOUT = 5.0  # getaddrinfo has no timeout of its own; see resolve()

# A refused address and a closed port must read the same to the user, otherwise the form
# becomes an oracle for which internal hosts exist (issue: "no port-scan oracle").
COULD_NOT_CONNECT = N_(
    "We could not connect to this server. Check the address and port; if it is an internal "
    "server, ask your administrator to allow it."
)

# Cloud metadata endpoints hand out credentials over plain HTTP and never serve TLS, so there
# is no legitimate reason to fetch from them: refused even if an operator allows their range.
CLOUD_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254")
)
CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598; explicit for clarity
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: low 32 bits are IPv4


class AddressRefused(FetchError):
    """The policy refused the address; deliberately worded like a failed connection."""

    message = COULD_NOT_CONNECT


class NameNotFound(FetchError):
    message = N_("We could not find a server with this name. Check the spelling of the address.")


@dataclass(frozen=True)
class OutboundPolicy:
    """Public unicast addresses only, plus networks the operator explicitly allows.

    `proxy` says which targets are reached through the organisation's HTTP proxy (issue 15);
    it travels with the policy so every caller of open_connection honours it unchanged.
    """

    allowed_networks: tuple[IPNetwork, ...] = ()
    proxy: ProxySettings = DIRECT

    @classmethod
    def from_config(cls, value: str | Iterable[str | IPNetwork] | None) -> OutboundPolicy:
        """Build from FLASK_FETCH_ALLOWED_NETWORKS: a JSON list of CIDRs or a Python list."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return cls()
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise ValueError(
                    "FLASK_FETCH_ALLOWED_NETWORKS must be a JSON list of networks, "
                    f'for example ["127.0.0.0/8", "10.0.0.0/8"]; got {value!r}'
                ) from None
            if not isinstance(value, list):
                raise ValueError(
                    "FLASK_FETCH_ALLOWED_NETWORKS must be a JSON list, "
                    f'for example ["10.0.0.0/8"]; got {value!r}'
                )
        return cls(tuple(_network_from_config(entry) for entry in value))

    def refusal_reason(self, address: IPAddress | str) -> str | None:
        """Why `address` is refused (for logs), or None when it may be contacted."""
        address = ipaddress.ip_address(address)
        judged = _embedded_ipv4(address) or address
        if address in CLOUD_METADATA_ADDRESSES or judged in CLOUD_METADATA_ADDRESSES:
            return f"{address} is a cloud metadata endpoint"
        if judged.is_unspecified:
            # Connecting to 0.0.0.0 or :: reaches this machine; no operator means that.
            return f"{address} is the unspecified address"
        if any(address in net or judged in net for net in self.allowed_networks):
            return None
        kind = _non_public_kind(judged)
        return None if kind is None else f"{address} is {kind}"

    def check(self, address: IPAddress | str) -> None:
        """Raise AddressRefused unless the policy allows connecting to `address`."""
        reason = self.refusal_reason(address)
        if reason is not None:
            raise AddressRefused(reason)


def _network_from_config(entry: str | IPNetwork) -> IPNetwork:
    if isinstance(entry, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return entry
    if not isinstance(entry, str):
        raise ValueError(f"FLASK_FETCH_ALLOWED_NETWORKS entries must be strings; got {entry!r}")
    try:
        return ipaddress.ip_network(entry.strip())
    except ValueError as exc:
        raise ValueError(
            f"FLASK_FETCH_ALLOWED_NETWORKS: {entry!r} is not a network in CIDR form "
            f"such as 10.0.0.0/8 ({exc})"
        ) from None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, when the kernel or a gateway would use it.

    ::ffff:127.0.0.1 is loopback on a dual-stack socket; NAT64 and 6to4 addresses carry the
    IPv4 destination inside them, and `is_global` in Python 3.11 judges only the IPv6 prefix.
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _non_public_kind(address: IPAddress) -> str | None:
    checks = (
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address in CARRIER_GRADE_NAT, "carrier-grade NAT"),
        (address.is_private, "private"),
        (address.is_multicast, "multicast"),  # is_global is True for 224/4 in 3.11
        (address.is_reserved, "reserved"),
        (getattr(address, "is_site_local", False), "site-local"),  # fec0::/10, is_global True
        (not address.is_global, "not a public address"),
    )
    return next((kind for flagged, kind in checks if flagged), None)


def resolve(
    host: str,
    port: int,
    *,
    resolver: Resolver = socket.getaddrinfo,
    timeout: float = DEFAULT_RESOLVE_TIMEOUT,
) -> list[IPAddress]:
    """Resolve `host` once; return its distinct addresses in resolver order.

    getaddrinfo cannot be interrupted, so it runs in a daemon thread and we stop waiting after
    `timeout`; a stuck lookup then costs a thread, not a web worker.
    """
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    outcome: list[Any] = []

    def lookup() -> None:
        try:
            outcome.append(resolver(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the waiting thread below
            outcome.append(exc)

    worker = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise NameNotFound(f"resolving {host!r} took longer than {timeout}s")
    if isinstance(outcome[0], (socket.gaierror, UnicodeError)):
        raise NameNotFound(f"resolving {host!r}: {outcome[0]}")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    addresses: list[IPAddress] = []
    for *_unused, sockaddr in outcome[0]:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # drop v6 scope
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise NameNotFound(f"{host!r} resolved to no addresses")
    return addresses


def resolve_allowed(
    target: Target,
    *,
    policy: OutboundPolicy,
    resolver: Resolver = socket.getaddrinfo,
    timeout: float = DEFAULT_RESOLVE_TIMEOUT,
) -> list[IPAddress]:
    """Resolve once and check every address; any refused address refuses the target."""
    addresses = resolve(target.host, target.port, resolver=resolver, timeout=timeout)
    for address in addresses:
        policy.check(address)
    return addresses
