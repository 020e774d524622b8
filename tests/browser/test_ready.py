"""Issue 20 in Chromium: "ready" means Java can use it, or the user chose knowingly.

A certificate whose issuer the tool cannot find is a choice ("Create it with my certificate
alone"), and Java connects with it when the partner trusts that issuer; the placeholder of a
key generated here offers nothing to send and no Finish files; http:// is refused; a failed
fetch for a new address clears the old one's certificates; renewing keytool's JKS and
PKCS#12 stores keeps their format and file name, and keytool opens the result.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import (
    KEYSTORE_PASSWORD,
    P12_PASSWORD,
    TRUSTSTORE_PASSWORD,
    KeyFiles,
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
    import_key_pair,
    link,
    open_wizard,
    upload_certificates,
)
from tests.support.java import keytool_list, run_mtls_client
from tests.support.keytool_stores import STORE_PASSWORD, KeytoolStores
from tests.support.throwaway_pki import Issued, ThrowawayCA, new_key
from tests.support.tls_server import LocalTLSServer
from webapp.pki.java import build_truststore
from webapp.pki.java.destination_url import NOT_HTTPS
from webapp.pki.java.readiness import ALONE_NOT_CHOSEN

ALONE = "Create it with my certificate alone"
KEPT = "Download keystore (keeps your new key until the CA answers)"
OUR_ROOT = "Our Test Root (mtls-kit tests)"
ALONE_WORDS = (
    "Java will send your certificate alone. That works when the partner already trusts "
    f"‘{OUR_ROOT}’. Tick “{ALONE}” to create the keystore anyway; Test connection in step 3 "
    "will tell whether the partner accepts it."
)
PLACEHOLDER = (
    "Your certificate is a placeholder until your certificate authority signs the request: "
    "do not deploy this keystore and do not send this certificate to the partner."
)


def partner_url(server: LocalTLSServer) -> str:
    return f"https://127.0.0.1:{server.port}/inbound"


def leaf_only_p12(issued: Issued, folder: Path) -> Path:
    path = folder / "direct.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"direct",
            issued.key,  # type: ignore[arg-type]
            issued.cert,
            None,
            serialization.BestAvailableEncryption(P12_PASSWORD.encode()),
        )
    )
    return path


def signed_by_root(pki: Pki, csr: x509.CertificateSigningRequest) -> x509.Certificate:
    """The CA signs the request with its root and sends back the certificate alone."""
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(pki.ours.root.cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(pki.ours.root.key, hashes.SHA256())  # type: ignore[arg-type]
    )


def choose_alone(page: Page) -> None:
    """Without the box the keystore is refused beside it; with it, created."""
    explained = page.locator("#chain-alone")
    expect(explained).to_contain_text(ALONE_WORDS)
    expect(explained).to_contain_text(f"We could not find the certificate of ‘{OUR_ROOT}’")
    expect(explained).not_to_contain_text("intermediate")
    expect(page.locator("#step-keystore")).not_to_contain_text("cannot be created")
    expect(field(page, "Chain files")).to_have_attribute("multiple", "")
    create_keystore(page, KEYSTORE_PASSWORD)
    check_error_beside(page, ALONE, ALONE_NOT_CHOSEN)
    expect(link(page, "Download keystore")).to_have_count(0)
    assert_accessible(page, "the certificate alone, not chosen yet")
    page.get_by_label(ALONE, exact=True).check()
    button(page, "Create keystore").click()
    expect(page.locator("#step-keystore")).to_contain_text(
        "It holds your certificate alone, as you chose."
    )


def handshake(page: Page, server: LocalTLSServer, downloads: Path) -> None:
    keystore = download(page, "Download keystore", downloads)
    truststore = download(page, "Download truststore", downloads)
    assert keytool_list(keystore, KEYSTORE_PASSWORD).entries.popitem()[1] == ("PrivateKeyEntry", 1)
    result = run_mtls_client(
        "127.0.0.1", server.port, keystore, KEYSTORE_PASSWORD, truststore, TRUSTSTORE_PASSWORD
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_leaf_only_p12_with_the_box_ticked_connects_with_java(
    page: Page, pki: Pki, partner_server: LocalTLSServer, downloads: Path, tmp_path: Path
) -> None:
    leaf = ThrowawayCA._issue(
        pki.ours.root, "Direct Example", new_key("ec256"), eku=ExtendedKeyUsageOID.CLIENT_AUTH
    )
    open_wizard(page)
    import_key_pair(page, leaf_only_p12(leaf, tmp_path), P12_PASSWORD)
    choose_alone(page)
    fetch_certificates(page, partner_url(partner_server))
    create_truststore(page, TRUSTSTORE_PASSWORD)
    handshake(page, partner_server, downloads)
    # "Test connection will tell": the partner trusts our root, so it does accept it.
    button(page, "Test connection").click()
    expect(page.locator("#connection-result")).to_have_attribute("data-outcome", "accepted")


def test_placeholder_then_a_leaf_only_ca_reply(
    page: Page, pki: Pki, partner_server: LocalTLSServer, downloads: Path
) -> None:
    open_wizard(page)
    page.get_by_text("No key pair yet? Make one here", exact=True).click()
    field(page, "Organisation").fill("Example Trading Ltd")
    field(page, "Name for this connection").fill("Reply Client")
    page.get_by_label("Key type").select_option("ec-p256")
    button(page, "Generate a new key pair").click()
    create_keystore(page, KEYSTORE_PASSWORD)
    step = page.locator("#step-keystore")
    expect(step.locator("#placeholder-warning")).to_have_text(
        PLACEHOLDER + " Send the certificate request to your certificate authority, and keep the "
        "keystore below: it is the only place your new key is kept."
    )
    expect(link(page, KEPT)).to_be_visible()
    expect(link(page, "Download certificate request")).to_be_visible()
    # Nothing to send, no partner kit, no ✓, and step 1 stays open.
    expect(link(page, "Download certificate")).to_have_count(0)
    expect(link(page, "Download partner kit")).to_have_count(0)
    expect(page.get_by_text("Send to the partner:")).to_have_count(0)
    expect(page.locator("#stepper")).not_to_contain_text("✓")
    expect(link(page, "Download keystore")).to_have_count(0)
    assert_accessible(page, "the placeholder keystore")
    kept = download(page, KEPT, downloads)
    assert keytool_list(kept, KEYSTORE_PASSWORD).entries.popitem()[1] == ("PrivateKeyEntry", 1)

    # Even with a finished truststore: no Finish downloads and no config.
    button(page, "Start the truststore now").click()
    fetch_certificates(page, partner_url(partner_server))
    create_truststore(page, TRUSTSTORE_PASSWORD)
    expect(link(page, "Download truststore")).to_be_visible()
    for name in ("Download all", "Download config", "Download reminder"):
        expect(link(page, name)).to_have_count(0)
    expect(page.locator("#config-json")).to_have_count(0)
    assert page.request.get("/finish/bundle.zip").status == 409
    assert page.request.get("/finish/destination.json").status == 409

    # The CA's reply holds the certificate alone, signed by its root.
    request = download(page, "Download certificate request", downloads)
    reply = downloads / "reply.pem"
    csr = x509.load_pem_x509_csr(request.read_bytes())
    reply.write_bytes(signed_by_root(pki, csr).public_bytes(serialization.Encoding.PEM))
    expect(field(page, "CA reply")).to_have_attribute("multiple", "")
    field(page, "CA reply").set_input_files(reply)
    button(page, "Import CA reply").click()
    expect(step).not_to_contain_text("placeholder")
    choose_alone(page)
    expect(page.locator("#stepper")).to_contain_text("✓")
    handshake(page, partner_server, downloads)
    expect(link(page, "Download all")).to_be_visible()


def finished_stores(page: Page, key_files: KeyFiles, server: LocalTLSServer) -> None:
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    expect(link(page, "Download keystore")).to_be_visible()
    fetch_certificates(page, partner_url(server))
    create_truststore(page, TRUSTSTORE_PASSWORD)
    expect(link(page, "Download all")).to_be_visible()


def test_an_http_destination_is_refused(
    page: Page, key_files: KeyFiles, partner_server: LocalTLSServer, downloads: Path
) -> None:
    finished_stores(page, key_files, partner_server)
    field(page, "Destination URL").fill("http://127.0.0.1/inbound")
    # While typing: refused in the result, and no settings shown for it.
    expect(page.locator("#dest_url-refused")).to_have_text(NOT_HTTPS)
    expect(link(page, "Download config")).to_have_count(0)
    button(page, "Save settings").click()
    check_error_beside(page, "Destination URL", NOT_HTTPS)
    assert_accessible(page, "an http destination")
    field(page, "Destination URL").fill(partner_url(partner_server))
    button(page, "Save settings").click()
    config = json.loads(download(page, "Download config", downloads).read_text())
    assert config["url"] == partner_url(partner_server)


def test_a_failed_fetch_for_a_new_address_clears_the_old_hosts_certificates(
    page: Page, key_files: KeyFiles, partner_server: LocalTLSServer
) -> None:
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    upload_certificates(page, key_files.partner_root)
    listing = page.locator("#step-truststore .cert-list")
    expect(listing.get_by_label("Include Partner Test Root", exact=True)).to_be_checked()
    fetch_certificates(page, partner_url(partner_server))
    expect(listing.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    fetch_certificates(page, "https://127.0.0.1:1/inbound")
    check_error_beside(
        page,
        "Server URL",
        f"We removed the certificates fetched from {partner_url(partner_server)}: they "
        "belong to that address.",
    )
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_have_count(0)
    expect(listing.get_by_label("Include Partner Test Root", exact=True)).to_be_checked()
    assert_accessible(page, "a failed fetch for a new address")


@pytest.mark.parametrize(
    "name, store_type, label",
    [("imported.jks", "JKS", "JKS"), ("imported.p12", "PKCS12", "PKCS#12")],
)
def test_renewing_a_keytool_store_keeps_its_format_and_file_name(
    page: Page,
    keytool_stores: KeytoolStores,
    lifecycle_ca: ThrowawayCA,
    downloads: Path,
    tmp_path: Path,
    name: str,
    store_type: str,
    label: str,
) -> None:
    open_wizard(page)
    page.get_by_text("Renewing? Open last year's keystore", exact=True).click()
    field(page, "Existing keystore").set_input_files(keytool_stores.path(name))
    field(page, "Existing keystore password").fill(STORE_PASSWORD)
    button(page, "Open keystore").click()
    expect(field(page, "Keystore file name")).to_have_value(name)
    expect(page.get_by_label(label, exact=True).first).to_be_checked()
    old_until = keytool_list(keytool_stores.path(name), STORE_PASSWORD, storetype=store_type)
    assert "client" in old_until.entries
    # This year's key pair file: alias, password, format and name stay; old → new shown.
    fresh = ThrowawayCA._issue(
        lifecycle_ca.intermediate,
        "This Year Client",
        new_key("ec256"),
        eku=ExtendedKeyUsageOID.CLIENT_AUTH,
        not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=700),
    )
    new_file = tmp_path / "this-year.p12"
    new_file.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"client",
            fresh.key,  # type: ignore[arg-type]
            fresh.cert,
            fresh.chain,
            serialization.BestAvailableEncryption(P12_PASSWORD.encode()),
        )
    )
    page.get_by_text("I have a new key pair file", exact=True).click()
    import_key_pair(page, new_file, P12_PASSWORD)
    holds = page.get_by_role("list", name="What the keystore holds")
    new_date = fresh.cert.not_valid_after_utc.strftime("%d %b %Y")
    expect(holds).to_contain_text(f"→ {new_date}")
    expect(holds).to_contain_text("valid until ")
    renewed = download(page, "Download keystore", downloads)
    assert renewed.name == name
    listing = keytool_list(renewed, STORE_PASSWORD, storetype=store_type)
    assert listing.entries == {"client": ("PrivateKeyEntry", 3)}
    assert "This Year Client" in listing.text


def test_an_opened_certificate_that_expires_soon_waits_for_confirmation(
    page: Page, keytool_stores: KeytoolStores, downloads: Path
) -> None:
    open_wizard(page)
    page.get_by_text("Renewing? Open last year's keystore", exact=True).click()
    field(page, "Existing keystore").set_input_files(keytool_stores.path("generated.p12"))
    field(page, "Existing keystore password").fill(STORE_PASSWORD)
    button(page, "Open keystore").click()
    keep = "Keep this certificate for now; create the keystore anyway"
    expect(page.get_by_label(keep, exact=True)).to_be_visible()
    expect(link(page, "Download keystore")).to_have_count(0)
    button(page, "Create keystore").click()
    check_error_beside(page, keep, "Your certificate expires on")
    page.get_by_label(keep, exact=True).check()
    button(page, "Create keystore").click()
    kept = download(page, "Download keystore", downloads)
    assert kept.name == "generated.p12"
    keytool_list(kept, STORE_PASSWORD, storetype="PKCS12")


def test_own_certificates_in_a_truststore_update_are_labelled_yours(
    page: Page, pki: Pki, key_files: KeyFiles, partner_server: LocalTLSServer, tmp_path: Path
) -> None:
    retired = ThrowawayCA("Partner Retired Root", key_kind="ec256").root.cert
    old = tmp_path / "old-trust.jks"
    old.write_bytes(
        build_truststore(
            entries=[("our root", pki.ours.root.cert), ("partner retired", retired)],
            password=STORE_PASSWORD,
        )
    )
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    page.get_by_text("Updating? Open last year's truststore", exact=True).click()
    field(page, "Existing truststore").set_input_files(old)
    field(page, "Existing truststore password").fill(STORE_PASSWORD)
    button(page, "Open truststore").click()
    expect(page.get_by_label("Include Partner Retired Root", exact=True)).to_be_visible()
    fetch_certificates(page, partner_url(partner_server))
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_visible()
    items = page.locator("#step-truststore .cert-list li")
    ours = items.filter(has=page.get_by_label("Include Our Test Root", exact=True))
    expect(ours).to_contain_text("Yours. Your own certificate (or the authority that issued it)")
    expect(ours).not_to_contain_text("No longer sent by the server")
    theirs = items.filter(has=page.get_by_label("Include Partner Retired Root", exact=True))
    expect(theirs).to_contain_text("No longer sent by the server.")
    assert_accessible(page, "a truststore update with your own certificates")


@pytest.mark.parametrize(
    "name, store_type", [("truststore.jks", "JKS"), ("truststore.p12", "PKCS12")]
)
def test_updating_a_keytool_truststore_keeps_its_format_and_file_name(
    page: Page,
    key_files: KeyFiles,
    keytool_stores: KeytoolStores,
    downloads: Path,
    name: str,
    store_type: str,
) -> None:
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    expect(link(page, "Download keystore")).to_be_visible()
    page.get_by_text("Updating? Open last year's truststore", exact=True).click()
    field(page, "Existing truststore").set_input_files(keytool_stores.path(name))
    field(page, "Existing truststore password").fill(STORE_PASSWORD)
    button(page, "Open truststore").click()
    expect(field(page, "Truststore file name")).to_have_value(name)
    updated = download(page, "Download truststore", downloads)
    assert updated.name == name
    entries = keytool_list(updated, STORE_PASSWORD, storetype=store_type).entries
    assert {"partner root", "partner ca"} <= set(entries)
