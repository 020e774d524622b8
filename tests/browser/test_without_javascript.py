"""Hypermedia first: with scripts off the same forms post, the server answers whole pages
(Post/Redirect/Get), and the procedure still ends with files Java accepts."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, Response, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import (
    KEYSTORE_PASSWORD,
    P12_PASSWORD,
    TRUSTSTORE_PASSWORD,
    KeyFiles,
    OpenPage,
)
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
    upload_certificates,
)
from tests.support.tls_server import LocalTLSServer


def test_whole_procedure_without_javascript(
    open_page: OpenPage, key_files: KeyFiles, partner_server: LocalTLSServer, downloads: Path
) -> None:
    page = open_page(javascript=False)
    answers: list[Response] = []
    page.on("response", lambda response: answers.append(response))
    open_wizard(page)
    # Enhancements that need scripts stay out of the way.
    expect(page.get_by_role("button", name="Copy fingerprint")).to_have_count(0)

    import_key_pair(page, key_files.p12, P12_PASSWORD)
    expect(field(page, "Alias")).to_have_value("alice-example")
    assert_post_redirect_get(page, answers, "/keystore/import", "#step-keystore")
    create_keystore(page, KEYSTORE_PASSWORD)  # "Create keystore" posts the whole form
    expect(link(page, "Download keystore")).to_be_visible()
    assert download(page, "Download keystore", downloads).stat().st_size > 1000

    fetch_certificates(page, partner_url(partner_server))
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    assert_post_redirect_get(page, answers, "/truststore/fetch", "#step-truststore")
    # Uploading the partner's CA bundle too: what was fetched already is merged, not doubled.
    entries = page.locator(".cert-list > li").count()
    upload_certificates(page, key_files.partner_p7b, javascript=False)
    expect(page.locator(".cert-list > li")).to_have_count(entries)
    create_truststore(page, TRUSTSTORE_PASSWORD)
    expect(link(page, "Download truststore")).to_be_visible()
    assert_accessible(page, "step 2 without JavaScript")

    field(page, "Folder on the platform's server").fill("certs")
    button(page, "Save settings").click()
    config = page.locator("#config-json")
    expect(config).to_contain_text('"truststoreFile": "certs/truststore.jks"')
    expect(config).not_to_contain_text(TRUSTSTORE_PASSWORD)
    page.get_by_role("button", name="Show passwords").click()  # a plain link without scripts
    expect(config).to_contain_text(TRUSTSTORE_PASSWORD)
    assert_accessible(page, "step 3 without JavaScript")
    bundle = read_bundle(download(page, "Download all", downloads))

    assert bundle.config["keystoreFile"] == "certs/keystore.jks"
    assert not [a for a in answers if a.request.headers.get("hx-request")], (
        "a request was sent by htmx although scripts are off"
    )
    assert_handshake(bundle, partner_server, "Alice Example")


def assert_post_redirect_get(page: Page, answers: list[Response], path: str, anchor: str) -> None:
    """The form post answered 303, so reload and Back never resubmit it."""
    posts = [a for a in answers if a.request.method == "POST" and a.url.endswith(path)]
    assert posts and posts[-1].status == 303, f"{path} did not redirect after the post"
    assert page.url.endswith("/" + anchor)
