"""Issue 2 errors over HTTP: a plain sentence beside the field, and nothing the user did is lost.

Every case runs twice: as htmx posts it (HX-Request: the keystore step's section, status 200
so htmx swaps it in) and as a plain form post without JavaScript (the full page, status 200).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jks
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from .conftest import FormatCase
from .page import Page, assert_error_beside
from .procedure import (
    KEYSTORE_PASSWORD,
    Upload,
    complete_keystore,
    download,
    import_key_pair,
    keystore_settings,
    page_of,
    saved_state,
    upload_certificates,
)

GOOD_FILE = "p12-openssl-modern-ec256"


@dataclass(frozen=True)
class Case:
    field: str  # the field the message must stand beside
    message: str  # a distinctive part of the plain sentence
    upload: Callable[[dict[str, FormatCase], dict[str, bytes]], Upload] | None = None
    settings: dict[str, str] | None = None  # for keystore settings cases


def _good(password: str) -> Callable[[dict[str, FormatCase], dict[str, bytes]], Upload]:
    return lambda cases, bad: Upload(cases[GOOD_FILE].upload.data, "mine.p12", password)


def _bad(name: str, filename: str) -> Callable[[dict[str, FormatCase], dict[str, bytes]], Upload]:
    return lambda cases, bad: Upload(bad[name], filename)


IMPORT_CASES = {
    "wrong-password": Case(
        "key_password", "The password does not open this file.", upload=_good("not-the-password")
    ),
    "password-required": Case(
        "key_password", "This file is protected by a password.", upload=_good("")
    ),
    "lone-certificate": Case(
        "key_file",
        "This looks like a certificate without a private key. "
        "If it is the partner's, add it in step 2, Truststore.",
        upload=_bad("lone-certificate", "certificate.pem"),
    ),
    "real-jks": Case("key_file", "This is a Java keystore (JKS)", upload=_bad("jks", "old.jks")),
    "random-bytes": Case(
        "key_file", "This is not a key pair file we can read.", upload=_bad("random", "mine.p12")
    ),
    "empty-file": Case(
        "key_file", "This file is empty.", upload=lambda cases, bad: Upload(b"", "empty.p12")
    ),
    "key-does-not-match": Case(
        "key_file",
        "The private key does not belong to this certificate.",
        upload=_bad("mismatch", "bundle.pem"),
    ),
    "file-over-1-mib": Case(
        "key_file", "This file is too large.", upload=_bad("two-mib", "huge.p12")
    ),
}
SETTINGS_CASES = {
    "password-under-6": Case(
        "keystore_password",
        "Use at least 6 characters.",
        settings={"password": "abc12", "confirm": "abc12"},
    ),
    "confirmation-differs": Case(
        "confirm_keystore_password",
        "The two passwords do not match.",
        settings={"password": "new-Pass-1", "confirm": "new-Pass-2"},
    ),
}
EARLIER_DESTINATION = {
    "dest_url": "https://partner.example/inbound",
    "http_method": "PUT",
    "folder": "/opt/platform/certs",
}


def assert_rendered_for(response: TestResponse, *, htmx: bool) -> Page:
    page = page_of(response)
    assert page.is_full_page is not htmx
    if htmx:
        # Only the keystore step (the form's hx-target), the stepper out of band after it.
        assert page.html.lstrip().startswith('<section id="step-keystore"')
        assert "HX-Request" in response.headers.get("Vary", "")
    else:
        assert "Set up mutual TLS in three steps" in page.text
    return page


@pytest.fixture
def earlier_work(
    client: FlaskClient, keypair_uploads: dict[str, FormatCase], throwaway_pki
) -> FlaskClient:
    """A session with a keystore, a partner certificate and destination settings saved."""
    complete_keystore(
        client, keypair_uploads[GOOD_FILE].upload, alias="first-alias", filename="kept.jks"
    )
    page_of(upload_certificates(client, [(throwaway_pki.root_pem.read_bytes(), "partner.pem")]))
    assert client.post("/finish/settings", data=EARLIER_DESTINATION).status_code == 303
    return client


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
@pytest.mark.parametrize("name", IMPORT_CASES)
def test_import_error_is_shown_beside_its_field(
    name: str,
    htmx: bool,
    app: Flask,
    earlier_work: FlaskClient,
    keypair_uploads: dict[str, FormatCase],
    bad_key_files: dict[str, bytes],
):
    case = IMPORT_CASES[name]
    client = earlier_work
    # The import form shows only when no key pair is imported: "Use a different file" first.
    page_of(client.post("/keystore/reset", headers={"HX-Request": "true"}))

    response = import_key_pair(client, case.upload(keypair_uploads, bad_key_files), htmx=htmx)

    page = assert_rendered_for(response, htmx=htmx)
    assert_error_beside(page, case.field, case.message)
    assert len(page.errors()) == 1, page.errors()
    assert page.field("key_password") is not None  # the form is still there to try again
    assert KEYSTORE_PASSWORD not in page.html
    state = saved_state(client, app)
    assert state is not None
    assert len(state["truststore"]["certs"]) == 1
    assert state["destination"] == {
        "url": EARLIER_DESTINATION["dest_url"],
        "method": "PUT",
        "folder": EARLIER_DESTINATION["folder"],
    }


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
@pytest.mark.parametrize("name", SETTINGS_CASES)
def test_settings_error_is_shown_beside_its_field(
    name: str, htmx: bool, app: Flask, earlier_work: FlaskClient
):
    case = SETTINGS_CASES[name]
    assert case.settings is not None
    client = earlier_work

    response = keystore_settings(
        client, alias="second-alias", filename="kept.jks", htmx=htmx, **case.settings
    )

    page = assert_rendered_for(response, htmx=htmx)
    assert_error_beside(page, case.field, case.message)
    assert len(page.errors()) == 1, page.errors()
    # What the user typed is kept in the form, passwords excepted (never echoed).
    assert page.field("alias").attrs["value"] == "second-alias"
    assert page.field("keystore_filename").attrs["value"] == "kept.jks"
    assert "value" not in page.field("keystore_password").attrs
    assert case.settings["password"] not in page.html
    # The imported key pair and the password saved earlier still make a keystore.
    assert "Shared Client ec256" in page.text
    keystore = download(client, "/keystore/download")
    assert jks.KeyStore.loads(keystore.data, KEYSTORE_PASSWORD).private_keys.keys() == {
        "second-alias"
    }


def test_a_new_password_replaces_the_saved_one_once_confirmed(
    app: Flask, earlier_work: FlaskClient
):
    page_of(keystore_settings(earlier_work, alias="first-alias", password="Replacement-1"))
    keystore = download(earlier_work, "/keystore/download")
    assert jks.KeyStore.loads(keystore.data, "Replacement-1").private_keys.keys() == {"first-alias"}


def test_live_preview_while_typing_shows_no_error_noise(earlier_work: FlaskClient):
    response = earlier_work.post(
        "/keystore/settings?live=1",
        headers={"HX-Request": "true"},
        data={"alias": "first-alias", "keystore_password": "ab", "confirm_keystore_password": ""},
    )
    page = page_of(response)
    assert page.html.lstrip().startswith('<div id="keystore-result"')
    assert page.errors() == {}
    assert "Download keystore" in page.links()  # the saved password still holds


def test_a_fresh_session_gets_the_same_error_without_earlier_work(
    client: FlaskClient, bad_key_files: dict[str, bytes]
):
    page = page_of(import_key_pair(client, Upload(bad_key_files["random"], "x.pfx")))
    assert_error_beside(page, "key_file", "This is not a key pair file we can read.")


def test_settings_before_any_import_ask_for_the_file_first(client: FlaskClient):
    page = page_of(keystore_settings(client, alias="x"))
    assert_error_beside(page, "key_file", "Import your key pair file first.")
