"""The vault as users meet it: a restarted server continues their session, and simultaneous
requests of one session (two tabs, overlapping htmx requests) lose nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import jks
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import ThrowawayPki, app_config_for
from webapp import create_app

from .conftest import FormatCase
from .procedure import (
    HTMX,
    KEYSTORE_PASSWORD,
    complete_keystore,
    download,
    import_key_pair,
    page_of,
    saved_state,
    session_token,
    upload_certificates,
)

GOOD_FILE = "p12-openssl-modern-ec256"
ROUNDS = 6  # each round is a fresh session hit by every writer at once


def test_a_restarted_server_continues_the_session(
    tmp_path: Path, throwaway_pki: ThrowawayPki, keypair_uploads: dict[str, FormatCase]
):
    config = app_config_for(tmp_path, throwaway_pki)
    before = create_app(config)
    client = before.test_client()
    complete_keystore(client, keypair_uploads[GOOD_FILE].upload, alias="before-restart")
    token = session_token(client, before)
    before.extensions["mtls_vault"].close()  # the old process is gone

    after = create_app(config)
    browser = after.test_client()  # the same browser, still holding its cookie
    browser.set_cookie(after.config["VAULT_COOKIE_NAME"], token)
    page = page_of(browser.get("/"))
    keystore = download(browser, "/keystore/download")

    assert "Shared Client ec256" in page.text
    # Create keystore folded step 1 into its summary (issue 12), which names the alias.
    assert "under the alias before-restart" in page.text
    assert jks.KeyStore.loads(keystore.data, KEYSTORE_PASSWORD).private_keys.keys() == {
        "before-restart"
    }
    after.extensions["mtls_vault"].close()

    # A server with another secret cannot find (or read) the session: a fresh start.
    stranger = create_app({**config, "SECRET_KEY": "another-deployment-secret-key-0123"})
    other = stranger.test_client()
    other.set_cookie(stranger.config["VAULT_COOKIE_NAME"], token)
    assert "Shared Client ec256" not in other.get("/").text
    assert other.get("/keystore/download").status_code == 409
    stranger.extensions["mtls_vault"].close()


def writers(pki: ThrowawayPki) -> dict[str, Callable[[FlaskClient], TestResponse]]:
    """Requests touching different parts of one session, as two tabs and htmx send them."""
    return {
        "keystore settings": lambda c: c.post(
            "/keystore/settings",
            headers=HTMX,
            data={
                "alias": "concurrent",
                "keystore_password": KEYSTORE_PASSWORD,
                "confirm_keystore_password": KEYSTORE_PASSWORD,
                "keystore_filename": "tab-one",
            },
        ),
        "upload root": lambda c: upload_certificates(c, [(pki.root_pem.read_bytes(), "r.pem")]),
        "upload server": lambda c: upload_certificates(c, [(pki.server.cert_pem(), "s.pem")]),
        "destination": lambda c: c.post(
            "/finish/settings",
            headers=HTMX,
            data={"dest_url": "https://tab-two.example/in", "http_method": "PUT", "folder": "/srv"},
        ),
        "live destination": lambda c: c.post(
            "/finish/settings?live=1",
            headers=HTMX,
            data={"dest_url": "https://tab-two.example/in", "http_method": "PUT", "folder": "/srv"},
        ),
    }


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_simultaneous_requests_of_one_session_lose_nothing(
    round_number: int,
    app: Flask,
    throwaway_pki: ThrowawayPki,
    keypair_uploads: dict[str, FormatCase],
):
    first = app.test_client()
    assert not page_of(import_key_pair(first, keypair_uploads[GOOD_FILE].upload)).errors()
    token = session_token(first, app)
    jobs = writers(throwaway_pki)
    start = threading.Barrier(len(jobs))
    statuses: dict[str, int] = {}

    def run(name: str) -> None:
        tab = app.test_client()  # another tab: same cookie, its own connection
        tab.set_cookie(app.config["VAULT_COOKIE_NAME"], token)
        start.wait(timeout=10)
        statuses[name] = jobs[name](tab).status_code

    threads = [threading.Thread(target=run, args=(name,)) for name in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == dict.fromkeys(jobs, 200)
    state = saved_state(first, app)
    assert state is not None
    assert state["keystore"]["candidates"], "the imported key pair was lost"
    assert (state["keystore"]["alias"], state["keystore"]["filename"]) == (
        "concurrent",
        "tab-one.jks",
    )
    assert state["keystore"]["password"] == KEYSTORE_PASSWORD
    assert len(state["truststore"]["certs"]) == 2, "an upload was lost"
    assert state["destination"] == {
        "url": "https://tab-two.example/in",
        "method": "PUT",
        "folder": "/srv",
    }
    assert session_token(first, app) == token  # still one session
