"""Issue 14 over HTTP: PKCS#12 stores and the settings for other Java setups.

Two users run the whole procedure once each (module fixture): one chooses **PKCS#12** for
both stores, one keeps a JKS keystore with a PKCS#12 truststore. The JDK judges what they
download (keytool -list with the store type, and a Java mutual-TLS handshake with the types
the snippets name); the snippets in the zip are parsed back with readers written from each
format's rules and must name exactly the files, passwords and types that were built.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import ThrowawayPki, app_config_for
from tests.support.config_formats import read_block_yaml, read_properties, read_shell_words
from tests.support.java import keytool_list, run_mtls_client
from tests.support.tls_server import LocalTLSServer
from webapp import create_app

from .conftest import FormatCase
from .page import Page, assert_error_beside
from .procedure import (
    HTMX,
    KEYSTORE_PASSWORD,
    TRUSTSTORE_PASSWORD,
    attachment_name,
    download,
    import_key_pair,
    page_of,
    saved_state,
    truststore_settings,
    upload_certificates,
)

GOOD_FILE = "p12-openssl-modern-ec256"
FOLDER = "/opt/app/tls"
PKCS12_RULE = "For a PKCS#12 store, use only letters a-z"
NON_ASCII_PASSWORD = "Passwört-€-2026"
SNIPPET_FILES = [
    "spring-ssl-bundle.yaml",
    "spring-ssl-bundle.properties",
    "jvm-options.txt",
    "SslContextExample.java",
]
JAVA_TYPES = {"jks": "JKS", "pkcs12": "PKCS12"}


def import_ok(client: FlaskClient, case: FormatCase) -> Page:
    page = page_of(import_key_pair(client, case.upload))
    assert not page.errors(), page.errors()
    return page


def keystore_form(
    client: FlaskClient,
    *,
    fmt: str | None,
    password: str = KEYSTORE_PASSWORD,
    filename: str = "",
    live: bool = False,
) -> TestResponse:
    data = {
        "alias": "client",
        "keystore_password": password,
        "confirm_keystore_password": password,
        "keystore_filename": filename,
    }
    if fmt is not None:
        data["keystore_format"] = fmt
    url = "/keystore/settings" + ("?live=1" if live else "")
    return client.post(url, headers=HTMX, data=data)


def contents(data: bytes, fmt: str, password: str) -> set[bytes]:
    """The certificates in a PKCS#12 store, read by cryptography; for JKS, its magic number."""
    if fmt == "jks":
        assert data.startswith(b"\xfe\xed\xfe\xed"), "not a JKS file"
        return {b"jks"}
    store = pkcs12.load_pkcs12(data, password.encode())
    certs = [store.cert.certificate] if store.cert else []
    certs += [c.certificate for c in store.additional_certs]
    return {c.fingerprint(hashes.SHA256()) for c in certs}


@dataclass
class Journey:
    keystore_format: str
    truststore_format: str
    app: Flask
    client: FlaskClient
    keystore: TestResponse
    truststore: TestResponse
    config: dict
    finish_page: Page
    members: dict[str, bytes]  # the zip's files by name


def run_journey(
    folder: Path, pki: ThrowawayPki, case: FormatCase, keystore_format: str, truststore_format: str
) -> Journey:
    app = create_app(app_config_for(folder, pki))
    client = app.test_client()
    import_ok(client, case)
    page = page_of(keystore_form(client, fmt=keystore_format))
    assert not page.errors(), page.errors()
    uploaded = page_of(upload_certificates(client, [(pki.server_chain.read_bytes(), "p.pem")]))
    form = truststore_settings(client, uploaded)  # JKS: then switched below, like a user would
    assert not page_of(form).errors()
    switched = client.post(
        "/truststore/settings",
        headers=HTMX,
        data={
            **{f.attrs["name"]: "on" for f in uploaded.fields("include-")},
            **{f.attrs["name"]: f.attrs.get("value", "") for f in uploaded.fields("alias-")},
            "truststore_format": truststore_format,
            "truststore_filename": "truststore.jks",
            "truststore_password": "",
            "confirm_truststore_password": "",
        },
    )
    assert not page_of(switched).errors(), page_of(switched).errors()
    finish_page = page_of(
        client.post(
            "/finish/settings",
            headers=HTMX,
            data={
                "dest_url": "https://partner.example/in",
                "http_method": "POST",
                "folder": FOLDER,
            },
        )
    )
    assert not finish_page.errors(), finish_page.errors()
    bundle = download(client, "/finish/bundle.zip")
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return Journey(
        keystore_format,
        truststore_format,
        app,
        client,
        download(client, "/keystore/download"),
        download(client, "/truststore/download"),
        download(client, "/finish/destination.json").json,
        finish_page,
        members,
    )


@pytest.fixture(scope="module")
def journeys(
    tmp_path_factory: pytest.TempPathFactory,
    throwaway_pki: ThrowawayPki,
    keypair_uploads: dict[str, FormatCase],
) -> Iterator[dict[str, Journey]]:
    runs = {"both-pkcs12": ("pkcs12", "pkcs12"), "mixed": ("jks", "pkcs12")}
    made = {
        name: run_journey(
            tmp_path_factory.mktemp(name), throwaway_pki, keypair_uploads[GOOD_FILE], *formats
        )
        for name, formats in runs.items()
    }
    yield made
    for journey in made.values():
        journey.app.extensions["mtls_vault"].close()


# --- the choice on the page -----------------------------------------------------------------
def test_each_store_offers_jks_and_pkcs12_with_jks_chosen(
    client: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    page = import_ok(client, keypair_uploads[GOOD_FILE])
    assert "Keystore format" in page.text
    assert page.label_for("keystore_format-jks") == "JKS"
    assert page.label_for("keystore_format-pkcs12") == "PKCS#12"
    assert page.by_id("keystore_format-jks").checked
    assert not page.by_id("keystore_format-pkcs12").checked
    note = page.by_id("keystore_format-pkcs12-note")
    assert note is not None and "hidden" in note.attrs


def test_the_truststore_step_offers_the_choice_too(journeys: dict[str, Journey]):
    client = journeys["mixed"].client
    page = page_of(client.post("/step/truststore", headers=HTMX))
    assert "Truststore format" in page.text
    assert page.label_for("truststore_format-pkcs12") == "PKCS#12"
    assert page.by_id("truststore_format-pkcs12").checked
    assert "hidden" not in page.by_id("truststore_format-pkcs12-note").attrs


# --- file names follow the format -------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "fmt", "saved"),
    [
        ("", "pkcs12", "keystore.p12"),
        ("keystore.jks", "pkcs12", "keystore.p12"),  # the default, shown before the switch
        ("partner-ks.jks", "pkcs12", "partner-ks.p12"),  # a name we gave, before the switch
        ("partner-ks", "pkcs12", "partner-ks.p12"),
        ("partner-ks.pfx", "pkcs12", "partner-ks.pfx"),  # the other PKCS#12 extension stays
        ("keystore.p12", "jks", "keystore.jks"),
        ("my.keys", "pkcs12", "my.keys.p12"),
    ],
)
def test_the_file_name_takes_the_formats_extension(
    typed: str,
    fmt: str,
    saved: str,
    app: Flask,
    client: FlaskClient,
    keypair_uploads: dict[str, FormatCase],
):
    import_ok(client, keypair_uploads[GOOD_FILE])
    page = page_of(keystore_form(client, fmt=fmt, filename=typed))
    assert not page.errors(), page.errors()
    state = saved_state(client, app)
    assert state["keystore"]["filename"] == saved and state["keystore"]["format"] == fmt
    built = download(client, "/keystore/download")
    assert attachment_name(built) == saved and built.mimetype == "application/octet-stream"


def test_the_live_preview_saves_the_format_and_renames_the_file(
    app: Flask, client: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    import_ok(client, keypair_uploads[GOOD_FILE])
    assert not page_of(keystore_form(client, fmt="jks")).errors()
    live = page_of(
        keystore_form(client, fmt="pkcs12", password="", filename="keystore.jks", live=True)
    )
    assert "Your keystore is ready" in live.text
    assert saved_state(client, app)["keystore"]["filename"] == "keystore.p12"
    assert attachment_name(download(client, "/keystore/download")) == "keystore.p12"


def test_an_unknown_format_is_refused_beside_the_choice(
    client: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    import_ok(client, keypair_uploads[GOOD_FILE])
    page = page_of(keystore_form(client, fmt="bks"))
    assert page.error("keystore_format") == "Choose JKS or PKCS#12."


# --- the PKCS#12 password rule ----------------------------------------------------------------
def test_a_non_ascii_password_is_refused_for_pkcs12_beside_the_field(
    app: Flask, client: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    import_ok(client, keypair_uploads[GOOD_FILE])
    page = page_of(keystore_form(client, fmt="pkcs12", password=NON_ASCII_PASSWORD))
    assert_error_beside(page, "keystore_password", PKCS12_RULE)
    assert page.by_id("keystore_format-pkcs12").checked, "the choice is kept as made"
    assert "keystore_password" not in (saved_state(client, app) or {}).get("keystore", {})
    # The same password is fine for JKS.
    assert not page_of(keystore_form(client, fmt="jks", password=NON_ASCII_PASSWORD)).errors()


def test_pkcs12_over_a_saved_non_ascii_password_asks_for_a_new_one(
    app: Flask, client: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    import_ok(client, keypair_uploads[GOOD_FILE])
    assert not page_of(keystore_form(client, fmt="jks", password=NON_ASCII_PASSWORD)).errors()
    page = page_of(keystore_form(client, fmt="pkcs12", password=""))
    assert_error_beside(page, "keystore_password", PKCS12_RULE)
    # Not offered as ready: the download would fail in Java.
    assert client.get("/keystore/download").status_code == 409
    assert not page_of(keystore_form(client, fmt="pkcs12")).errors()
    assert attachment_name(download(client, "/keystore/download")) == "keystore.p12"


def test_the_truststore_password_follows_the_same_rule(journeys: dict[str, Journey]):
    client = journeys["mixed"].client
    page = page_of(client.post("/step/truststore", headers=HTMX))
    response = client.post(
        "/truststore/settings",
        headers=HTMX,
        data={
            **{f.attrs["name"]: "on" for f in page.fields("include-")},
            "truststore_format": "pkcs12",
            "truststore_filename": "truststore.p12",
            "truststore_password": NON_ASCII_PASSWORD,
            "confirm_truststore_password": NON_ASCII_PASSWORD,
        },
    )
    assert_error_beside(page_of(response), "truststore_password", PKCS12_RULE)


# --- what the journeys built ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["both-pkcs12", "mixed"])
def test_downloads_and_config_name_the_built_files(name: str, journeys: dict[str, Journey]):
    journey = journeys[name]
    ks_ext = ".p12" if journey.keystore_format == "pkcs12" else ".jks"
    assert attachment_name(journey.keystore) == f"keystore{ks_ext}"
    assert attachment_name(journey.truststore) == "truststore.p12"
    for response in (journey.keystore, journey.truststore):
        assert response.mimetype == "application/octet-stream"
    assert journey.config == {
        "url": "https://partner.example/in",
        "method": "POST",
        "keystoreFile": f"{FOLDER}/keystore{ks_ext}",
        "keystorePass": KEYSTORE_PASSWORD,
        "truststoreFile": f"{FOLDER}/truststore.p12",
        "truststorePass": TRUSTSTORE_PASSWORD,
    }
    # The zip's stores are built afresh (PKCS#12 salts differ): the same format and contents.
    pairs = [
        (
            journey.members[f"keystore{ks_ext}"],
            journey.keystore.data,
            journey.keystore_format,
            KEYSTORE_PASSWORD,
        ),
        (journey.members["truststore.p12"], journey.truststore.data, "pkcs12", TRUSTSTORE_PASSWORD),
    ]
    for zipped, downloaded, fmt, password in pairs:
        assert contents(zipped, fmt, password) == contents(downloaded, fmt, password)
    assert json.loads(journey.members["destination.json"]) == journey.config


def test_a_pkcs12_keystore_opens_as_pkcs12_with_its_password(journeys: dict[str, Journey]):
    key, cert, chain = pkcs12.load_key_and_certificates(
        journeys["both-pkcs12"].keystore.data, KEYSTORE_PASSWORD.encode()
    )
    assert key is not None and cert is not None and len(chain) == 2


@pytest.mark.parametrize("name", ["both-pkcs12", "mixed"])
def test_the_zip_has_the_snippets_and_they_name_what_was_built(
    name: str, journeys: dict[str, Journey]
):
    journey = journeys[name]
    assert set(SNIPPET_FILES) <= set(journey.members)
    ks_type, ts_type = (JAVA_TYPES[journey.keystore_format], JAVA_TYPES[journey.truststore_format])
    ks_file, ts_file = journey.config["keystoreFile"], journey.config["truststoreFile"]
    expected = {
        "keystore": {"location": f"file:{ks_file}", "password": KEYSTORE_PASSWORD, "type": ks_type},
        "truststore": {
            "location": f"file:{ts_file}",
            "password": TRUSTSTORE_PASSWORD,
            "type": ts_type,
        },
    }
    yaml = read_block_yaml(journey.members["spring-ssl-bundle.yaml"].decode())
    assert yaml["spring"]["ssl"]["bundle"]["jks"]["partner"] == expected
    properties = read_properties(journey.members["spring-ssl-bundle.properties"].decode())
    assert properties == {
        f"spring.ssl.bundle.jks.partner.{store}.{key}": value
        for store, values in expected.items()
        for key, value in values.items()
    }
    words = read_shell_words(journey.members["jvm-options.txt"].decode())
    assert dict(word.removeprefix("-Djavax.net.ssl.").split("=", 1) for word in words) == {
        "keyStore": ks_file,
        "keyStorePassword": KEYSTORE_PASSWORD,
        "keyStoreType": ks_type,
        "trustStore": ts_file,
        "trustStorePassword": TRUSTSTORE_PASSWORD,
        "trustStoreType": ts_type,
    }
    java = journey.members["SslContextExample.java"].decode()
    assert f'KeyStore keyStore = KeyStore.getInstance("{ks_type}");' in java
    assert f'KeyStore trustStore = KeyStore.getInstance("{ts_type}");' in java
    assert f'Path.of("{ks_file}")' in java and f'Path.of("{ts_file}")' in java


def test_the_finish_step_shows_the_snippets_masked_and_copies_them_real(
    journeys: dict[str, Journey],
):
    journey = journeys["both-pkcs12"]
    page = journey.finish_page
    assert "Settings for other Java setups" in page.text
    for key in ("spring-yaml", "spring-properties", "jvm", "java"):
        assert page.by_id(f"snippet-{key}") is not None, key
    assert KEYSTORE_PASSWORD not in page.html and TRUSTSTORE_PASSWORD not in page.html
    assert "keyStorePassword=••••••••" in page.by_id("snippet-jvm").text
    assert "check that the platform can read PKCS#12" in page.text
    copied = download(journey.client, "/finish/snippets/spring-properties")
    assert copied.data == journey.members["spring-ssl-bundle.properties"]
    assert attachment_name(copied) == "spring-ssl-bundle.properties"
    assert journey.client.get("/finish/snippets/nothing").status_code == 404


def test_no_pkcs12_note_when_both_stores_are_jks(
    client: FlaskClient, keypair_uploads: dict[str, FormatCase], throwaway_pki: ThrowawayPki
):
    from .test_security import finish_everything

    finish_everything(client, keypair_uploads, throwaway_pki)
    page = page_of(client.post("/step/finish", headers=HTMX))
    assert "Settings for other Java setups" in page.text
    assert "check that the platform can read PKCS#12" not in page.text
    assert client.get("/finish/snippets/jvm").text.count("JKS") == 2


@pytest.mark.java
@pytest.mark.parametrize("name", ["both-pkcs12", "mixed"])
def test_java_reads_the_stores_as_their_format_and_does_mutual_tls(
    name: str, journeys: dict[str, Journey], throwaway_pki: ThrowawayPki, tmp_path: Path
):
    journey = journeys[name]
    ks_type, ts_type = (JAVA_TYPES[journey.keystore_format], JAVA_TYPES[journey.truststore_format])
    keystore = tmp_path / attachment_name(journey.keystore)
    truststore = tmp_path / attachment_name(journey.truststore)
    keystore.write_bytes(journey.keystore.data)
    truststore.write_bytes(journey.truststore.data)
    listing = keytool_list(keystore, journey.config["keystorePass"], storetype=ks_type)
    assert listing.entries == {"client": ("PrivateKeyEntry", 3)}
    trusted = keytool_list(truststore, journey.config["truststorePass"], storetype=ts_type)
    assert trusted.entries and set(trusted.entries.values()) == {("trustedCertEntry", 1)}
    pki = throwaway_pki
    with LocalTLSServer(
        cert_chain=pki.server_chain, key=pki.server_key, client_ca=pki.root_pem
    ) as server:
        result = run_mtls_client(
            "127.0.0.1",
            server.port,
            keystore,
            journey.config["keystorePass"],
            truststore,
            journey.config["truststorePass"],
            keystore_type=ks_type,
            truststore_type=ts_type,
        )
    assert result.returncode == 0, result.stderr
    assert result.field("client-certificate") == "CN=Shared Client ec256,O=mtls-kit tests"


def test_work_saved_before_the_choice_existed_reads_as_jks():
    from webapp.state import State

    restored = State.from_record(
        {
            "version": 2,
            "keystore": {"filename": "old.jks"},
            "truststore": {"filename": "old-trust.jks"},
        }
    )
    assert not restored.lost
    assert (restored.state.keystore.format, restored.state.truststore.format) == ("jks", "jks")
    assert restored.state.to_record()["keystore"]["format"] == "jks"
