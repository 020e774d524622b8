"""Issue 14 in Chromium: choosing **PKCS#12** under **Keystore format** gives a .p12 keystore.

With scripts the file name switches to .p12 and the PKCS#12 password rule appears as soon as
the choice is made; without, the server does the same when the form posts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
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
from tests.browser.wizard import (
    button,
    check_error_beside,
    create_keystore,
    create_truststore,
    download,
    field,
    import_key_pair,
    link,
    no_overflow,
    open_wizard,
    upload_certificates,
)

PKCS12_RULE = "For a PKCS#12 store, use only letters a-z"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_choosing_pkcs12_downloads_a_p12_keystore(
    javascript: bool, open_page: OpenPage, key_files: KeyFiles, downloads: Path
) -> None:
    page = open_page(javascript=javascript)
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    # JKS and the usual name need no look: the choice is folded until opened (issue 12).
    expect(field(page, "Keystore file name")).to_be_hidden()
    page.get_by_text("Keystore format and file name", exact=True).click()
    expect(field(page, "Keystore file name")).to_have_value("keystore.jks")
    choice = page.get_by_role("group", name="Keystore format")
    expect(choice.get_by_label("JKS", exact=True)).to_be_checked()
    choice.get_by_label("PKCS#12", exact=True).check()
    if javascript:
        expect(field(page, "Keystore file name")).to_have_value("keystore.p12")
        expect(page.locator("#keystore_format-pkcs12-note")).to_be_visible()
        # Java 17 cannot open PKCS#12 files whose password is not plain ASCII: said beside it.
        create_keystore(page, "Schlüssel-2026")
        check_error_beside(page, "Keystore password", PKCS12_RULE)
        expect(choice.get_by_label("PKCS#12", exact=True)).to_be_checked()
    create_keystore(page, KEYSTORE_PASSWORD)
    # Step 1 folds into its summary after Create: the download's own name is what matters.
    expect(link(page, "Download keystore")).to_be_visible()
    if javascript:
        assert_accessible(page, "the keystore step with PKCS#12 chosen")
    saved = download(page, "Download keystore", downloads)
    assert saved.name == "keystore.p12"
    key, certificate, chain = pkcs12.load_key_and_certificates(
        saved.read_bytes(), KEYSTORE_PASSWORD.encode()
    )
    assert key is not None and certificate is not None and chain


def test_the_finish_step_offers_settings_for_other_java_setups(
    open_page: OpenPage, key_files: KeyFiles
) -> None:
    page = open_page(viewport=MOBILE)
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    expect(link(page, "Download keystore")).to_be_visible()
    upload_certificates(page, key_files.partner_p7b)
    page.get_by_text("Truststore format and file name", exact=True).click()
    page.get_by_role("group", name="Truststore format").get_by_label("PKCS#12", exact=True).check()
    create_truststore(page, TRUSTSTORE_PASSWORD)
    expect(page.locator("#config-json")).to_contain_text('"truststoreFile": "truststore.p12"')
    expect(page.locator("#pkcs12-platform-note")).to_be_visible()
    page.get_by_text("Settings for other Java setups", exact=True).click()
    jvm = page.locator("#snippet-jvm")
    expect(jvm).to_contain_text("-Djavax.net.ssl.trustStoreType=PKCS12")
    expect(jvm).not_to_contain_text(TRUSTSTORE_PASSWORD)
    no_overflow(page, MOBILE["width"])
    assert_accessible(page, "the finish step with the other setups open")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    button(page, "Copy Any Java application (JVM options)").click()
    expect(page.locator("#announcer")).to_have_text("Copied to the clipboard.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert f"-Djavax.net.ssl.trustStorePassword={TRUSTSTORE_PASSWORD}" in copied
