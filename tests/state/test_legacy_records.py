"""Sessions saved by main 7743e32 (version 1, no version number) still work after the update,
and a record this code cannot read gives a plain sentence, never a 500."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.java import keytool_list
from tests.web.page import Page, assert_no_internals
from webapp.views.wizard import LOST_WORK

LEGACY = Path(__file__).parent / "legacy"
FINISHED = "main-7743e32-state.json"
FETCHED = "main-7743e32-state-fetched.json"
DOWNLOADS = (
    "/keystore/download",
    "/truststore/download",
    "/finish/destination.json",
    "/finish/bundle.zip",
)


def resume(app: Flask, client: FlaskClient, record: object) -> FlaskClient:
    """The browser of a user whose session holds `record` (as the vault stored it)."""
    token = app.extensions["mtls_vault"].new_session(state=record)
    client.set_cookie(app.config["VAULT_COOKIE_NAME"], token)
    return client


def legacy(name: str) -> dict:
    return json.loads((LEGACY / name).read_text())


@pytest.mark.parametrize("name", [FINISHED, FETCHED])
def test_the_page_shows_the_saved_work(name: str, app: Flask, client: FlaskClient):
    response = resume(app, client, legacy(name)).get("/")

    assert response.status_code == 200
    assert_no_internals(response.text)
    page = Page(response.text)
    assert "legacy-client" in response.text  # the saved alias
    assert LOST_WORK not in page.text
    if name == FETCHED:
        assert page.field("server_url").attrs["value"].startswith("https://127.0.0.1:")
        assert "sent 2 certificates" in page.text


def test_the_finished_work_downloads(app: Flask, client: FlaskClient, tmp_path: Path):
    resume(app, client, legacy(FINISHED))

    responses = {url: client.get(url) for url in DOWNLOADS}

    assert {url: r.status_code for url, r in responses.items()} == dict.fromkeys(DOWNLOADS, 200)
    config = json.loads(responses["/finish/destination.json"].data)
    assert config["keystoreFile"] == "/opt/platform/certs/legacy-keystore.jks"
    assert config["truststorePass"] == "legacy-ts-pw"
    names = zipfile.ZipFile(io.BytesIO(responses["/finish/bundle.zip"].data)).namelist()
    assert {"legacy-keystore.jks", "legacy-truststore.jks", "destination.json"} <= set(names)


@pytest.mark.java
def test_the_legacy_keystore_and_truststore_open_in_keytool(
    app: Flask, client: FlaskClient, tmp_path: Path
):
    resume(app, client, legacy(FINISHED))
    keystore, truststore = tmp_path / "keystore.jks", tmp_path / "truststore.jks"
    keystore.write_bytes(client.get("/keystore/download").data)
    truststore.write_bytes(client.get("/truststore/download").data)

    keys = keytool_list(keystore, "legacy-ks-pw")
    trusted = keytool_list(truststore, "legacy-ts-pw")

    assert keys.entries == {"legacy-client": ("PrivateKeyEntry", 3)}
    assert trusted.entries["partner.example"] == ("trustedCertEntry", 1)
    assert "legacy-client" in trusted.entries  # the user's own certificate, as the procedure asks


def test_the_unfinished_work_is_not_offered_for_download(app: Flask, client: FlaskClient):
    resume(app, client, legacy(FETCHED))

    statuses = {url: client.get(url).status_code for url in DOWNLOADS}

    # No password yet: "not ready" (the page explains), never a 500.
    assert statuses == dict.fromkeys(DOWNLOADS, 409)


@pytest.mark.parametrize(
    "record",
    [
        {**json.loads((LEGACY / FINISHED).read_text()), "version": 999},
        {"version": "two", "keystore": []},
        {"keystore": "garbage", "truststore": 7},
        {"keystore": {"candidates": [{"bundle": None}]}},
    ],
    ids=["newer-version", "bad-version", "garbage", "garbled-candidate"],
)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_record_it_cannot_read_says_so_plainly(
    record: dict, htmx: bool, app: Flask, client: FlaskClient
):
    resume(app, client, record)
    headers = {"HX-Request": "true"} if htmx else {}

    page = client.get("/", headers=headers)
    settings = client.post("/keystore/settings", headers=headers, data={"alias": "x"})

    assert page.status_code == 200
    assert LOST_WORK in Page(page.text).text
    assert_no_internals(page.text)
    assert settings.status_code in (200, 303)  # asks for the key pair again, no 500
    # After the first write the session holds a fresh, readable state.
    assert LOST_WORK not in Page(client.get("/").text).text
    for url in DOWNLOADS:
        assert client.get(url).status_code == 409
