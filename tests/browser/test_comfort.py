"""The comforts of issue 5: drag and drop, copy buttons, expiry in words and colour, Start
over with a confirmation, and a busy state that prevents double submissions."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import P12_PASSWORD, KeyFiles
from tests.browser.servers import SlowPlainServer
from tests.browser.wizard import (
    button,
    check_error_beside,
    field,
    import_key_pair,
    link,
    open_wizard,
    show_details,
)

FINGERPRINT = re.compile(r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")
SLOW_SECONDS = 2.0


def drop_file(page: Page, label: str, path: Path) -> None:
    """Drag a file from the desktop onto the field's drop zone, as a browser reports it."""
    page.evaluate(
        """([id, name, b64]) => {
             const zone = document.getElementById(id).closest('.dropzone');
             const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
             const transfer = new DataTransfer();
             transfer.items.add(new File([bytes], name));
             for (const type of ['dragenter', 'dragover', 'drop']) {
               zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true,
                                                       cancelable: true}));
             }
           }""",
        [
            field(page, label).get_attribute("id"),
            path.name,
            base64.b64encode(path.read_bytes()).decode(),
        ],
    )


def test_files_can_be_dropped_on_both_file_fields(page: Page, key_files: KeyFiles) -> None:
    open_wizard(page)
    drop_file(page, "Key pair file", key_files.p12)
    assert page.evaluate("() => document.getElementById('key_file').files[0].name") == "alice.p12"
    field(page, "Key pair file password").fill(P12_PASSWORD)
    button(page, "Import").click()
    expect(field(page, "Alias")).to_have_value("alice-example")

    # A file dropped beside the zone is swallowed, not opened by the browser in place of the page.
    assert (
        page.evaluate("""() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(['x'], 'beside.p12'));
        return document.querySelector('h1').dispatchEvent(
            new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""")
        is False
    )

    button(page, "Start the truststore now").click()
    drop_file(page, "Certificate files", key_files.partner_p7b)  # a drop uploads at once
    expect(page.get_by_label("Include Partner Test Root", exact=True)).to_be_checked()


def test_copy_buttons_put_the_fingerprint_on_the_clipboard(page: Page, key_files: KeyFiles) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    show_details(page, "Alice Example")  # the fingerprint is one click away
    button(page, "Copy fingerprint").click()
    copy = page.locator("[data-copy='#ks-leaf-fp']")  # its name changes while it says "Copied"
    expect(copy).to_have_text("Copied")
    expect(page.locator("#announcer")).to_have_text("Copied to the clipboard.")
    fingerprint = page.locator("#ks-leaf-fp").inner_text()
    assert FINGERPRINT.match(fingerprint)
    assert page.evaluate("() => navigator.clipboard.readText()") == fingerprint
    expect(copy).to_have_text("Copy fingerprint")


@pytest.mark.parametrize("case", ["valid", "expiring soon", "expired"])
def test_expiry_is_shown_in_words_and_colour(case: str, page: Page, key_files: KeyFiles) -> None:
    key_file, words, colour, warning = {
        "valid": (key_files.p12, r"expires in 36[45] days", "rgb(231, 245, 236)", None),
        "expiring soon": (
            key_files.expiring_p12,
            r"expires in 20 days",
            "rgb(255, 244, 220)",
            "This certificate expires in 20 days. Plan its renewal now.",
        ),
        "expired": (
            key_files.expired_p12,
            r"expired 3[01] days ago",
            "rgb(253, 236, 236)",
            "This certificate has expired.",
        ),
    }[case]
    open_wizard(page)
    import_key_pair(page, key_file, P12_PASSWORD)
    badge = page.locator("#step-keystore .cert .badge")
    expect(badge).to_have_text(re.compile(words))
    assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == colour
    if warning:
        expect(page.locator("#step-keystore .imported > .alert").nth(1)).to_contain_text(warning)
    assert_accessible(page, f"a certificate that is {case}")


def test_start_over_asks_first(page: Page, key_files: KeyFiles) -> None:
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    expect(field(page, "Alias")).to_be_visible()
    link(page, "Start over").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start over?")
    assert_accessible(page, "the Start over confirmation")
    link(page, "No, go back").click()
    expect(field(page, "Alias")).to_have_value("alice-example")

    link(page, "Start over").click()
    button(page, "Yes, erase everything").click()
    expect(field(page, "Key pair file")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Alice Example")
    assert page.request.get("/keystore/certificate").status == 409  # nothing left to give


@pytest.fixture
def slow_server() -> Iterator[SlowPlainServer]:
    with SlowPlainServer(delay=SLOW_SECONDS) as server:
        yield server


def test_a_slow_fetch_shows_progress_and_cannot_be_sent_twice(
    page: Page, slow_server: SlowPlainServer
) -> None:
    fetches: list[Request] = []
    page.on("request", lambda r: fetches.append(r) if r.url.endswith("/truststore/fetch") else None)
    open_wizard(page)
    button(page, "Start the truststore now").click()
    fetch = button(page, "Fetch certificates")
    field(page, "Server URL").fill(f"127.0.0.1:{slow_server.port}")
    fetch.click()

    expect(fetch).to_be_disabled()
    expect(page.get_by_role("status").filter(has_text="Contacting the server…")).to_be_visible()
    # Impatient users: Enter in the field and another submit while the first one runs.
    field(page, "Server URL").press("Enter")
    page.evaluate("() => document.getElementById('fetch-form').requestSubmit()")

    check_error_beside(page, "Server URL", "did not answer with TLS (HTTPS)")
    expect(button(page, "Fetch certificates")).to_be_enabled()
    expect(page.get_by_text("Contacting the server…")).to_be_hidden()
    assert len(fetches) == 1
    assert len(slow_server.connections) == 1
