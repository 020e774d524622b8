"""Issue 12 on the server side: what is kept after a wrong password, the one rule for an
expired certificate, the chain to send, the erased state and the cookie's lifetime."""

from __future__ import annotations

import dataclasses
import datetime as dt
from http.cookies import SimpleCookie

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki

from .conftest import FormatCase
from .procedure import (
    HTMX,
    KEYSTORE_PASSWORD,
    Upload,
    download,
    import_key_pair,
    keystore_settings,
    page_of,
    post_multipart,
    saved_state,
)
from .test_security import finish_everything

GOOD_FILE = "p12-openssl-modern-ec256"


def _retry_without_file(client: FlaskClient, password: str):
    return post_multipart(client, "/keystore/import", [("key_password", password)], headers=HTMX)


def test_a_wrong_password_keeps_the_file_until_the_right_one(
    app: Flask, client: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    upload = keypair_uploads[GOOD_FILE].upload
    wrong = page_of(import_key_pair(client, dataclasses.replace(upload, password="nope")))
    assert "key_password" in wrong.errors()
    assert f"We kept {upload.filename}: type its password and click Import." in wrong.text
    kept = saved_state(client, app)["keystore"]["pending_upload"]
    assert kept["name"] == upload.filename and kept["data"]  # encrypted in the vault, base64

    imported = page_of(_retry_without_file(client, upload.password))
    assert not imported.errors()
    assert f"Imported {upload.filename}" in imported.text
    assert "pending_upload" not in saved_state(client, app)["keystore"]  # cleared on success


def test_a_file_that_is_not_a_key_pair_is_not_kept(
    app: Flask, client: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    upload = keypair_uploads[GOOD_FILE].upload
    page_of(import_key_pair(client, dataclasses.replace(upload, password="nope")))
    garbage = page_of(import_key_pair(client, Upload(b"not a key pair", "notes.p12", "x")))
    assert "key_file" in garbage.errors()
    assert "We kept" not in garbage.text
    assert "pending_upload" not in saved_state(client, app)["keystore"]


def _expired_upload(pki: ThrowawayPki) -> Upload:
    now = dt.datetime.now(dt.UTC)
    issued = pki.ca.issue_client(
        "Expired Client",
        key_kind="ec256",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=10),
    )
    data = pkcs12.serialize_key_and_certificates(
        b"x", issued.key, issued.cert, issued.chain, serialization.NoEncryption()
    )
    return Upload(data, "expired.p12")


def test_an_expired_certificate_is_not_ready_until_confirmed(
    client: FlaskClient, throwaway_pki: ThrowawayPki
):
    page_of(import_key_pair(client, _expired_upload(throwaway_pki)))
    refused = page_of(keystore_settings(client, alias="expired-client"))
    assert "validity_confirmed" in refused.errors()
    assert "Download keystore" not in refused.links()
    assert client.get("/keystore/download").status_code == 409  # the same plan decides

    confirmed = client.post(
        "/keystore/settings",
        headers=HTMX,
        data={"alias": "expired-client", "validity_asked": "1", "validity_confirmed": "on"},
    )
    assert "Download keystore" in page_of(confirmed).links()
    assert client.get("/keystore/download").status_code == 200


def test_the_certificate_to_send_is_the_whole_chain_without_secrets(
    client: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    page_of(import_key_pair(client, keypair_uploads[GOOD_FILE].upload))
    chain = download(client, "/keystore/certificate-chain.pem")
    certificates = x509.load_pem_x509_certificates(chain.data)
    assert [c.subject.rfc4514_string() for c in certificates] == [
        "CN=Shared Client ec256,O=mtls-kit tests",
        "CN=mtls-kit Shared Test Root Intermediate,O=mtls-kit tests",
        "CN=mtls-kit Shared Test Root,O=mtls-kit tests",
    ]
    assert b"PRIVATE KEY" not in chain.data


def test_after_the_erasing_download_the_page_says_so_and_offers_no_downloads(
    app: Flask,
    client: FlaskClient,
    keypair_uploads: dict[str, FormatCase],
    throwaway_pki: ThrowawayPki,
):
    finish_everything(client, keypair_uploads, throwaway_pki)
    erased = client.post("/finish/bundle.zip")  # erasing is a POST (issue 10, hole 7)
    assert erased.status_code == 200 and erased.mimetype == "application/zip"
    page = page_of(client.get("/"))
    assert "Your files were downloaded and erased from this server" in page.text
    assert not [link for link in page.links() if link.startswith("Download")]
    late = client.get("/keystore/download")  # a button of the old page
    assert late.status_code == 409 and "downloaded and erased" in late.text

    client.post("/start-over")
    assert "downloaded and erased" not in client.get("/").text  # a fresh start


def test_the_vault_cookie_lives_as_long_as_the_idle_timeout_and_is_refreshed(
    app: Flask, client: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    imported = import_key_pair(client, keypair_uploads[GOOD_FILE].upload)
    name, idle = app.config["VAULT_COOKIE_NAME"], str(app.config["SESSION_IDLE_TIMEOUT"])

    def vault_cookie(response):
        for header in response.headers.getlist("Set-Cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            if name in cookie:
                return cookie[name]
        return None

    assert vault_cookie(imported)["max-age"] == idle
    again = client.get("/")  # any page that used the session counts it again
    assert vault_cookie(again)["max-age"] == idle
    assert vault_cookie(client.get("/healthz")) is None  # nothing to refresh
    assert KEYSTORE_PASSWORD not in str(again.headers)
