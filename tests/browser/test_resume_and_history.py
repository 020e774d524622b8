"""Reload, a server restart, Back and Forward: the user always lands where they were, and
never on a stale page or a "resubmit the form?" prompt."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    KEYSTORE_PASSWORD,
    P12_PASSWORD,
    TRUSTSTORE_PASSWORD,
    KeyFiles,
    OpenPage,
)
from tests.browser.servers import RunningApp
from tests.browser.test_procedure import assert_handshake, partner_url
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
    read_bundle,
)
from tests.support.tls_server import LocalTLSServer


def test_reload_in_the_middle_of_each_step_returns_there(
    page: Page, key_files: KeyFiles, partner_server: LocalTLSServer
) -> None:
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    with live_save(page, "keystore"):
        field(page, "Alias").fill("partner-a")
    page.reload()
    expect(page.locator("#step-keystore")).to_contain_text("Imported alice.p12")
    expect(field(page, "Alias")).to_have_value("partner-a")
    expect(page.get_by_role("link", name="Step 2: Truststore (not started)")).to_be_visible()

    create_keystore(page, KEYSTORE_PASSWORD, press_create=False)
    expect(link(page, "Download keystore")).to_be_visible()
    page.reload()
    expect(link(page, "Download keystore")).to_be_visible()
    expect(field(page, "Server URL")).to_be_visible()

    fetch_certificates(page, partner_url(partner_server))
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    with live_save(page, "truststore"):
        page.get_by_label("Include Alice Example", exact=True).uncheck()
    page.reload()
    expect(field(page, "Server URL")).to_have_value(partner_url(partner_server))
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    expect(page.get_by_label("Include Alice Example", exact=True)).not_to_be_checked()

    create_truststore(page, TRUSTSTORE_PASSWORD, press_create=False)
    expect(link(page, "Download truststore")).to_be_visible()
    with live_save(page, "finish"):
        field(page, "Folder on the platform's server").fill("/srv/certs")
    expect(page.locator("#config-json")).to_contain_text("/srv/certs/truststore.jks")
    page.reload()
    expect(field(page, "Folder on the platform's server")).to_have_value("/srv/certs")
    expect(link(page, "Download all")).to_be_visible()


def live_save(page: Page, step: str):
    """Wait for the live preview's save that what the user typed triggers (300 ms later)."""
    return page.expect_response(lambda answer: f"/{step}/settings?live=1" in answer.url)


def test_after_a_server_restart_the_user_continues(
    open_page: OpenPage,
    restarted_app: RunningApp,
    key_files: KeyFiles,
    partner_server: LocalTLSServer,
    downloads: Path,
) -> None:
    page = open_page()
    open_wizard(page)
    import_key_pair(page, key_files.legacy_pfx, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    fetch_certificates(page, partner_url(partner_server))
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()

    # Another app object on the same vault file and secret: what a restarted server is.
    # Cookies are per host, not per port, so the browser brings its session along.
    page.goto(restarted_app.url + "/")
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    expect(link(page, "Download keystore")).to_be_visible()
    create_truststore(page, TRUSTSTORE_PASSWORD)  # CSRF tokens of the old process still work
    bundle = read_bundle(download(page, "Download all", downloads))
    assert_handshake(bundle, partner_server, "Alice Example")


def test_a_finished_step_folds_into_a_summary_that_can_be_edited(
    page: Page, key_files: KeyFiles, partner_server: LocalTLSServer
) -> None:
    open_wizard(page)
    import_key_pair(page, key_files.ec_p12, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    fetch_certificates(page, partner_url(partner_server))
    summary = page.locator("#step-keystore .summary")
    expect(summary).to_contain_text("Key pair of Bob Example")
    expect(summary).to_contain_text("under the alias bob-example")
    expect(field(page, "Alias")).to_have_count(0)
    expect(page.get_by_role("link", name="Step 1: Keystore (done)")).to_be_visible()

    button(page, "Edit keystore").click()
    expect(field(page, "Alias")).to_have_value("bob-example")
    expect(page.locator("#step-keystore-title")).to_be_focused()
    # Nothing of step 2 was lost by going back to step 1.
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()


def test_back_and_forward_with_scripts(page: Page, key_files: KeyFiles) -> None:
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    expect(field(page, "Alias")).to_be_visible()

    page.get_by_role("link", name="Start over", exact=True).click()
    expect(page.get_by_role("heading", name="Start over?")).to_be_visible()
    page.go_back()
    expect(field(page, "Alias")).to_have_value("alice-example")  # not the empty first page
    page.go_forward()
    expect(page.get_by_role("heading", name="Start over?")).to_be_visible()
    button(page, "Yes, erase everything").click()
    expect(field(page, "Key pair file")).to_be_visible()
    # Going back past the erase shows the page as it is now, never the erased key pair.
    page.go_back()
    page.go_back()
    expect(field(page, "Key pair file")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Alice Example")


def test_back_and_forward_without_scripts(open_page: OpenPage, key_files: KeyFiles) -> None:
    page = open_page(javascript=False)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_wizard(page)
    import_key_pair(page, key_files.p12, P12_PASSWORD)
    create_keystore(page, KEYSTORE_PASSWORD)
    expect(link(page, "Download keystore")).to_be_visible()

    page.go_back()  # the page after the import: shown as things are now, keystore ready
    expect(link(page, "Download keystore")).to_be_visible()
    page.go_back()  # the first page
    expect(link(page, "Download keystore")).to_be_visible()
    page.go_forward()
    page.go_forward()
    expect(link(page, "Download keystore")).to_be_visible()
    assert dialogs == []  # Post/Redirect/Get: no "confirm form resubmission"
