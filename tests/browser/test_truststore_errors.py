"""Every way step 2 can go wrong, as the user sees it. Step 1 is done first in each test, and
must survive every error: the keystore stays ready and downloadable."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import (
    KEYSTORE_PASSWORD,
    P12_PASSWORD,
    TRUSTSTORE_PASSWORD,
    KeyFiles,
    OpenPage,
)
from tests.browser.servers import SlowPlainServer, closed_port
from tests.browser.wizard import (
    button,
    check_error_beside,
    create_keystore,
    create_truststore,
    fetch_certificates,
    field,
    import_key_pair,
    link,
    open_wizard,
    show_details,
    upload_certificates,
)
from tests.support.tls_server import LocalTLSServer

COULD_NOT_CONNECT = "We could not connect to this server."


@pytest.fixture(scope="module")
def plain_server() -> Iterator[SlowPlainServer]:
    with SlowPlainServer(delay=0) as server:
        yield server


@pytest.fixture
def keystore_done(page: Page, key_files: KeyFiles) -> Page:
    """The page with step 1 finished, as the user left it before step 2."""
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    expect(link(page, "Download keystore")).to_be_visible()
    return page


def assert_keystore_kept(page: Page) -> None:
    expect(page.locator("#step-keystore")).to_contain_text("Alice Example")
    expect(link(page, "Download keystore")).to_be_visible()


FETCH_ERRORS: dict[str, tuple[Callable[[SlowPlainServer], str], str]] = {
    "an http address": (
        lambda plain: "http://127.0.0.1:8080/inbound",
        "Only https:// addresses can be checked.",
    ),
    "an address the policy refuses": (lambda plain: "https://10.0.0.1/inbound", COULD_NOT_CONNECT),
    "the cloud metadata address": (lambda plain: "169.254.169.254", COULD_NOT_CONNECT),
    "a port nobody listens on": (
        lambda plain: f"https://127.0.0.1:{closed_port()}/",
        COULD_NOT_CONNECT,
    ),
    "a server that does not speak TLS": (
        lambda plain: f"127.0.0.1:{plain.port}",
        "did not answer with TLS (HTTPS)",
    ),
    "something that is not an address": (
        lambda plain: "https://partner example.com",
        "This does not look like a server address.",
    ),
    "nothing": (lambda plain: "", "Enter the server address"),
}


@pytest.mark.parametrize("case", FETCH_ERRORS)
def test_fetch_errors_are_shown_beside_the_server_url(
    case: str, keystore_done: Page, plain_server: SlowPlainServer
) -> None:
    page = keystore_done
    address, message = FETCH_ERRORS[case]
    typed = address(plain_server)
    fetch_certificates(page, typed)
    url = check_error_beside(page, "Server URL", message)
    expect(url).to_have_value(typed)  # what the user typed stays, to be corrected
    assert_keystore_kept(page)
    assert_accessible(page, f"the fetch error for {case}")


@pytest.mark.parametrize("case", ["not a certificate", "an empty file", "a file too large"])
def test_upload_errors_are_shown_beside_the_certificate_files(
    case: str, keystore_done: Page, key_files: KeyFiles
) -> None:
    page = keystore_done
    if case == "not a certificate":
        upload_certificates(page, key_files.random_bytes)
        message = "random.p12: This file does not contain any certificates we can read."
    elif case == "an empty file":
        upload_certificates(page, key_files.empty)
        message = "empty.p12: This file is empty."
    else:
        upload_certificates(page, key_files.oversize)
        message = "This file is too large."
    check_error_beside(page, "Certificate files", message)
    assert_keystore_kept(page)
    assert_accessible(page, f"the upload error for {case}")
    # The right file then goes through.
    upload_certificates(page, key_files.partner_p7b)
    expect(page.get_by_label("Include Partner Test Root", exact=True)).to_be_checked()


def test_an_oversize_certificate_file_is_refused_by_the_server_without_javascript(
    open_page: OpenPage, key_files: KeyFiles
) -> None:
    page = open_page(javascript=False)
    open_wizard(page)
    button(page, "Start the truststore now").click()
    upload_certificates(page, key_files.oversize, javascript=False)
    check_error_beside(page, "Certificate files", "This file is too large.")
    assert_accessible(page, "the server-side over-size error of step 2")


SETTINGS_ERRORS = {
    "short password": ("12345", "12345", "Truststore password", "Use at least 6 characters."),
    "passwords that differ": (
        TRUSTSTORE_PASSWORD,
        "something-else",
        "Confirm truststore password",
        "The two passwords do not match.",
    ),
}


@pytest.fixture
def fetched(keystore_done: Page, partner_server: LocalTLSServer) -> Page:
    fetch_certificates(keystore_done, f"https://127.0.0.1:{partner_server.port}/")
    expect(keystore_done.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    return keystore_done


@pytest.mark.parametrize("case", SETTINGS_ERRORS)
def test_truststore_password_errors(case: str, fetched: Page) -> None:
    password, confirmation, label, message = SETTINGS_ERRORS[case]
    create_truststore(fetched, password, confirmation)
    check_error_beside(fetched, label, message)
    assert_keystore_kept(fetched)
    expect(fetched.get_by_label("Include Partner Test Root", exact=True)).to_be_checked()
    expect(link(fetched, "Download truststore")).to_have_count(0)
    assert_accessible(fetched, f"the truststore error for {case}")
    create_truststore(fetched, TRUSTSTORE_PASSWORD)
    expect(link(fetched, "Download truststore")).to_be_visible()


def test_two_certificates_cannot_share_an_alias(fetched: Page) -> None:
    show_details(fetched, "Partner Test Root")  # an alias is changed on demand only
    show_details(fetched, "Partner Test Root Intermediate")
    field(fetched, "Alias for Partner Test Root").fill("partner")
    field(fetched, "Alias for Partner Test Root Intermediate").fill("partner")
    create_truststore(fetched, TRUSTSTORE_PASSWORD)
    check_error_beside(
        fetched, "Alias for Partner Test Root", "The alias “partner” is already used above."
    )
    assert_accessible(fetched, "the duplicate alias error")


def test_at_least_one_certificate_must_stay(fetched: Page) -> None:
    for box in fetched.locator(".cert-list input[type=checkbox]").all():
        box.uncheck()
    create_truststore(fetched, TRUSTSTORE_PASSWORD)
    error = fetched.locator("#certificates-error")
    expect(error).to_have_text("Include at least one certificate.")
    first = fetched.locator(".cert-list input[type=checkbox]").first
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-describedby", "certificates-error")
    assert_keystore_kept(fetched)
    assert_accessible(fetched, "the no-certificate error")
    first.check()
    expect(button(fetched, "Create truststore")).to_be_enabled()
