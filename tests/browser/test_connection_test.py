"""Issue 11 in Chromium: after the whole procedure, Test connection says what the partner's
server will do with these files, in plain words, and the result is accessible."""

from __future__ import annotations

from pathlib import Path

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
    create_keystore,
    create_truststore,
    download,
    fetch_certificates,
    field,
    import_key_pair,
    link,
    open_wizard,
)
from tests.support.mtls_server import MtlsServer
from tests.support.throwaway_pki import ThrowawayCA
from tests.support.tls_server import LocalTLSServer


def test_test_connection_after_the_whole_procedure(
    page: Page, pki: Pki, key_files: KeyFiles, partner_server: LocalTLSServer, downloads: Path
) -> None:
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    expect(link(page, "Download keystore")).to_be_visible()
    fetch_certificates(page, f"https://127.0.0.1:{partner_server.port}/inbound")
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    create_truststore(page, TRUSTSTORE_PASSWORD)
    expect(link(page, "Download truststore")).to_be_visible()

    # The partner's server requires a client certificate from our CA: accepted.
    button(page, "Test connection").click()
    result = page.locator("#connection-result")
    expect(result).to_have_attribute("data-outcome", "accepted")
    expect(result.locator("details")).not_to_have_attribute("open", "")
    assert_accessible(page, "the connection test, accepted")

    # A server that only accepts another authority: Java would send no certificate.
    other = ThrowawayCA("Another Authority", key_kind="ec256")
    with MtlsServer(
        chain=pki.server.full_chain[:-1],
        key=pki.server.key,
        tls_version="1.3",
        verify="required",
        trusted_client_cas=[pki.ours.root.cert],
        listed_cas=[other.root.cert],
    ) as server:
        field(page, "Destination URL").fill(server.url)
        expect(result).to_contain_text("You changed the files or the address after this test")
        button(page, "Test connection").click()
        expect(result).to_have_attribute("data-outcome", "issuer-not-accepted")
    expect(result).to_contain_text("Another Authority")
    # The keystore step's "Send to the partner" card offers the kit too; this is the result's.
    expect(result.get_by_role("link", name="Download partner kit", exact=True)).to_be_visible()
    assert_accessible(page, "the connection test, issuer not accepted")
    kit = download(page, "Download partner kit", downloads, within=result)
    assert kit.read_bytes().startswith(b"PK")


def test_the_status_is_visible_during_a_slow_test(
    page: Page, pki: Pki, key_files: KeyFiles, partner_server: LocalTLSServer
) -> None:
    """Issue 20: "Testing the connection…" shows while the test runs and the last result is
    off the screen meanwhile; the new result (here a 403 after a slow answer) replaces both."""
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    fetch_certificates(page, f"https://127.0.0.1:{partner_server.port}/inbound")
    create_truststore(page, TRUSTSTORE_PASSWORD)
    expect(page.get_by_text("one empty HEAD request; no message is delivered")).to_be_visible()
    button(page, "Test connection").click()
    result = page.locator("#connection-result")
    expect(result).to_have_attribute("data-outcome", "accepted")
    status = page.locator("#connection-testing")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_text("Testing the connection…")
    expect(status).to_be_hidden()

    with MtlsServer(
        chain=pki.server.full_chain[:-1],
        key=pki.server.key,
        verify="required",
        trusted_client_cas=[pki.ours.root.cert],
        listed_cas=[pki.ours.root.cert],
        http_status=403,
        http_reason="Forbidden",
        answer_delay=4.0,  # the slow partner: seconds between our request and its answer
    ) as slow:
        field(page, "Destination URL").fill(slow.url + "/inbound")
        expect(result).to_contain_text("You changed the files or the address after this test")
        button(page, "Test connection").click()
        expect(status).to_be_visible()
        expect(result).to_be_hidden()  # the old green result is off the screen meanwhile
        assert_accessible(page, "the connection test, while it runs")
        expect(result).to_have_attribute("data-outcome", "forbidden", timeout=15_000)
        assert slow.requests and slow.requests[0].startswith(b"HEAD /inbound HTTP/1.1")
    expect(result).to_be_visible()
    expect(status).to_be_hidden()
    expect(result).to_contain_text("does not allow your certificate at this address")
    expect(result.get_by_role("link", name="Download partner kit", exact=True)).to_be_visible()
    assert_accessible(page, "the connection test, forbidden")
