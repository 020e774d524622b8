"""Where the server fetcher may connect: parse what the user typed, resolve it, apply the policy.

The fetcher opens TCP connections to addresses a user types into a web form, so without a
policy it would be a server-side request forgery tool: it could probe the loopback interface,
the internal network, or a cloud metadata endpoint. The defence is in three steps that must
stay together:

1. `parse_target` accepts only https-style addresses and refuses anything ambiguous
   (other schemes, user info before '@', bad ports).
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
import re
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

__all__ = [
    "COULD_NOT_CONNECT",
    "AddressRefused",
    "FetchError",
    "IPAddress",
    "InvalidAddress",
    "NameNotFound",
    "OutboundPolicy",
    "Resolver",
    "Target",
    "UnsupportedScheme",
    "parse_target",
    "resolve",
    "resolve_allowed",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[..., Sequence[tuple[Any, ...]]]

DEFAULT_PORT = 443
MAX_TARGET_LENGTH = 2048  # longer than any sane URL; stops pathological input early
MAX_HOSTNAME_LENGTH = 253  # RFC 1035 limit for a name in text form
DEFAULT_RESOLVE_TIMEOUT = 5.0  # getaddrinfo has no timeout of its own; see resolve()

# A refused address and a closed port must read the same to the user, otherwise the form
# becomes an oracle for which internal hosts exist (issue: "no port-scan oracle").
COULD_NOT_CONNECT = (
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

_ENTER_AN_ADDRESS = "Enter the server address, for example https://example.com:8443."
_NO_USERINFO = "Enter the address without a user name or '@', like https://example.com:8443."
_BAD_PORT = "The port must be a number from 1 to 65535, for example https://example.com:8443."
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")  # '_' seen in real names
_PORT = re.compile(r"^[0-9]{1,5}$")  # ASCII digits only: str.isdigit() accepts '٣'
_SCHEME_LIKE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+-]*):(.*)$", re.DOTALL)


class FetchError(Exception):
    """A problem the user can fix in the Server URL field; str() is a plain sentence.

    `detail` carries the technical reason (OpenSSL text, errno, address) for logs only.
    """

    message: ClassVar[str] = "We could not check this server."

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.detail = detail


class UnsupportedScheme(FetchError):
    message = (
        "Only https:// addresses can be checked. Enter the server as https://name:port "
        "or name:port."
    )


class InvalidAddress(FetchError):
    message = (
        "This does not look like a server address. Enter it as https://name:port or name:port."
    )


class AddressRefused(FetchError):
    """The policy refused the address; deliberately worded like a failed connection."""

    message = COULD_NOT_CONNECT


class NameNotFound(FetchError):
    message = "We could not find a server with this name. Check the spelling of the address."


@dataclass(frozen=True)
class Target:
    """A parsed server address: `host` is IDNA-encoded or an IP literal (no brackets)."""

    host: str
    port: int
    url: str  # normalised https://host[:port] for display; we never send the path anywhere
    sni: str | None  # None for IP literals: RFC 6066 forbids IP addresses in SNI


def parse_target(text: str) -> Target:
    """Parse what the user typed: https://host[:port]/path, host:port, host, [v6]:port."""
    text = text.strip()
    if not text:
        raise InvalidAddress("empty", message=_ENTER_AN_ADDRESS)
    if len(text) > MAX_TARGET_LENGTH:
        raise InvalidAddress("too long", message="This address is too long for a server address.")
    if any(ch.isspace() for ch in text):
        raise InvalidAddress("contains whitespace")
    if "://" in text:
        scheme = text.split("://", 1)[0]
        if scheme.lower() != "https":
            raise UnsupportedScheme(f"scheme {scheme!r}")
        url = text
    else:
        _refuse_other_schemes(text)
        url = "https://" + (f"[{text}]" if _is_bare_ipv6(text) else text)
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. "https://[::1" (unbalanced bracket)
        raise InvalidAddress(f"urlsplit: {exc}") from None
    if "@" in parts.netloc:
        # The real host would be after '@' (https://example.com@127.0.0.1/); refusing is
        # simpler and safer than explaining which part counts.
        raise InvalidAddress("userinfo in URL", message=_NO_USERINFO)
    host, port = _split_host_port(parts.netloc)
    host, sni = _normalise_host(host)
    shown_host = f"[{host}]" if ":" in host else host
    shown_port = "" if port == DEFAULT_PORT else f":{port}"
    return Target(host=host, port=port, url=f"https://{shown_host}{shown_port}", sni=sni)


def _refuse_other_schemes(text: str) -> None:
    # "file:/etc/passwd", "mailto:x", "javascript:..." have no "//" but are not host:port.
    # Schemes have no dots, so "example.com:abc" is a host with a bad port, not a scheme.
    match = _SCHEME_LIKE.match(text)
    if match and match.group(2) and not match.group(2)[0].isdigit() and not _is_bare_ipv6(text):
        raise UnsupportedScheme(f"scheme {match.group(1)!r}")


def _is_bare_ipv6(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv6Address)
    except ValueError:
        return False


def _split_host_port(netloc: str) -> tuple[str, int]:
    if netloc.startswith("["):
        host, bracket, rest = netloc[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")) or not _is_bare_ipv6(host):
            raise InvalidAddress(f"bad bracketed host {netloc!r}")
        port_text = rest[1:] if rest else None
    elif netloc.count(":") > 1:
        raise InvalidAddress(
            f"unbracketed IPv6 with port {netloc!r}",
            message="Put an IPv6 address in square brackets, for example [2001:db8::1]:8443.",
        )
    else:
        host, colon, port_text_or_empty = netloc.partition(":")
        port_text = port_text_or_empty if colon else None
    if port_text is None:
        return host, DEFAULT_PORT
    if not _PORT.match(port_text) or not 1 <= int(port_text) <= 65535:
        raise InvalidAddress(f"bad port {port_text!r}", message=_BAD_PORT)
    return host, int(port_text)


def _normalise_host(host: str) -> tuple[str, str | None]:
    """Return (host for connecting, SNI name); IP literals get no SNI."""
    try:
        return str(ipaddress.ip_address(host)), None
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host  # "example.com." is the same server
    try:
        # Stdlib codec is IDNA 2003; enough to turn "bücher.example" into its xn-- form.
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidAddress(f"IDNA: {exc}") from None
    if not ascii_name or len(ascii_name) > MAX_HOSTNAME_LENGTH:
        raise InvalidAddress(f"bad host length {host!r}")
    if not all(_LABEL.match(label) for label in ascii_name.split(".")):
        raise InvalidAddress(f"bad characters in host {host!r}")
    return ascii_name, ascii_name


@dataclass(frozen=True)
class OutboundPolicy:
    """Public unicast addresses only, plus networks the operator explicitly allows."""

    allowed_networks: tuple[IPNetwork, ...] = ()

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
    for *_, sockaddr in outcome[0]:
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
