"""Issue 10, hole 5: zip member and download names never come from raw input.

A typed alias named the certificate's zip member ("../../x.pem"); "CON.jks" was accepted;
the keystore and truststore could share a file name (two zip members of one name, and a
destination.json whose keystoreFile equals its truststoreFile).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki
from webapp.pki.java import FileNameError, clean_file_name, safe_file_name

from .conftest import FormatCase
from .page import assert_error_beside
from .procedure import HTMX, download, keystore_settings, page_of, saved_state
from .test_security import finish_everything

# keystore, truststore, destination.json, certificate, README.txt and the four settings
# snippets for other Java setups (issue 14), and reminder.ics (issue 13).
BUNDLE_MEMBERS = 10
HOSTILE_ALIASES = ["../../x", "/etc/cron.d/evil", "..\\..\\windows\\evil", "con", "a/../../b"]


def zip_names(response) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(response.data)).namelist()


def assert_safe_member(name: str) -> None:
    assert "/" not in name and "\\" not in name and not name.startswith("."), name
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}, name


@pytest.mark.parametrize("alias", HOSTILE_ALIASES)
def test_a_hostile_alias_never_becomes_a_zip_member_or_download_name(
    alias: str,
    client: FlaskClient,
    keypair_uploads: dict[str, FormatCase],
    throwaway_pki: ThrowawayPki,
):
    finish_everything(client, keypair_uploads, throwaway_pki)
    page = page_of(keystore_settings(client, alias=alias))
    if page.errors():  # refusing the alias outright is fine too
        return
    names = zip_names(download(client, "/finish/bundle.zip"))
    assert len(names) == len(set(names)) == BUNDLE_MEMBERS
    for name in names:
        assert_safe_member(name)
    certificate = download(client, "/keystore/certificate")
    disposition = certificate.headers["Content-Disposition"]
    assert "/" not in disposition and "\\" not in disposition and ".." not in disposition


@pytest.mark.parametrize("typed", ["CON.jks", "con", "NUL.jks", "com1.jks", "LPT9", "aux.txt"])
def test_reserved_windows_names_are_refused_beside_the_field(
    typed: str,
    client: FlaskClient,
    keypair_uploads: dict[str, FormatCase],
    throwaway_pki: ThrowawayPki,
):
    finish_everything(client, keypair_uploads, throwaway_pki)
    page = page_of(
        client.post(
            "/keystore/settings",
            headers=HTMX,
            data={
                "alias": "client",
                "keystore_filename": typed,
                "keystore_password": "",
                "confirm_keystore_password": "",
            },
        )
    )
    assert_error_beside(page, "keystore_filename", "reserves for a device")


def test_keystore_and_truststore_must_have_different_names(
    app: Flask,
    client: FlaskClient,
    keypair_uploads: dict[str, FormatCase],
    throwaway_pki: ThrowawayPki,
):
    finish_everything(client, keypair_uploads, throwaway_pki)
    page = page_of(
        client.post(
            "/keystore/settings",
            headers=HTMX,
            data={
                "alias": "client",
                "keystore_filename": "Truststore.jks",
                "keystore_password": "",
                "confirm_keystore_password": "",
            },
        )
    )
    assert_error_beside(page, "keystore_filename", "need different file names")
    state = saved_state(client, app)
    assert state["keystore"]["filename"].lower() != "truststore.jks"
    names = zip_names(download(client, "/finish/bundle.zip"))
    assert len(names) == len(set(n.lower() for n in names)) == BUNDLE_MEMBERS
    config = download(client, "/finish/destination.json").json
    assert config["keystoreFile"] != config["truststoreFile"]


def test_the_bundle_builder_itself_refuses_one_name_for_both_stores(
    app: Flask,
    client: FlaskClient,
    keypair_uploads: dict[str, FormatCase],
    throwaway_pki: ThrowawayPki,
):
    finish_everything(client, keypair_uploads, throwaway_pki)
    with app.app_context():  # a state saved before the rule (or by another client)
        from webapp.web.sessions import vault

        token = client.get_cookie(app.config["VAULT_COOKIE_NAME"]).value
        vault().update(token, lambda s: s["truststore"].update(filename="keystore.jks"))
    response = client.get("/finish/bundle.zip")
    assert response.status_code == 409
    assert "need different file names" in response.get_data(as_text=True)


def test_the_core_rules():
    with pytest.raises(FileNameError):
        clean_file_name("CON.jks", default="k.jks", extension=".jks")
    assert safe_file_name("../../x.pem", fallback="c.pem", extension=".pem") == "x.pem"
    assert safe_file_name("..\\..\\w\\e", fallback="c.pem", extension=".pem") == "w-e.pem"
    assert (
        safe_file_name("/etc/cron.d/evil", fallback="c.pem", extension=".pem")
        == "etc-cron.d-evil.pem"
    )
    assert safe_file_name("...", fallback="c.pem", extension=".pem") == "c.pem"
    assert safe_file_name("nul", fallback="c.pem", extension=".pem") == "nul-file.pem"
