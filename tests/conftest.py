"""Fixtures shared by every test folder: the app, a test client, and a throw-away PKI.

Kept small and generic on purpose; a folder's own conftest.py adds what only it needs.

- `throwaway_pki` (session): root -> intermediate CA (EC P-256, fast), a server certificate for
  127.0.0.1 written to disk for `LocalTLSServer`, and one client key pair per key type.
- `app_config_for(folder, pki, **overrides)`: the test configuration as a plain function, for
  tests that build a second app on the same vault (restart) or an app with CSRF on.
- `app` / `client` (function), in the style of Flask's tutorial: a fresh vault per test, CSRF
  off (tests about CSRF build their own app with `app_config_for(..., WTF_CSRF_ENABLED=True)`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.throwaway_pki import Issued, ThrowawayCA
from webapp import create_app

# Last year's keytool-written stores (issue 13), shared by tests/pki/java and tests/interop.
pytest_plugins = ["tests.support.keytool_stores"]

__all__ = ["CLIENT_KEY_KINDS", "SECRET_KEY", "ThrowawayPki", "app_config_for"]

# The key types the keystore step must handle (issue 2): RSA, EC P-256/P-384, Ed25519.
CLIENT_KEY_KINDS = ("rsa2048", "ec256", "ec384", "ed25519")
# A fixed test secret: a restarted app needs the same one to find the session again.
SECRET_KEY = "tests-only-secret-key-0123456789abcdef"


@dataclass(frozen=True)
class ThrowawayPki:
    """One CA hierarchy for a whole test session, with the files a TLS server needs."""

    ca: ThrowawayCA
    folder: Path
    root_pem: Path  # the root alone: EXTRA_ROOTS, and the CA a test server trusts for clients
    server: Issued  # CN=127.0.0.1, IP SAN 127.0.0.1
    server_key: Path
    server_chain: Path  # server + intermediate, no root: what real servers send
    clients: dict[str, Issued]  # by key kind, see CLIENT_KEY_KINDS

    def client(self, kind: str = "ec256") -> Issued:
        return self.clients[kind]


@pytest.fixture(scope="session")
def throwaway_pki(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayPki:
    folder = tmp_path_factory.mktemp("throwaway-pki")
    ca = ThrowawayCA("mtls-kit Shared Test Root", key_kind="ec256")
    server = ca.issue_server("127.0.0.1", key_kind="ec256")
    server_key, server_chain = server.write(folder, "server")
    root_pem = folder / "root.pem"
    root_pem.write_bytes(ca.root_pem())
    clients = {
        kind: ca.issue_client(f"Shared Client {kind}", key_kind=kind) for kind in CLIENT_KEY_KINDS
    }
    return ThrowawayPki(ca, folder, root_pem, server, server_key, server_chain, clients)


def app_config_for(folder: Path, pki: ThrowawayPki, **overrides: Any) -> dict[str, Any]:
    """The configuration tests run the app with; `folder` holds the SQLite vault."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "VAULT_URL": f"sqlite:///{folder / 'vault.db'}",
        # The tests' TLS servers listen on loopback, which the default policy refuses.
        "FETCH_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
        "EXTRA_ROOTS": str(pki.root_pem),
        "WTF_CSRF_ENABLED": False,
    }
    config.update(overrides)
    return config


@pytest.fixture
def app(tmp_path: Path, throwaway_pki: ThrowawayPki) -> Iterator[Flask]:
    app = create_app(app_config_for(tmp_path, throwaway_pki))
    yield app
    app.extensions["mtls_vault"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
