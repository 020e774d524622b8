"""Every way step 1 can go wrong, as the user sees it: a plain sentence beside the field,
tied to it for screen readers, the focus on it, nothing else lost, and axe still clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import KEYSTORE_PASSWORD, P12_PASSWORD, KeyFiles, OpenPage
from tests.browser.wizard import (
    button,
    check_error_beside,
    create_keystore,
    field,
    import_key_pair,
    link,
    open_wizard,
)

TOO_LARGE = (
    "This file is too large. Key pair and certificate files are a few KB; the limit is 1024 KB."
)

IMPORT_ERRORS = {
    # name: (files(key_files) -> (file, private key file), password, field, message)
    "no file": (
        lambda f: (None, None),
        None,
        "Key pair file",
        "Choose your key pair file (.p12, .pfx or .pem).",
    ),
    "wrong password": (
        lambda f: (f.p12, None),
        "not-the-password",
        "Key pair file password",
        "The password does not open this file.",
    ),
    "password missing": (
        lambda f: (f.legacy_pfx, None),
        None,
        "Key pair file password",
        "This file is protected by a password.",
    ),
    "a lone certificate": (
        lambda f: (f.lone_cert, None),
        None,
        "Key pair file",
        "This looks like a certificate without a private key. "
        "If it is the partner's, add it in step 2, Truststore.",
    ),
    "random bytes": (
        lambda f: (f.random_bytes, None),
        P12_PASSWORD,
        "Key pair file",
        "This is not a key pair file we can read.",
    ),
    "an empty file": (lambda f: (f.empty, None), None, "Key pair file", "This file is empty."),
    "a java keystore": (
        lambda f: (f.jks, None),
        None,
        "Key pair file",
        "This is a Java keystore (JKS)",
    ),
    "a key of another certificate": (
        lambda f: (f.cert_pem, f.wrong_key),
        None,
        "Key pair file",
        "The private key does not belong to this certificate.",
    ),
}


@pytest.mark.parametrize("case", IMPORT_ERRORS)
def test_import_errors_are_shown_beside_their_field(
    case: str, page: Page, key_files: KeyFiles
) -> None:
    choose, password, label, message = IMPORT_ERRORS[case]
    key_file, private_key_file = choose(key_files)
    open_wizard(page)
    if key_file is None:
        button(page, "Import").click()
    else:
        import_key_pair(page, key_file, password, private_key_file=private_key_file)
    check_error_beside(page, label, message)
    # Still on the import form, ready for another try.
    expect(button(page, "Import")).to_be_enabled()
    expect(page.locator("body")).not_to_contain_text("Traceback")
    assert_accessible(page, f"the import error for {case}")


def test_an_oversize_file_is_refused_in_the_browser_before_upload(
    page: Page, key_files: KeyFiles
) -> None:
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    open_wizard(page)
    field(page, "Key pair file").set_input_files(key_files.oversize)
    check_error_beside(page, "Key pair file", TOO_LARGE)
    assert_accessible(page, "the client-side over-size error")
    button(page, "Import").click()  # pressing Import anyway sends nothing
    check_error_beside(page, "Key pair file", TOO_LARGE)
    assert _posts(requests, "/keystore/import") == 0
    # Choosing the right file clears the complaint and imports.
    field(page, "Key pair file").set_input_files(key_files.p12)
    expect(page.locator("#key_file-error")).to_have_count(0)
    expect(field(page, "Key pair file")).not_to_have_attribute("aria-invalid", "true")
    field(page, "Key pair file password").fill(P12_PASSWORD)
    button(page, "Import").click()
    expect(field(page, "Alias")).to_have_value("alice-example")
    assert _posts(requests, "/keystore/import") == 1


def test_an_oversize_file_is_refused_by_the_server_without_javascript(
    open_page: OpenPage, key_files: KeyFiles
) -> None:
    page = open_page(javascript=False)
    open_wizard(page)
    import_key_pair(page, key_files.oversize, P12_PASSWORD)
    check_error_beside(page, "Key pair file", TOO_LARGE)
    assert_accessible(page, "the server-side over-size error")


SETTINGS_ERRORS = {
    "short password": ("abc", "abc", "Keystore password", "Use at least 6 characters."),
    "passwords that differ": (
        KEYSTORE_PASSWORD,
        KEYSTORE_PASSWORD + "x",
        "Confirm keystore password",
        "The two passwords do not match.",
    ),
    "no password": ("", "", "Keystore password", "Choose a password of at least 6 characters."),
}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("case", SETTINGS_ERRORS)
def test_keystore_settings_errors_keep_the_import_and_the_alias(
    case: str, javascript: bool, open_page: OpenPage, key_files: KeyFiles
) -> None:
    password, confirmation, label, message = SETTINGS_ERRORS[case]
    page = open_page(javascript=javascript)
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    field(page, "Alias").fill("partner-a")
    create_keystore(page, password, confirmation)
    check_error_beside(page, label, message)
    expect(field(page, "Alias")).to_have_value("partner-a")
    expect(page.locator("#step-keystore")).to_contain_text("Imported alice.p12")
    expect(link(page, "Download keystore")).to_have_count(0)
    if javascript:
        assert_accessible(page, f"the keystore settings error for {case}")
    # Fixing the mistake is enough: the keystore is then offered.
    create_keystore(page, KEYSTORE_PASSWORD)
    expect(link(page, "Download keystore")).to_be_visible()


def test_an_invalid_alias_is_explained(page: Page, key_files: KeyFiles) -> None:
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    field(page, "Alias").fill("")
    create_keystore(page, KEYSTORE_PASSWORD)
    alias = check_error_beside(page, "Alias", "")
    expect(page.locator("#alias-error")).not_to_be_empty()
    expect(alias).to_have_value("")
    assert_accessible(page, "the alias error")


def _posts(requests: list[Request], path: str) -> int:
    return sum(1 for r in requests if r.method == "POST" and r.url.endswith(path))
