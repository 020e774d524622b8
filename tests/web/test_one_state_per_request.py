"""Issue 18: one request decodes the saved state once, computes the plans once, writes at
most once, and a read writes nothing (not even the idle expiry)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.connection_scenarios import ScenarioPki, make_pki
from webapp.state import State
from webapp.vault import Vault
from webapp.vault.sqlite_backend import SQLiteBackend
from webapp.views import connection_panel, plan_cache

from .procedure import KEYSTORE_PASSWORD, page_of, truststore_settings
from .shown import ShownPage, finished_record, seed, truststore_without_password
from .test_connection_test import ready_stores, scenario

Counts = Counter[str]


@pytest.fixture(scope="module")
def pki() -> ScenarioPki:
    return make_pki()


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counts]:
    """How often each costly thing happened, counted where it happens."""
    seen: Counts = Counter()

    def counted(name: str, original: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            seen[name] += 1
            return original(*args, **kwargs)

        return wrapper

    decode = State.from_record.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(State, "from_record", classmethod(counted("decode", decode)))
    for method in ("replace", "update", "new_session", "delete"):
        monkeypatch.setattr(Vault, method, counted("write", getattr(Vault, method)))
    # Below the vault: every SQL statement that takes the write lock.
    for method in ("modify", "create", "_touch", "delete"):
        monkeypatch.setattr(
            SQLiteBackend, method, counted("sql write", getattr(SQLiteBackend, method))
        )
    for name in ("plan_keystore", "plan_truststore"):
        monkeypatch.setattr(plan_cache, name, counted(name, getattr(plan_cache, name)))
    yield seen
    seen.clear()


def test_a_page_view_decodes_once_and_writes_nothing(
    app: Flask, client: FlaskClient, counts: Counts
) -> None:
    seed(app, client, finished_record())
    counts.clear()
    response = client.get("/")
    assert response.status_code == 200
    assert "Download all" in response.text
    assert counts == Counter({"decode": 1, "plan_keystore": 1, "plan_truststore": 1})


def test_a_keystore_save_decodes_once_plans_once_and_writes_once(
    app: Flask, client: FlaskClient, counts: Counts
) -> None:
    seed(app, client, finished_record(current="keystore"))
    shown = ShownPage(client.get("/").text)
    counts.clear()
    response = client.post(
        "/keystore/settings",
        headers=shown.headers(),
        data={"alias": "renamed", "keystore_filename": "legacy-keystore.jks"},
    )
    assert response.status_code == 200
    assert "renamed" in response.text
    assert counts == Counter(
        {"decode": 1, "write": 1, "sql write": 1, "plan_keystore": 1, "plan_truststore": 1}
    )


def test_a_live_preview_decodes_once_and_writes_once(
    app: Flask, client: FlaskClient, counts: Counts
) -> None:
    seed(app, client, finished_record(current="keystore"))
    shown = ShownPage(client.get("/").text)
    counts.clear()
    response = client.post(
        "/keystore/settings?live=1",
        headers=shown.headers(),
        data={
            "alias": "typed",
            "keystore_password": KEYSTORE_PASSWORD,
            "confirm_keystore_password": KEYSTORE_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert counts["decode"] == 1
    assert counts["write"] == counts["sql write"] == 1


def test_a_truststore_save_writes_once(app: Flask, client: FlaskClient, counts: Counts) -> None:
    seed(app, client, truststore_without_password())
    page = client.get("/")
    counts.clear()
    response = truststore_settings(client, page_of(page), headers=ShownPage(page.text).headers())
    assert response.status_code == 200
    assert 'id="step-finish"' in response.text  # it opened: the truststore is ready
    # The truststore plan twice: once for the state as read (the form is checked against its
    # entries), once for the state saved; each state's plans once.
    assert counts == Counter(
        {"decode": 1, "write": 1, "sql write": 1, "plan_keystore": 1, "plan_truststore": 2}
    )


def test_a_connection_test_writes_once_and_digests_what_it_tested_once(
    app: Flask,
    client: FlaskClient,
    counts: Counts,
    monkeypatch: pytest.MonkeyPatch,
    pki: ScenarioPki,
) -> None:
    case = scenario("accepted, CA listed, TLS 1.3")
    ready_stores(client, pki.client, case.anchors_for(pki))
    page = ShownPage(client.get("/").text)
    digests: list[bytes] = []

    def sha256(data: bytes = b"") -> object:
        digests.append(data)
        return hashlib.sha256(data)

    connection_panel._basis.cache_clear()
    monkeypatch.setattr(connection_panel, "hashlib", SimpleNamespace(sha256=sha256))
    with case.server(pki) as server:
        counts.clear()
        response = client.post(
            "/connection/test", data={"dest_url": case.url(server)}, headers=page.headers()
        )
    assert 'data-outcome="accepted"' in response.text
    assert counts["decode"] == 1
    assert counts["write"] == counts["sql write"] == 1
    assert len(digests) == 1  # the basis saved with the result is the one the panel checks
