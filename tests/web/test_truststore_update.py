"""Issue 13 over HTTP, truststore and finish side: open last year's truststore, compare it
with the partner's certificates as they are now, and the expiry reminder."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki
from tests.support.keytool_stores import STORE_PASSWORD, KeytoolStores
from tests.support.throwaway_pki import Issued, ThrowawayCA
from webapp.pki.java import build_truststore, open_store

from .page import assert_error_beside
from .procedure import (
    HTMX,
    complete_keystore,
    download,
    page_of,
    saved_state,
    upload_certificates,
)
from .renewal_support import open_keystore, open_truststore, store_of_many


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


# --- truststore -----------------------------------------------------------------------------


def test_open_truststore_then_upload_shows_the_differences(
    client: FlaskClient,
    app: Flask,
    keytool_stores: KeytoolStores,
    lifecycle_ca: ThrowawayCA,
    keypair_uploads,
):
    complete_keystore(client, keypair_uploads["p12-openssl-modern-ec256"].upload)
    page = page_of(
        open_truststore(
            client, keytool_stores.files["truststore.p12"], STORE_PASSWORD, name="truststore.p12"
        )
    )
    assert not page.errors(), page.errors()
    assert "from your old truststore" in page.text
    aliases = {f.attrs["value"] for f in page.fields("alias-")}
    assert {"partner root", "partner ca"} <= aliases
    # Kept password: ready to download at once, under its exact name and format (issue 20).
    response = download(client, "/truststore/download")
    assert response.headers["Content-Disposition"].endswith("filename=truststore.p12")
    assert open_store(response.data, STORE_PASSWORD).store_type == "PKCS12"
    # The partner renewed its intermediate: the root is unchanged, the old CA no longer sent.
    renewed = ThrowawayCA.__new__(ThrowawayCA)
    renewed.root = lifecycle_ca.root
    renewed.intermediate = ThrowawayCA._issue(
        lifecycle_ca.root, "Partner CA 2027", lifecycle_ca.intermediate.key, is_ca=True
    )
    page = page_of(
        upload_certificates(
            client, [(pem(renewed.intermediate.cert, lifecycle_ca.root.cert), "new.pem")]
        )
    )
    text = page.text
    assert "New." in text and "Unchanged." in text and "No longer sent by the server." in text
    assert "Keep it until the partner has switched over" in text
    store = open_store(download(client, "/truststore/download").data, STORE_PASSWORD)
    # Old aliases kept, the partner's new CA added, and the user's own chain as the procedure asks.
    assert set(store.aliases) == {
        "partner root",
        "partner ca",
        "partner-ca-2027",
        "shared-client-ec256",
        "mtls-kit-shared-test-root-intermediate",
        "mtls-kit-shared-test-root",
    }


def test_expired_certificates_are_left_out(
    client: FlaskClient, app: Flask, lifecycle_ca: ThrowawayCA
):
    now = dt.datetime.now(dt.UTC)
    old = lifecycle_ca.issue_client(
        "Expired Partner",
        key_kind="ec256",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=10),
    )
    data = build_truststore(
        entries=[("expired partner", old.cert), ("partner root", lifecycle_ca.root.cert)],
        password=STORE_PASSWORD,
    )
    page = page_of(open_truststore(client, data, STORE_PASSWORD))
    boxes = {b.attrs["id"]: b.checked for b in page.fields("include-")}
    assert sorted(boxes.values()) == [False, True]
    page = page_of(upload_certificates(client, [(pem(lifecycle_ca.root.cert), "root.pem")]))
    assert "Expired." in page.text and "Remove it: it has expired" in page.text
    # The partner sends an expired certificate too: it arrives unticked, as advised.
    stale = lifecycle_ca.issue_client(
        "Stale Partner",
        key_kind="ec256",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=1),
    )
    page = page_of(upload_certificates(client, [(pem(stale.cert), "stale.pem")]))
    boxes = {b.attrs["id"]: b.checked for b in page.fields("include-")}
    assert sorted(boxes.values()) == [False, False, True]
    assert not page.errors(), page.errors()


@pytest.mark.parametrize(
    "case, field, message",
    [
        (
            "wrong-password",
            "existing_truststore_password",
            "The password does not open this store.",
        ),
        ("not-a-store", "existing_truststore", "not a Java keystore"),
        ("jceks", "existing_truststore", "JCEKS"),
        ("keystore", "existing_truststore", "no trusted certificates"),
        ("many", "existing_truststore", "holds"),
        ("too-large", "existing_truststore", "too large"),
    ],
)
def test_bad_truststores(
    client: FlaskClient,
    app: Flask,
    keytool_stores: KeytoolStores,
    throwaway_pki: ThrowawayPki,
    keypair_uploads,
    case: str,
    field: str,
    message: str,
):
    complete_keystore(client, keypair_uploads["p12-openssl-modern-ec256"].upload)
    page_of(upload_certificates(client, [(throwaway_pki.root_pem.read_bytes(), "root.pem")]))
    before = saved_state(client, app)
    files = keytool_stores.files
    data, password = {
        "wrong-password": (files["truststore.jks"], "not-the-password"),
        "not-a-store": (b"\x30\x03\x02\x01\x00" * 40, STORE_PASSWORD),
        "jceks": (files["truststore.jceks"], STORE_PASSWORD),
        "keystore": (files["generated.p12"], STORE_PASSWORD),
        "many": (
            build_truststore(entries=store_of_many(500), password=STORE_PASSWORD),
            STORE_PASSWORD,
        ),
        "too-large": (b"\x00" * (2 * 1024 * 1024), STORE_PASSWORD),
    }[case]
    page = page_of(open_truststore(client, data, password))
    assert_error_beside(page, field, message)
    assert saved_state(client, app) == before
    assert "Shared Test Root" in page.text, "the uploaded certificate is no longer listed"


# --- reminder -------------------------------------------------------------------------------


def test_reminder_in_bundle_and_on_its_own(
    client: FlaskClient, keytool_stores: KeytoolStores, lifecycle_client: Issued
):
    page_of(open_keystore(client, keytool_stores.files["imported.jks"], STORE_PASSWORD))
    page = page_of(open_truststore(client, keytool_stores.files["truststore.jks"], STORE_PASSWORD))
    assert not page.errors()
    page = page_of(
        client.post(
            "/finish/settings",
            headers=HTMX,
            data={"dest_url": "https://partner.example/in", "folder": ""},
        )
    )
    assert page.links()["Download reminder"] == "/finish/reminder.ics"
    ics = download(client, "/finish/reminder.ics")
    assert ics.mimetype == "text/calendar"
    assert ics.data.startswith(b"BEGIN:VCALENDAR") and b"BEGIN:VEVENT" in ics.data
    with zipfile.ZipFile(io.BytesIO(download(client, "/finish/bundle.zip").data)) as bundle:
        assert b"BEGIN:VEVENT" in bundle.read("reminder.ics")
        readme = bundle.read("README.txt").decode()
    earliest = min(c.not_valid_after_utc for c in lifecycle_client.full_chain)
    assert f"{earliest:%d %B %Y}" in readme and "reminder.ics" in readme


def test_reminder_not_ready(client: FlaskClient):
    assert client.get("/finish/reminder.ics").status_code == 409
