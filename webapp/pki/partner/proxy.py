"""Which outbound connections go through the organisation's HTTP proxy (issue 15).

Settings follow curl's conventions, because that is what operators already write:

- ``HTTPS_PROXY`` / ``https_proxy``: ``http://[user:password@]host[:port]`` (the scheme may be
  left out; the port defaults to 1080 as in curl). Only plain-HTTP proxies speaking CONNECT
  are supported: TLS to the partner then runs inside the tunnel, end to end.
- ``NO_PROXY`` / ``no_proxy``: comma-separated exceptions. ``*`` alone means "never use the
  proxy"; ``example.com`` and ``.example.com`` both match example.com and every name under it;
  IP addresses match literally and CIDRs (``10.0.0.0/8``) match IP targets inside them
  (names are not resolved for this, as in curl); ``host:port`` matches that port only.
- ``FLASK_FETCH_PROXY`` (config key FETCH_PROXY) overrides the environment: a proxy URL,
  ``none`` or ``direct`` for no proxy, empty/unset to use the environment.

Credentials from the URL are percent-decoded, kept out of repr() and never logged.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from webapp.pki.partner.targets import Target

__all__ = [
    "DIRECT",
    "NoProxy",
    "ProxySettings",
    "ProxyURL",
]

DEFAULT_PROXY_PORT = 1080  # curl's default when the proxy URL names no port
_NO_PROXY_WORDS = frozenset({"none", "direct"})


@dataclass(frozen=True)
class ProxyURL:
    """An HTTP proxy: where it is and, maybe, the credentials it wants (never in repr)."""

    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str) -> ProxyURL:
        """Parse ``[http://][user:password@]host[:port][/]``; ValueError names the problem
        without echoing the text (it may hold a password)."""
        text = text.strip()
        if "://" not in text:
            text = "http://" + text
        try:
            parts = urlsplit(text)
            port = parts.port or DEFAULT_PROXY_PORT
        except ValueError:
            raise ValueError("the proxy URL is not valid (expected http://host:port)") from None
        if parts.scheme.lower() != "http":
            raise ValueError(
                f"proxy scheme {parts.scheme!r} is not supported: use an http:// proxy "
                "(the connection to the partner is still TLS, inside the tunnel)"
            )
        if not parts.hostname:
            raise ValueError("the proxy URL names no host (expected http://host:port)")
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(host=parts.hostname, port=port, username=username, password=password)

    @property
    def netloc(self) -> str:
        """host:port for logs and messages (never the credentials)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class _Exception:
    host: str | None  # a lower-case name without leading/trailing dots, or None for an IP rule
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None
    port: int | None


@dataclass(frozen=True)
class NoProxy:
    """Parsed NO_PROXY: which targets skip the proxy."""

    everything: bool = False
    rules: tuple[_Exception, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> NoProxy:
        entries = [e.strip() for e in (text or "").split(",") if e.strip()]
        if "*" in entries:
            return cls(everything=True)
        return cls(rules=tuple(rule for e in entries if (rule := _parse_rule(e)) is not None))

    def bypasses(self, target: Target) -> bool:
        """True when `target` (host:port) must be reached directly, not through the proxy."""
        if self.everything:
            return True
        try:
            address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(
                target.host
            )
        except ValueError:
            address = None
        host = target.host.lower().rstrip(".")
        for rule in self.rules:
            if rule.port is not None and rule.port != target.port:
                continue
            if rule.network is not None:
                if address is not None and address in rule.network:
                    return True
            elif rule.host is not None and (host == rule.host or host.endswith("." + rule.host)):
                return True
        return False


def _parse_rule(entry: str) -> _Exception | None:
    host, port = _split_port(entry)
    try:
        network = ipaddress.ip_network(host, strict=False)
    except ValueError:
        name = host.lower().strip(".")
        return _Exception(host=name, network=None, port=port) if name else None
    return _Exception(host=None, network=network, port=port)


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [v6] or [v6]:port
        inside, _, rest = entry[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
        return inside, int(port_text) if port_text.isdigit() else None
    if entry.count(":") == 1:  # name:port or v4:port (more colons: a bare IPv6 address)
        host, _, port_text = entry.partition(":")
        return host, int(port_text) if port_text.isdigit() else None
    return entry, None


@dataclass(frozen=True)
class ProxySettings:
    """The proxy to use (None: connect directly) and its exceptions."""

    proxy: ProxyURL | None = None
    no_proxy: NoProxy = NoProxy()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ProxySettings:
        """HTTPS_PROXY (or https_proxy) and NO_PROXY (or no_proxy), as curl reads them."""
        env = os.environ if environ is None else environ
        url = env.get("HTTPS_PROXY") or env.get("https_proxy") or ""
        no_proxy = env.get("NO_PROXY") or env.get("no_proxy")
        return cls(ProxyURL.parse(url) if url.strip() else None, NoProxy.parse(no_proxy))

    @classmethod
    def from_config(
        cls, value: str | None, environ: Mapping[str, str] | None = None
    ) -> ProxySettings:
        """FETCH_PROXY: a URL overrides HTTPS_PROXY (NO_PROXY still applies); "none" or
        "direct" turns the proxy off; empty or None defers to the environment."""
        text = (value or "").strip()
        if not text:
            return cls.from_environment(environ)
        if text.lower() in _NO_PROXY_WORDS:
            return DIRECT
        env = os.environ if environ is None else environ
        return cls(ProxyURL.parse(text), NoProxy.parse(env.get("NO_PROXY") or env.get("no_proxy")))

    def proxy_for(self, target: Target) -> ProxyURL | None:
        """The proxy that `target` must be reached through, or None for a direct connection."""
        if self.proxy is None or self.no_proxy.bypasses(target):
            return None
        return self.proxy


DIRECT = ProxySettings()
