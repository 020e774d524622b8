"""Issue 20 over HTTP: one rule for "ready", for every path.

- a certificate whose issuer cannot be found is a choice ("Create it with my certificate
  alone"), never a dead end, and Java connects with it when the server trusts that issuer;
- the placeholder of a key generated here is never ready: nothing to send, no Finish files;
- the Destination URL must be https://;
- the fetched certificates belong to the address shown, and a truststore needs a partner
  certificate;
- renewing keeps what the platform reads and shows old → new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki, app_config_for
from tests.support.connection_scenarios import ScenarioPki, make_pki
from tests.support.keytool_stores import STORE_PASSWORD, KeytoolStores
from tests.support.throwaway_pki import Issued, ThrowawayCA, new_key
from tests.support.tls_server import LocalTLSServer
from webapp import create_app
from webapp.pki.java import build_keystore, build_truststore, open_store
from webapp.pki.java.destination_url import NOT_HTTPS
from webapp.pki.java.readiness import ALONE_NOT_CHOSEN, PLACEHOLDER_MESSAGE

from .conftest import FormatCase, cryptography_p12
from .page import Page, assert_error_beside
from .procedure import (
    HTMX,
    KEYSTORE_PASSWORD,
    TRUSTSTORE_PASSWORD,
    Upload,
    complete_keystore,
    download,
    file_part,
    import_key_pair,
    keystore_settings,
    page_of,
    post_multipart,
    saved_state,
    truststore_settings,
    upload_certificates,
)
from .renewal_support import ca_reply, open_keystore, open_truststore, sign_request
from .test_client_chain_completion import finish_and_test

ALONE = "Create it with my certificate alone"
KEPT = "Download keystore (keeps your new key until the CA answers)"


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@pytest.fixture(scope="module")
def pki() -> ScenarioPki:
    return make_pki()


@pytest.fixture
def app(tmp_path: Path, throwaway_pki: ThrowawayPki) -> Iterator[Flask]:
    app = create_app(app_config_for(tmp_path, throwaway_pki))
    yield app
    app.extensions["mtls_vault"].close()


def issued_by_root(ca: ThrowawayCA, name: str) -> Issued:
    """A client certificate signed by the root itself: common with private CAs."""
    return ThrowawayCA._issue(ca.root, name, new_key("ec256"), eku=ExtendedKeyUsageOID.CLIENT_AUTH)


def sign_by_root(ca: ThrowawayCA, csr: x509.CertificateSigningRequest) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca.root.cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca.root.key, hashes.SHA256())  # type: ignore[arg-type]
    )


def leaf_only_p12(issued: Issued, password: str) -> bytes:
    """A .p12 with the key and its certificate, none of the certificates above it."""
    return pkcs12.serialize_key_and_certificates(
        b"direct",
        issued.key,  # type: ignore[arg-type]
        issued.cert,
        None,
        serialization.BestAvailableEncryption(password.encode()),
    )


def tick_alone(client: FlaskClient, *, alias: str = "", ticked: bool = True) -> Page:
    data = {
        "alias": alias,
        "keystore_password": KEYSTORE_PASSWORD,
        "confirm_keystore_password": KEYSTORE_PASSWORD,
        "chain_alone_asked": "1",
    }
    if ticked:
        data["chain_alone"] = "on"
    return page_of(client.post("/keystore/settings", headers=HTMX, data=data))


def assert_alone_is_offered(page: Page, issuer: str) -> None:
    chain = page.by_id("chain-alone")
    assert chain is not None, "no explanation of the certificate sent alone"
    assert (
        f"Java will send your certificate alone. That works when the partner already trusts "
        f"‘{issuer}’. Tick “{ALONE}” to create the keystore anyway; Test connection in step 3 "
        "will tell whether the partner accepts it."
    ) in chain.text
    assert f"We could not find the certificate of ‘{issuer}’" in chain.text
    assert "intermediate" not in chain.text.lower()  # we never saw it: root or intermediate?
    assert page.label_for("chain_alone") == ALONE


# --- a certificate alone: a choice, never a dead end ---------------------------------------


@pytest.mark.java
def test_leaf_alone_is_a_choice_and_java_connects(
    app: Flask, pki: ScenarioPki, tmp_path: Path
) -> None:
    client = app.test_client()
    leaf = issued_by_root(pki.client_ca, "Client One Direct")
    upload = Upload(leaf_only_p12(leaf, "p12-pw"), "direct.p12", "p12-pw")
    imported = page_of(import_key_pair(client, upload))
    assert_alone_is_offered(imported, "Client Root (mtls-kit tests)")
    assert "Until then the keystore cannot be created" not in imported.text

    refused = tick_alone(client, alias="direct", ticked=False)
    assert_error_beside(refused, "chain_alone", ALONE_NOT_CHOSEN)
    assert "Download keystore" not in refused.links()
    assert client.get("/keystore/download").status_code == 409

    ready = tick_alone(client, alias="direct")
    assert not ready.errors(), ready.errors()
    assert "Your keystore is ready." in ready.text
    assert "It holds your certificate alone, as you chose." in ready.text
    store = open_store(download(client, "/keystore/download").data, KEYSTORE_PASSWORD)
    assert store.key_entry().chain == (leaf.cert,)
    finish_and_test(client, app, pki, tmp_path)


def test_the_choice_is_forgotten_with_the_key_pair(app: Flask, pki: ScenarioPki) -> None:
    client = app.test_client()
    leaf = issued_by_root(pki.client_ca, "Client One Direct")
    upload = Upload(leaf_only_p12(leaf, "p12-pw"), "direct.p12", "p12-pw")
    page_of(import_key_pair(client, upload))
    tick_alone(client, alias="direct")
    assert saved_state(client, app)["keystore"]["alone_confirmed"] is True
    page_of(import_key_pair(client, upload))  # the same file again: choose again
    assert client.get("/keystore/download").status_code == 409


# --- the placeholder is never ready ---------------------------------------------------------


def generate(client: FlaskClient) -> Page:
    return page_of(
        client.post(
            "/keystore/generate",
            headers=HTMX,
            data={
                "organisation": "Example Ltd",
                "common_name": "Client One Reply",
                "key_type": "ec-p256",
            },
        )
    )


@pytest.mark.java
def test_placeholder_offers_nothing_to_send_and_a_leaf_only_reply_works(
    app: Flask, pki: ScenarioPki, tmp_path: Path
) -> None:
    client = app.test_client()
    generate(client)
    page = page_of(keystore_settings(client, alias="reply"))
    assert PLACEHOLDER_MESSAGE in page.text
    links = page.links()
    assert KEPT in links and "Download certificate request" in links
    assert "Download keystore" not in links  # the plain one is for a ready keystore
    assert "Download certificate" not in links and "Download partner kit" not in links
    assert "Send to the partner" not in page.text
    assert "Step 1: Keystore (done)" not in page.text and "✓" not in page.text
    for url in (
        "/keystore/certificate-chain.pem",
        "/keystore/certificate",
        "/connection/partner-kit",
    ):
        assert client.get(url).status_code == 409, url
    kept = open_store(download(client, "/keystore/download").data, KEYSTORE_PASSWORD)
    assert len(kept.key_entry().chain) == 1  # the placeholder, kept for the CA's reply

    # With a finished truststore, Finish still offers nothing: no config, no zip.
    uploaded = page_of(upload_certificates(client, [(pem(pki.server_ca.root.cert), "p.pem")]))
    finished = page_of(truststore_settings(client, uploaded))
    assert "Download all" not in finished.links() and "Download config" not in finished.links()
    for url in ("/finish/destination.json", "/finish/bundle.zip", "/finish/reminder.ics"):
        assert client.get(url).status_code == 409, url
    # The placeholder is not the user's certificate yet: it joins no truststore.
    trusted = open_store(download(client, "/truststore/download").data, TRUSTSTORE_PASSWORD)
    assert [e.certificate for e in trusted.entries] == [pki.server_ca.root.cert]

    # The CA answers with the certificate alone, signed by its root.
    csr = x509.load_pem_x509_csr(download(client, "/keystore/request.csr").data)
    answered = page_of(ca_reply(client, pem(sign_by_root(pki.client_ca, csr))))
    assert not answered.errors(), answered.errors()
    assert PLACEHOLDER_MESSAGE not in answered.text
    assert_alone_is_offered(answered, "Client Root (mtls-kit tests)")
    assert client.get("/keystore/download").status_code == 409
    ready = tick_alone(client, alias="reply")
    assert not ready.errors(), ready.errors()
    finish_and_test(client, app, pki, tmp_path)


def test_ca_reply_takes_several_files_at_once(
    client: FlaskClient, keytool_stores: KeytoolStores, lifecycle_ca: ThrowawayCA
) -> None:
    page_of(open_keystore(client, keytool_stores.files["generated.jks"], STORE_PASSWORD))
    entry = open_store(keytool_stores.files["generated.jks"], STORE_PASSWORD).key_entry()
    signed = sign_request(lifecycle_ca, entry.certificate.subject, entry.certificate.public_key())
    files = [
        ("ca_reply", file_part(pem(signed), "signed.pem")),
        ("ca_reply", file_part(pem(lifecycle_ca.intermediate.cert), "intermediate.pem")),
        (
            "ca_reply",
            file_part(lifecycle_ca.root.cert.public_bytes(serialization.Encoding.DER), "root.cer"),
        ),
    ]
    page = page_of(post_multipart(client, "/keystore/ca-reply", files, headers=HTMX))
    assert not page.errors(), page.errors()
    assert page.field("ca_reply") is None or "multiple" in page.field("ca_reply").attrs
    store = open_store(download(client, "/keystore/download").data, STORE_PASSWORD)
    assert store.key_entry().chain == (
        signed,
        lifecycle_ca.intermediate.cert,
        lifecycle_ca.root.cert,
    )


# --- the Destination URL must be https:// ----------------------------------------------------


def finished_stores(client: FlaskClient, upload: Upload, throwaway_pki: ThrowawayPki) -> None:
    complete_keystore(client, upload)
    uploaded = page_of(upload_certificates(client, [(pem(throwaway_pki.ca.root.cert), "r.pem")]))
    assert not page_of(truststore_settings(client, uploaded)).errors()


@pytest.mark.parametrize("url", ["http://partner.example/in", "HTTP://partner.example", "ftp://x"])
def test_http_destination_is_refused_and_never_saved(
    app: Flask,
    throwaway_pki: ThrowawayPki,
    keypair_uploads: dict[str, FormatCase],
    url: str,
) -> None:
    client = app.test_client()
    finished_stores(client, keypair_uploads["p12-openssl-modern-ec256"].upload, throwaway_pki)
    good = "https://partner.example/in"
    page_of(client.post("/finish/settings", headers=HTMX, data={"dest_url": good}))
    refused = page_of(client.post("/finish/settings", headers=HTMX, data={"dest_url": url}))
    assert_error_beside(refused, "dest_url", NOT_HTTPS)
    assert saved_state(client, app)["destination"]["url"] == good
    live = page_of(client.post("/finish/settings?live=1", headers=HTMX, data={"dest_url": url}))
    assert NOT_HTTPS in live.text and "Download config" not in live.links()
    config = download(client, "/finish/destination.json").json
    assert config["url"] == good
    tested = page_of(client.post("/connection/test", headers=HTMX, data={"dest_url": url}))
    assert_error_beside(tested, "dest_url", NOT_HTTPS)
    assert saved_state(client, app)["destination"]["url"] == good


# --- the fetched certificates belong to the address shown -----------------------------------


def test_failed_fetch_for_a_new_address_clears_the_old_hosts_certificates(
    app: Flask, throwaway_pki: ThrowawayPki, keypair_uploads: dict[str, FormatCase]
) -> None:
    client = app.test_client()
    pki = throwaway_pki
    complete_keystore(client, keypair_uploads["p12-openssl-modern-ec256"].upload)
    other = ThrowawayCA("Uploaded Partner Root", key_kind="ec256").root.cert
    page_of(upload_certificates(client, [(pem(other), "uploaded.pem")]))
    with LocalTLSServer(
        cert_chain=pki.server_chain, key=pki.server_key, client_ca=pki.root_pem
    ) as server:
        url = f"https://127.0.0.1:{server.port}/in"
        fetched = page_of(client.post("/truststore/fetch", headers=HTMX, data={"server_url": url}))
        assert not fetched.errors(), fetched.errors()
    before = saved_state(client, app)["truststore"]
    assert {c["source"] for c in before["certs"]} >= {"server", "upload"}
    # The same address failing (the server stopped) keeps what it sent.
    same = page_of(client.post("/truststore/fetch", headers=HTMX, data={"server_url": url}))
    assert "We removed" not in (same.error("server_url") or "")
    # A new address that fails: the old address's certificates go, the upload stays.
    failed = page_of(
        client.post("/truststore/fetch", headers=HTMX, data={"server_url": "https://127.0.0.1:1/"})
    )
    assert_error_beside(
        failed,
        "server_url",
        f"We removed the certificates fetched from {before['fetch']['url']}: they belong to "
        "that address.",
    )
    after = saved_state(client, app)["truststore"]
    assert [c["source"] for c in after["certs"]] == ["upload"]
    assert "fetch" not in after
    assert "127.0.0.1" not in " ".join(e.text for e in failed.elements if e.tag == "label")


def test_a_truststore_of_only_your_own_chain_is_not_ready(
    app: Flask, throwaway_pki: ThrowawayPki, keypair_uploads: dict[str, FormatCase]
) -> None:
    client = app.test_client()
    complete_keystore(client, keypair_uploads["p12-openssl-modern-ec256"].upload)
    partner = ThrowawayCA("Partner Only Root", key_kind="ec256").root.cert
    uploaded = page_of(upload_certificates(client, [(pem(partner), "partner.pem")]))
    key = partner.fingerprint(hashes.SHA256()).hex()
    refused = page_of(truststore_settings(client, uploaded, exclude={key}))
    message = "Include at least one of the partner's certificates."
    assert message in (refused.error("certificates") or ""), refused.errors()
    boxes = refused.fields("include-")
    assert boxes and all(b.attrs.get("aria-invalid") == "true" for b in boxes)
    assert client.get("/truststore/download").status_code == 409


# --- renewal keeps what the platform reads --------------------------------------------------


def test_an_opened_certificate_due_for_renewal_waits_for_renewal_or_confirmation(
    client: FlaskClient, keytool_stores: KeytoolStores
) -> None:
    # keytool -genkeypair -validity 30: within the 30-day reminder window.
    page = page_of(
        open_keystore(client, keytool_stores.files["generated.p12"], STORE_PASSWORD, name="old.p12")
    )
    assert "Your certificate expires on" in page.text
    assert page.label_for("validity_confirmed") == (
        "Keep this certificate for now; create the keystore anyway"
    )
    assert "Download keystore" not in page.links()
    assert client.get("/keystore/download").status_code == 409
    confirmed = page_of(
        client.post(
            "/keystore/settings",
            headers=HTMX,
            data={
                "alias": "old client",
                "keystore_filename": "old.p12",
                "validity_asked": "1",
                "validity_confirmed": "on",
            },
        )
    )
    assert not confirmed.errors(), confirmed.errors()
    response = download(client, "/keystore/download")
    assert response.headers["Content-Disposition"].endswith("filename=old.p12")
    assert open_store(response.data, STORE_PASSWORD).store_type == "PKCS12"


def test_a_new_key_pair_shows_old_and_new_expiry(
    client: FlaskClient, keytool_stores: KeytoolStores, lifecycle_ca: ThrowawayCA
) -> None:
    opened = open_store(keytool_stores.files["imported.jks"], STORE_PASSWORD).key_entry()
    page_of(open_keystore(client, keytool_stores.files["imported.jks"], STORE_PASSWORD))
    fresh = lifecycle_ca._issue(
        lifecycle_ca.intermediate,
        "This Year Client",
        new_key("ec256"),
        eku=ExtendedKeyUsageOID.CLIENT_AUTH,
        not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=700),
    )
    upload = Upload(cryptography_p12(fresh, "client", "p12-pw"), "new.p12", "p12-pw")
    page = page_of(import_key_pair(client, upload))
    old = opened.certificate.not_valid_after_utc.strftime("%d %b %Y")
    new = fresh.cert.not_valid_after_utc.strftime("%d %b %Y")
    entries = page.by_id("opened-entries")
    assert entries is not None and f"valid until {old} → {new}" in entries.text


def test_own_certificates_in_a_truststore_update_are_labelled_yours(
    client: FlaskClient, throwaway_pki: ThrowawayPki, keypair_uploads: dict[str, FormatCase]
) -> None:
    complete_keystore(client, keypair_uploads["p12-openssl-modern-ec256"].upload)
    retired = ThrowawayCA("Partner Retired Root", key_kind="ec256").root.cert
    fresh = ThrowawayCA("Partner New Root", key_kind="ec256").root.cert
    old = build_truststore(
        entries=[("our root", throwaway_pki.ca.root.cert), ("partner old", retired)],
        password=STORE_PASSWORD,
    )
    page_of(open_truststore(client, old, STORE_PASSWORD))
    page = page_of(upload_certificates(client, [(pem(fresh), "new.pem")]))
    assert page.text.count("No longer sent by the server.") == 1  # only the partner's
    assert page.text.count("Yours. Your own certificate") == 3  # leaf, intermediate, root


def test_an_opened_keystore_with_its_certificate_alone_is_the_same_choice(
    client: FlaskClient, pki: ScenarioPki
) -> None:
    leaf = issued_by_root(pki.client_ca, "Client One Opened")
    old = build_keystore(
        alias="opened", private_key=leaf.key, chain=[leaf.cert], password=STORE_PASSWORD
    )
    page = page_of(open_keystore(client, old, STORE_PASSWORD, name="platform.jks"))
    assert_alone_is_offered(page, "Client Root (mtls-kit tests)")
    assert client.get("/keystore/download").status_code == 409
    ticked = page_of(
        client.post(
            "/keystore/settings",
            headers=HTMX,
            data={
                "alias": "opened",
                "keystore_filename": "platform.jks",
                "chain_alone_asked": "1",
                "chain_alone": "on",
            },
        )
    )
    assert not ticked.errors(), ticked.errors()
    response = download(client, "/keystore/download")
    assert response.headers["Content-Disposition"].endswith("filename=platform.jks")
    assert open_store(response.data, STORE_PASSWORD).key_entry().chain == (leaf.cert,)
