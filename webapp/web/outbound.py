"""The outbound policy (allowed networks + proxy) as the current app's config defines it.

Views call `outbound_policy()` wherever they connect to a partner, so the address policy and
the proxy (FETCH_PROXY, else HTTPS_PROXY/NO_PROXY from the environment, issue 15) always
travel together into webapp.pki.partner.connect.open_connection.
"""

from __future__ import annotations

from flask import Flask, current_app

from ..pki.partner import OutboundPolicy, RootStore
from ..pki.partner.settings import Settings

__all__ = ["init_app", "outbound_policy", "policy_from_config", "root_store", "settings"]


def settings() -> Settings:
    """The outbound settings of this app: the same Settings `mtls-kit` reads (from_env)."""
    return Settings.from_mapping(current_app.config)


def policy_from_config(config: dict) -> OutboundPolicy:
    """Build the policy from a config mapping (FETCH_ALLOWED_NETWORKS, FETCH_PROXY)."""
    return Settings.from_mapping(config).policy


def outbound_policy() -> OutboundPolicy:
    """The policy for this request; the environment is read each time (cheap, and a test or
    an operator's restartless change of HTTPS_PROXY takes effect)."""
    return settings().policy


def root_store() -> RootStore:
    """Mozilla's roots plus the operator's (FLASK_EXTRA_ROOTS), parsed once per file version."""
    return settings().root_store()


def init_app(app: Flask) -> None:
    """Refuse to start with a malformed proxy URL or network list, naming the setting."""
    try:
        Settings.from_mapping(app.config)
    except ValueError as exc:
        raise ValueError(
            f"outbound connection settings (FLASK_FETCH_PROXY, HTTPS_PROXY, "
            f"FLASK_FETCH_ALLOWED_NETWORKS, FLASK_FETCH_TIMEOUT): {exc}"
        ) from None
