"""The whole procedure in Chromium, with every kind of key pair file people bring, ending in
"Download all" and a real Java mutual-TLS handshake with the downloaded files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import (
    KEYSTORE_PASSWORD,
    P12_PASSWORD,
    PEM_KEY_PASSWORD,
    TRUSTSTORE_PASSWORD,
    KeyFiles,
)
from tests.browser.wizard import (
    Bundle,
    button,
    create_keystore,
    create_truststore,
    download,
    fetch_certificates,
    field,
    import_key_pair,
    link,
    open_wizard,
    read_bundle,
    show_details,
    upload_certificates,
)
from tests.support.tls_server import LocalTLSServer


def partner_url(server: LocalTLSServer) -> str:
    return f"https://127.0.0.1:{server.port}/inbound"


def test_whole_procedure_with_a_p12_and_the_partner_url(
    page: Page, key_files: KeyFiles, partner_server: LocalTLSServer, downloads: Path
) -> None:
    open_wizard(page)
    expect(page.get_by_role("link", name="Step 1: Keystore (in progress)")).to_have_attribute(
        "aria-current", "step"
    )
    assert_accessible(page, "the first page")

    # Step 1: import, then name and protect the keystore; the live preview offers the file.
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    expect(page.get_by_role("status").filter(has_text="Imported alice.p12")).to_be_visible()
    expect(page.locator("#step-keystore-title")).to_be_focused()  # the current step has focus
    expect(field(page, "Alias")).to_have_value("alice-example")
    expect(page.get_by_text("RSA 2048-bit").first).to_be_visible()
    assert_accessible(page, "step 1 after import")
    create_keystore(page, KEYSTORE_PASSWORD, press_create=False)
    expect(link(page, "Download keystore")).to_be_visible()
    keystore = download(page, "Download keystore", downloads)
    assert keystore.name == "keystore.jks"
    certificate = download(page, "Download certificate", downloads)
    assert certificate.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert_accessible(page, "step 1 with the keystore ready")

    # Step 2: fetch the partner's chain; the root comes from the configured extra roots.
    fetch_certificates(page, partner_url(partner_server))
    listing = page.locator("#step-truststore .cert-list")
    expect(listing.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    expect(page.locator("#step-truststore-title")).to_be_focused()
    expect(button(page, "Copy fingerprint of Partner Test Root")).to_be_hidden()  # on demand
    show_details(page, "Partner Test Root")
    expect(button(page, "Copy fingerprint of Partner Test Root")).to_be_visible()
    expect(listing.get_by_label("Include Partner Test Root", exact=True)).to_be_checked()
    expect(listing).to_contain_text(
        re.compile("added from (your organisation's roots|the root store)")
    )
    expect(listing.get_by_label("Include Alice Example", exact=True)).to_be_checked()
    assert_accessible(page, "step 2 after fetching")
    create_truststore(page, TRUSTSTORE_PASSWORD, press_create=False)
    expect(link(page, "Download truststore")).to_be_visible()
    assert download(page, "Download truststore", downloads).name == "truststore.jks"

    # Step 3: the config, masked until asked, then everything in one zip.
    expect(field(page, "Destination URL")).to_have_value(partner_url(partner_server))
    field(page, "Folder on the platform's server").fill("/opt/platform/certs")
    config = page.locator("#config-json")
    expect(config).to_contain_text('"keystoreFile": "/opt/platform/certs/keystore.jks"')
    expect(config).not_to_contain_text(KEYSTORE_PASSWORD)
    assert_accessible(page, "step 3")
    page.get_by_role("button", name="Show passwords").click()
    expect(config).to_contain_text(KEYSTORE_PASSWORD)
    expect(page.get_by_role("button", name="Hide passwords")).to_be_focused()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    button(page, "Copy config").click()
    expect(page.locator("#announcer")).to_have_text("Copied to the clipboard.")
    copied = json.loads(page.evaluate("() => navigator.clipboard.readText()"))
    assert copied["truststorePass"] == TRUSTSTORE_PASSWORD
    assert download(page, "Download config", downloads).name == "destination.json"
    bundle = read_bundle(download(page, "Download all", downloads))

    assert sorted(bundle.names) == sorted(
        [
            "keystore.jks",
            "truststore.jks",
            "destination.json",
            "alice-example.pem",
            "README.txt",
            "reminder.ics",
            "spring-ssl-bundle.yaml",
            "spring-ssl-bundle.properties",
            "jvm-options.txt",
            "SslContextExample.java",
        ]
    )
    assert bundle.config == {
        "url": partner_url(partner_server),
        "method": "POST",
        "keystoreFile": "/opt/platform/certs/keystore.jks",
        "keystorePass": KEYSTORE_PASSWORD,
        "truststoreFile": "/opt/platform/certs/truststore.jks",
        "truststorePass": TRUSTSTORE_PASSWORD,
    }
    keystore_entries, truststore_entries = bundle.keytool_entries()
    assert keystore_entries == {"alice-example": ("PrivateKeyEntry", 3)}
    assert set(truststore_entries) == {
        "127.0.0.1",
        "partner-test-root-intermediate",
        "partner-test-root",
        "alice-example",
        "our-test-root-intermediate",
        "our-test-root",
    }
    assert {kind for kind, _ in truststore_entries.values()} == {"trustedCertEntry"}
    assert_handshake(bundle, partner_server, "Alice Example")


@pytest.mark.parametrize("kind", ["legacy pfx", "pem key and certificate", "ec key and p7b"])
def test_whole_procedure_with_other_key_pair_files(
    kind: str, page: Page, key_files: KeyFiles, partner_server: LocalTLSServer, downloads: Path
) -> None:
    open_wizard(page)
    if kind == "legacy pfx":
        import_key_pair(page, key_files.legacy_pfx, P12_PASSWORD)
        owner, key_text = "Alice Example", "RSA 2048-bit"
    elif kind == "pem key and certificate":
        import_key_pair(
            page, key_files.cert_pem, PEM_KEY_PASSWORD, private_key_file=key_files.key_pem
        )
        owner, key_text = "Alice Example", "RSA 2048-bit"
    else:
        import_key_pair(page, key_files.ec_p12, P12_PASSWORD)
        owner, key_text = "Bob Example", "EC P-256"
    expect(page.locator("#step-keystore .alert--success")).to_contain_text(key_text)
    expect(page.locator("#step-keystore .alert--success")).to_contain_text(
        "The private key matches"
    )
    create_keystore(page, KEYSTORE_PASSWORD)
    expect(link(page, "Download keystore")).to_be_visible()

    if kind == "ec key and p7b":
        upload_certificates(page, key_files.partner_p7b)
        listing = page.locator("#step-truststore .cert-list")
        expect(listing.get_by_label("Include Partner Test Root", exact=True)).to_be_checked()
        expect(listing).to_contain_text("uploaded")
        assert_accessible(page, "step 2 after uploading a .p7b")
    else:
        fetch_certificates(page, partner_url(partner_server))
        expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    create_truststore(page, TRUSTSTORE_PASSWORD)
    expect(link(page, "Download all")).to_be_visible()
    bundle = read_bundle(download(page, "Download all", downloads))
    if kind == "ec key and p7b":
        # No URL was fetched: the config keeps the destination empty until the user types it.
        assert bundle.config["url"] == ""
    assert_handshake(bundle, partner_server, owner)


def assert_handshake(bundle: Bundle, server: LocalTLSServer, owner: str) -> None:
    result = bundle.handshake("127.0.0.1", server.port)
    assert result.returncode == 0, f"Java refused the downloaded stores:\n{result.stderr}"
    assert result.field("client-certificate") == f"CN={owner},O=mtls-kit tests"
    # Leaf + our intermediate + our root: Java sends the whole chain the keystore holds.
    assert result.field("client-chain-length") == "3"
    assert re.search(rf"commonName={owner}", result.field("server-said") or "")
