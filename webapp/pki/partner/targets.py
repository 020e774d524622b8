"""Parse what the user typed in the Server URL field into a `Target` the fetcher may check."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from webapp.translation import N_, _

__all__ = [
    "FetchError",
    "InvalidAddress",
    "Target",
    "UnsupportedScheme",
    "parse_target",
]

DEFAULT_PORT = 443
MAX_TARGET_LENGTH = 2048  # longer than any sane URL; stops pathological input early
MAX_HOSTNAME_LENGTH = 253  # RFC 1035 limit for a name in text form

_ENTER_AN_ADDRESS = N_("Enter the server address, for example https://example.com:8443.")
_NO_USERINFO = N_("Enter the address without a user name or '@', like https://example.com:8443.")
_BAD_PORT = N_("The port must be a number from 1 to 65535, for example https://example.com:8443.")
# One DNS label (RFC 1035, plus '_', seen in real names); hostnames.py checks with it too.
DNS_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_PORT = re.compile(r"^[0-9]{1,5}$")  # ASCII digits only: str.isdigit() accepts '٣'
_SCHEME_LIKE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+-]*):(.*)$", re.DOTALL)


class FetchError(Exception):
    """A problem the user can fix in the Server URL field; str() is a plain sentence.

    `detail` carries the technical reason (OpenSSL text, errno, address) for logs only.
    Every fetch error derives from it; it lives here, at the bottom of parse -> policy ->
    fetch, so that no module has to import from the one that uses it.

    Issue 23: `message` (the class's or the one given) is marked with N_ and translated
    here, when the error is raised (inside the user's request; English elsewhere), its
    {fields} filled from `params`. `english` keeps the untranslated text for code that
    compares it; never compare str(exc).
    """

    message: ClassVar[str] = N_("We could not check this server.")

    def __init__(self, detail: str = "", *, message: str | None = None, **params: Any) -> None:
        self.english = message or self.message
        super().__init__(_(self.english, **params))
        self.detail = detail


class UnsupportedScheme(FetchError):
    message = N_(
        "Only https:// addresses can be checked. Enter the server as https://name:port "
        "or name:port."
    )


class InvalidAddress(FetchError):
    message = N_(
        "This does not look like a server address. Enter it as https://name:port or name:port."
    )


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
        raise InvalidAddress(
            "too long", message=N_("This address is too long for a server address.")
        )
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
            message=N_("Put an IPv6 address in square brackets, for example [2001:db8::1]:8443."),
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
    if not all(DNS_LABEL.match(label) for label in ascii_name.split(".")):
        raise InvalidAddress(f"bad characters in host {host!r}")
    return ascii_name, ascii_name
