"""Issue 13 in Chromium: renew last year's keystore and truststore, and get a key pair with a
certificate request; every downloaded keystore passes keytool -list and a Java handshake."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import (
    DESKTOP,
    KEYSTORE_PASSWORD,
    MOBILE,
    P12_PASSWORD,
    TRUSTSTORE_PASSWORD,
    KeyFiles,
    OpenPage,
    Pki,
)
from tests.browser.wizard import (
    button,
    check_error_beside,
    create_keystore,
    create_truststore,
    download,
    fetch_certificates,
    field,
    link,
    no_overflow,
    open_wizard,
    read_bundle,
    upload_certificates,
)
from tests.support.java import keytool_list, run_mtls_client
from tests.support.keytool_stores import run_keytool
from tests.support.tls_server import LocalTLSServer

OLD_PASSWORD = "last-Year-pw"
KEY_PASSWORD = "own-Key-pw"


@dataclass(frozen=True)
class LastYear:
    keystore: Path  # platform-keystore.jks, alias "alice", OLD_PASSWORD, written by keytool
    truststore: Path  # platform-trust.jks: the partner's root and its retired CA
    own_key_password: Path  # alias "alice" whose key has KEY_PASSWORD, not the store's


@pytest.fixture(scope="module")
def last_year(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> LastYear:
    folder = tmp_path_factory.mktemp("last-year")
    old = pki.ours.issue_client("Alice Example", key_kind="ec256")
    (folder / "old.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"alice",
            old.key,
            old.cert,
            old.chain,
            serialization.BestAvailableEncryption(OLD_PASSWORD.encode()),
        )
    )
    retired = pki.partner._issue(
        pki.partner.root, "Partner Retired CA", pki.partner.intermediate.key, is_ca=True
    )
    (folder / "root.pem").write_bytes(pki.partner.root_pem())
    (folder / "retired.pem").write_bytes(retired.cert_pem())
    run_keytool(
        folder,
        "-importkeystore",
        "-noprompt",
        "-srckeystore",
        "old.p12",
        "-srcstoretype",
        "PKCS12",
        "-srcstorepass",
        OLD_PASSWORD,
        "-destkeystore",
        "platform-keystore.jks",
        "-deststoretype",
        "JKS",
        "-deststorepass",
        OLD_PASSWORD,
    )
    for alias, name in (("partner root", "root.pem"), ("partner ca", "retired.pem")):
        run_keytool(
            folder,
            "-importcert",
            "-noprompt",
            "-alias",
            alias,
            "-file",
            name,
            "-keystore",
            "platform-trust.jks",
            "-storetype",
            "JKS",
            "-storepass",
            OLD_PASSWORD,
        )
    run_keytool(
        folder,
        "-importkeystore",
        "-noprompt",
        "-srckeystore",
        "old.p12",
        "-srcstoretype",
        "PKCS12",
        "-srcstorepass",
        OLD_PASSWORD,
        "-srcalias",
        "alice",
        "-destkeystore",
        "own-key.jks",
        "-deststoretype",
        "JKS",
        "-deststorepass",
        OLD_PASSWORD,
        "-destkeypass",
        KEY_PASSWORD,
    )
    return LastYear(
        folder / "platform-keystore.jks", folder / "platform-trust.jks", folder / "own-key.jks"
    )


def partner_url(server: LocalTLSServer) -> str:
    return f"https://127.0.0.1:{server.port}/inbound"


def open_keystore(page: Page, path: Path, password: str) -> None:
    page.get_by_text("Renewing? Open last year's keystore", exact=True).click()
    field(page, "Existing keystore").set_input_files(path)
    field(page, "Existing keystore password").fill(password)
    button(page, "Open keystore").click()


def sign(pki: Pki, csr: x509.CertificateSigningRequest) -> x509.Certificate:
    """Our local CA signs the request, as the user's certificate authority would."""
    now = dt.datetime.now(dt.UTC)
    issuer = pki.ours.intermediate
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(issuer.cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )


def test_renew_last_years_keystore_and_truststore(
    page: Page,
    pki: Pki,
    key_files: KeyFiles,
    last_year: LastYear,
    partner_server: LocalTLSServer,
    downloads: Path,
) -> None:
    open_wizard(page)
    # A wrong password first: said beside the field, nothing else lost.
    open_keystore(page, last_year.keystore, "not-the-password")
    check_error_beside(page, "Existing keystore password", "The password does not open this store.")
    assert_accessible(page, "wrong keystore password")
    field(page, "Existing keystore").set_input_files(last_year.keystore)
    field(page, "Existing keystore password").fill(OLD_PASSWORD)
    button(page, "Open keystore").click()
    renewal = page.locator("#renewal")
    expect(renewal.get_by_role("status")).to_contain_text("Opened platform-keystore.jks")
    entries = renewal.get_by_role("list", name="What the keystore holds")
    expect(entries).to_contain_text("alice: Alice Example (key pair)")
    expect(entries).to_contain_text("issued by CN=Our Test Root Intermediate")
    page.set_viewport_size(MOBILE)
    no_overflow(page, MOBILE["width"])
    page.set_viewport_size(DESKTOP)
    expect(field(page, "Alias")).to_have_value("alice")
    expect(field(page, "Keystore file name")).to_have_value("platform-keystore.jks")
    assert_accessible(page, "last year's keystore opened")

    # Renew with this year's key pair file: alias, password and file name stay.
    page.get_by_text("I have a new key pair file", exact=True).click()
    field(page, "Key pair file").set_input_files(key_files.p12)
    field(page, "Key pair file password").fill(P12_PASSWORD)
    button(page, "Import").click()
    expect(page.get_by_role("status").filter(has_text="Imported alice.p12")).to_be_visible()
    expect(field(page, "Alias")).to_have_value("alice")
    keystore = download(page, "Download keystore", downloads)
    assert keystore.name == "platform-keystore.jks"

    # Last year's truststore, then the partner's server as it is now.
    page.get_by_text("Updating? Open last year's truststore", exact=True).click()
    field(page, "Existing truststore").set_input_files(last_year.truststore)
    field(page, "Existing truststore password").fill(OLD_PASSWORD)
    button(page, "Open truststore").click()
    listing = page.locator("#step-truststore .cert-list")
    expect(listing).to_contain_text("from your old truststore")
    fetch_certificates(page, partner_url(partner_server))
    expect(listing.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    expect(listing).to_contain_text("No longer sent by the server.")
    expect(listing).to_contain_text("Keep it until the partner has switched over")
    expect(listing).to_contain_text("Unchanged.")
    expect(listing.get_by_label("Include Partner Retired CA", exact=True)).to_be_checked()
    expect(field(page, "Truststore file name")).to_have_value("platform-trust.jks")
    assert_accessible(page, "truststore compared with last year's")
    truststore = download(page, "Download truststore", downloads)

    assert keytool_list(keystore, OLD_PASSWORD).entries == {"alice": ("PrivateKeyEntry", 3)}
    trusted = keytool_list(truststore, OLD_PASSWORD).entries
    assert {"partner root", "partner ca"} <= set(trusted)
    handshake = run_mtls_client(
        "127.0.0.1", partner_server.port, keystore, OLD_PASSWORD, truststore, OLD_PASSWORD
    )
    assert handshake.returncode == 0, handshake.stderr
    assert handshake.field("client-certificate") == "CN=Alice Example,O=mtls-kit tests"

    # Finish: the reminder on its own and in the zip.
    expect(link(page, "Download reminder")).to_be_visible()
    reminder = download(page, "Download reminder", downloads)
    assert reminder.read_bytes().startswith(b"BEGIN:VCALENDAR")
    bundle = read_bundle(download(page, "Download all", downloads))
    assert "reminder.ics" in bundle.names
    assert_accessible(page, "finish with the reminder")


def test_key_pair_and_certificate_request(
    open_page: OpenPage,
    pki: Pki,
    key_files: KeyFiles,
    partner_server: LocalTLSServer,
    downloads: Path,
) -> None:
    page = open_page()
    open_wizard(page)
    page.get_by_text("No key pair yet? Make one here", exact=True).click()
    field(page, "Organisation").fill("Example Trading Ltd")
    field(page, "Name for this connection").fill("Orders Client")
    field(page, "Country").fill("GB")
    page.get_by_label("Key type").select_option("ec-p256")
    button(page, "Generate a new key pair").click()
    expect(link(page, "Download certificate request")).to_be_visible()
    assert_accessible(page, "key pair generated")
    create_keystore(page, KEYSTORE_PASSWORD, press_create=False)
    # Issue 20: a placeholder is never "ready"; its keystore only keeps the new key.
    kept = download(page, "Download keystore (keeps your new key until the CA answers)", downloads)
    request = download(page, "Download certificate request", downloads)
    assert request.suffix == ".csr"
    csr = x509.load_pem_x509_csr(request.read_bytes())
    assert csr.is_signature_valid
    reply = downloads / "signed.pem"
    reply.write_bytes(
        b"".join(
            c.public_bytes(serialization.Encoding.PEM)
            for c in (sign(pki, csr), pki.ours.intermediate.cert, pki.ours.root.cert)
        )
    )

    # Days later, a new session: open the kept keystore and import the CA's reply.
    page = open_page()
    open_wizard(page)
    open_keystore(page, kept, KEYSTORE_PASSWORD)
    expect(page.locator("#renewal").get_by_role("status")).to_contain_text("Opened keystore.jks")
    field(page, "CA reply").set_input_files(key_files.partner_root)  # the wrong file first
    button(page, "Import CA reply").click()
    check_error_beside(page, "CA reply", "This certificate belongs to another key")
    assert_accessible(page, "CA reply for another key")
    field(page, "CA reply").set_input_files(reply)
    button(page, "Import CA reply").click()
    expect(page.locator("#step-keystore .cert")).to_contain_text("Our Test Root Intermediate")
    keystore = download(page, "Download keystore", downloads)
    upload_certificates(page, key_files.partner_p7b)
    create_truststore(page, TRUSTSTORE_PASSWORD, press_create=False)
    truststore = download(page, "Download truststore", downloads)

    assert keytool_list(keystore, KEYSTORE_PASSWORD).entries == {
        "orders-client": ("PrivateKeyEntry", 3)
    }
    handshake = run_mtls_client(
        "127.0.0.1",
        partner_server.port,
        keystore,
        KEYSTORE_PASSWORD,
        truststore,
        TRUSTSTORE_PASSWORD,
    )
    assert handshake.returncode == 0, handshake.stderr
    assert "CN=Orders Client" in (handshake.field("client-certificate") or "")


def test_bad_input_states_are_plain_and_accessible(
    page: Page, key_files: KeyFiles, last_year: LastYear
) -> None:
    open_wizard(page)
    # A key with its own password: asked for beside the password, with a Key password field.
    open_keystore(page, last_year.own_key_password, OLD_PASSWORD)
    check_error_beside(page, "Existing keystore password", "has its own password")
    expect(field(page, "Key password")).to_be_visible()
    assert_accessible(page, "key password asked for")
    field(page, "Existing keystore").set_input_files(last_year.own_key_password)
    field(page, "Existing keystore password").fill(OLD_PASSWORD)
    field(page, "Key password").fill(KEY_PASSWORD)
    button(page, "Open keystore").click()
    expect(field(page, "Alias")).to_have_value("alice")

    # A truststore that is not a store, then the key pair generator with a bad country.
    page.get_by_text("Updating? Open last year's truststore", exact=True).click()
    field(page, "Existing truststore").set_input_files(key_files.random_bytes)
    field(page, "Existing truststore password").fill(OLD_PASSWORD)
    button(page, "Open truststore").click()
    check_error_beside(page, "Existing truststore", "not a Java keystore")
    assert_accessible(page, "truststore that is not a store")
    expect(field(page, "Alias")).to_have_value("alice")  # the opened keystore is still there
