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
from tests.browser.conftest import KEYSTORE_PASSWORD, P12_PASSWORD, KeyFiles, OpenPage
from tests.browser.wizard import (
    check_error_beside,
    create_keystore,
    download,
    field,
    import_key_pair,
    link,
    open_wizard,
)

PKCS12_RULE = "For a PKCS#12 store, use only letters a-z"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_choosing_pkcs12_downloads_a_p12_keystore(javascript: bool, open_page: OpenPage,
                                                  key_files: KeyFiles, downloads: Path) -> None:
    page = open_page(javascript=javascript)
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
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
    expect(link(page, "Download keystore")).to_be_visible()
    expect(field(page, "Keystore file name")).to_have_value("keystore.p12")
    if javascript:
        assert_accessible(page, "the keystore step with PKCS#12 chosen")
    saved = download(page, "Download keystore", downloads)
    assert saved.name == "keystore.p12"
    key, certificate, chain = pkcs12.load_key_and_certificates(saved.read_bytes(),
                                                               KEYSTORE_PASSWORD.encode())
    assert key is not None and certificate is not None and chain
