"""The whole procedure on a 360 px wide phone and at 200% zoom (a 1280 x 900 window zoomed
to 200% lays out like a 640 x 450 one): it works, and nothing scrolls sideways."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import (
    KEYSTORE_PASSWORD,
    MOBILE,
    P12_PASSWORD,
    TRUSTSTORE_PASSWORD,
    KeyFiles,
    OpenPage,
)
from tests.browser.test_procedure import assert_handshake, partner_url
from tests.browser.wizard import (
    create_keystore,
    create_truststore,
    download,
    fetch_certificates,
    field,
    import_key_pair,
    link,
    no_overflow,
    open_wizard,
    read_bundle,
)
from tests.support.tls_server import LocalTLSServer

SCREENS = {"phone 360 px": MOBILE, "200% zoom": {"width": 640, "height": 450}}


@pytest.mark.parametrize("screen", SCREENS)
def test_whole_procedure_on_a_small_screen(
    screen: str,
    open_page: OpenPage,
    key_files: KeyFiles,
    partner_server: LocalTLSServer,
    downloads: Path,
) -> None:
    viewport = SCREENS[screen]
    width = viewport["width"]
    page = open_page(viewport=viewport)
    open_wizard(page)
    no_overflow(page, width)

    import_key_pair(page, key_files.p12, P12_PASSWORD)
    expect(field(page, "Alias")).to_be_visible()
    page.get_by_text("Certificate chain (3 certificates, yours first)").click()
    no_overflow(page, width)
    create_keystore(page, KEYSTORE_PASSWORD, press_create=False)
    expect(link(page, "Download keystore")).to_be_visible()
    no_overflow(page, width)

    fetch_certificates(page, partner_url(partner_server))
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    no_overflow(page, width)
    create_truststore(page, TRUSTSTORE_PASSWORD, "mistyped")
    expect(page.locator("#confirm_truststore_password-error")).to_be_visible()
    no_overflow(page, width)
    create_truststore(page, TRUSTSTORE_PASSWORD)
    expect(link(page, "Download truststore")).to_be_visible()

    field(page, "Folder on the platform's server").fill(
        "/opt/a-rather-long-folder-name/for-the-platform/certificates"
    )
    expect(page.locator("#config-json")).to_contain_text("a-rather-long-folder-name")
    page.get_by_role("button", name="Show passwords").click()
    expect(page.locator("#config-json")).to_contain_text(TRUSTSTORE_PASSWORD)
    no_overflow(page, width)
    assert_accessible(page, f"the finished page, {screen}")
    bundle = read_bundle(download(page, "Download all", downloads))
    assert_handshake(bundle, partner_server, "Alice Example")
