"""Issue 10, hole 7: state changes only by POST with a CSRF token.

`GET /finish/bundle.zip?wipe=1` erased the session on a cross-site top-level navigation
(SameSite=Lax sends the cookie on those). Now a GET only downloads; erasing after the
download is a form button that posts with the CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki, app_config_for
from webapp import create_app

from .conftest import FormatCase
from .page import Page
from .procedure import page_of, session_token
from .test_security import finish_everything


@pytest.fixture
def csrf_app(tmp_path: Path, throwaway_pki: ThrowawayPki) -> Iterator[Flask]:
    app = create_app(app_config_for(tmp_path, throwaway_pki, WTF_CSRF_ENABLED=True))
    yield app
    app.extensions["mtls_vault"].close()


@pytest.fixture
def finished(
    client: FlaskClient, keypair_uploads: dict[str, FormatCase], throwaway_pki: ThrowawayPki
) -> FlaskClient:
    finish_everything(client, keypair_uploads, throwaway_pki)
    return client


def test_a_cross_site_get_with_wipe_erases_nothing(app: Flask, finished: FlaskClient):
    token = session_token(finished, app)
    response = finished.get(
        "/finish/bundle.zip?wipe=1",
        headers={"Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/"},
    )
    assert response.status_code == 200  # still just the download
    assert app.extensions["mtls_vault"].load(token) is not None


def test_download_and_wipe_needs_the_csrf_token(
    csrf_app: Flask, keypair_uploads: dict[str, FormatCase], throwaway_pki: ThrowawayPki
):
    client = csrf_app.test_client()
    token = Page(client.get("/").text).csrf_token()
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    finish_everything(client, keypair_uploads, throwaway_pki)
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    vault_token = session_token(client, csrf_app)
    refused = client.post("/finish/bundle.zip")  # a forged cross-site form has no token
    assert refused.status_code == 400
    assert csrf_app.extensions["mtls_vault"].load(vault_token) is not None
    wiped = client.post("/finish/bundle.zip", data={"csrf_token": token})
    assert wiped.status_code == 200 and wiped.data[:2] == b"PK"
    assert csrf_app.extensions["mtls_vault"].load(vault_token) is None


def test_the_erase_control_is_a_form_button(finished: FlaskClient):
    page = page_of(finished.get("/"))
    assert "Get the zip and erase my data from this server" in page.text
    assert "wipe=1" not in finished.get("/").get_data(as_text=True)
