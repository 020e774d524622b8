"""The operator's outbound settings, read once the same way by the portal and the CLI.

Proxy (FETCH_PROXY, else HTTPS_PROXY/NO_PROXY), timeout (FETCH_TIMEOUT), allowed networks
(FETCH_ALLOWED_NETWORKS) and extra roots (EXTRA_ROOTS). The portal has them in `app.config`
(from_mapping); `mtls-kit` reads the FLASK_* environment variables (from_env) the way
Flask's `from_prefixed_env` does, JSON values parsed, so one variable means the same to both
(issue 20, item 9: the CLI used to ignore the proxy and read the timeout by hand).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from webapp.config import DEFAULTS
from webapp.pki.partner.outbound import OutboundPolicy
from webapp.pki.partner.proxy import ProxySettings
from webapp.pki.partner.roots import RootStore, extra_root_paths, load_root_store

__all__ = ["ENV_PREFIX", "Settings"]

ENV_PREFIX = "FLASK_"
_KEYS = ("FETCH_ALLOWED_NETWORKS", "FETCH_PROXY", "FETCH_TIMEOUT", "EXTRA_ROOTS")


@dataclass(frozen=True)
class Settings:
    """What a partner connection needs from the operator; validated when made."""

    policy: OutboundPolicy
    timeout: float  # seconds, for the TCP connect and for the TLS handshake each
    extra_roots: tuple[str, ...] = ()  # paths of PEM bundles (FLASK_EXTRA_ROOTS)

    @classmethod
    def from_mapping(
        cls, config: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> Settings:
        """From a config mapping (app.config, or DEFAULTS overlaid with the environment).

        Raises ValueError naming the FLASK_ variable when a value cannot be used."""
        get = lambda key: config.get(key, DEFAULTS.get(key))  # noqa: E731
        policy = OutboundPolicy.from_config(get("FETCH_ALLOWED_NETWORKS"))  # names itself
        try:
            proxy = ProxySettings.from_config(get("FETCH_PROXY"), environ)
        except ValueError as exc:
            raise ValueError(f"FLASK_FETCH_PROXY (or HTTPS_PROXY): {exc}") from None
        return cls(
            policy=replace(policy, proxy=proxy),
            timeout=_seconds(get("FETCH_TIMEOUT")),
            extra_roots=tuple(str(p) for p in extra_root_paths(get("EXTRA_ROOTS"))),
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """From FLASK_FETCH_ALLOWED_NETWORKS, FLASK_FETCH_PROXY, FLASK_FETCH_TIMEOUT and
        FLASK_EXTRA_ROOTS (plus HTTPS_PROXY/NO_PROXY), as the portal would read them."""
        env = os.environ if environ is None else environ
        config = {
            key: _flask_value(env[ENV_PREFIX + key]) for key in _KEYS if ENV_PREFIX + key in env
        }
        return cls.from_mapping(config, env)

    def with_networks(self, extra: Iterable[str]) -> Settings:
        """These settings, also allowing `extra` CIDRs (the CLI's --allow-network)."""
        more = OutboundPolicy.from_config(list(extra))
        networks = self.policy.allowed_networks + more.allowed_networks
        return replace(self, policy=replace(self.policy, allowed_networks=networks))

    def root_store(self) -> RootStore:
        """Mozilla's roots plus the operator's, parsed once per file version."""
        return load_root_store(self.extra_roots)


def _flask_value(text: str) -> Any:
    """What Flask's from_prefixed_env makes of a variable: JSON if it parses, else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _seconds(value: object) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(
            f"FLASK_FETCH_TIMEOUT must be a number of seconds; got {value!r}."
        ) from None
    if not 0 < seconds <= 300:
        raise ValueError(f"FLASK_FETCH_TIMEOUT must be between 0 and 300 seconds; got {value!r}.")
    return seconds
