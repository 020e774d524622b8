"""Screenshots of every step for the README: `make screenshots` (pytest --screenshots) writes
them to docs/screenshots/; a normal run takes them into a temporary folder, so the walk
through stays tested and the pictures cannot silently break."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DESKTOP,
    KEYSTORE_PASSWORD,
    MOBILE,
    P12_PASSWORD,
    TRUSTSTORE_PASSWORD,
    KeyFiles,
    OpenPage,
)
from tests.browser.test_procedure import partner_url
from tests.browser.wizard import (
    button,
    create_keystore,
    create_truststore,
    fetch_certificates,
    field,
    import_key_pair,
    link,
    no_overflow,
    open_wizard,
)
from tests.support.tls_server import LocalTLSServer

# docs/screenshots/<name>: what the README shows, in the order of the procedure.
SHOTS = {
    "01-import.png": "the first page: import the key pair",
    "02-imported.png": "step 1 after the import: what was found, alias and password",
    "03-keystore-ready.png": "step 1 done: the keystore to download",
    "04-truststore-fetched.png": "step 2: the partner's chain, fetched and completed",
    "05-finish.png": "step 3: the destination settings and Download all",
    "06-error.png": "an error, beside its field",
    "07-mobile.png": "the same page on a 360 px wide phone",
    "08-whole-page.png": "the whole page once both stores are made: two screens",
    "09-erased.png": "after Get the zip and erase my data: nothing left to download",
}


def shoot(
    target: Page,
    folder: Path,
    name: str,
    *,
    section: str | None = None,
    start: str | None = None,
    max_height: int | None = None,
    shots: Mapping[str, str] = SHOTS,
) -> None:
    """A picture of one step (its section, optionally from `start` down and at most
    `max_height` tall), or of the visible page. `name` is one of `shots` (what it shows)."""
    assert name in shots
    target.mouse.move(0, 0)  # no hover effects in the pictures
    target.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    # caret="initial": hiding the caret makes Playwright inject a <style>, which the app's
    # CSP rightly refuses (and the page fixture reports as a problem).
    if section is None:
        target.screenshot(path=folder / name, caret="initial")
        return
    box = target.locator(section).bounding_box()
    assert box is not None
    top = box["y"]
    if start is not None:
        first = target.locator(start).bounding_box()
        assert first is not None
        top = first["y"] - 16
    bottom = box["y"] + box["height"]
    if max_height is not None:
        bottom = min(bottom, top + max_height)
    target.screenshot(
        path=folder / name,
        caret="initial",
        full_page=True,
        clip={"x": box["x"], "y": top, "width": box["width"], "height": bottom - top},
    )


def test_screenshots_of_every_step(
    open_page: OpenPage, key_files: KeyFiles, partner_server: LocalTLSServer, screenshot_dir: Path
) -> None:
    page = open_page()
    open_wizard(page)
    shoot(page, screenshot_dir, "01-import.png")

    import_key_pair(page, key_files.p12, P12_PASSWORD)
    expect(field(page, "Alias")).to_be_visible()
    shoot(page, screenshot_dir, "02-imported.png", section="#step-keystore")
    create_keystore(page, KEYSTORE_PASSWORD, press_create=False)
    expect(link(page, "Download keystore")).to_be_visible()
    shoot(
        page,
        screenshot_dir,
        "03-keystore-ready.png",
        section="#step-keystore",
        start="#keystore-settings",
    )

    fetch_certificates(page, partner_url(partner_server))
    expect(page.get_by_label("Include 127.0.0.1", exact=True)).to_be_checked()
    shoot(
        page,
        screenshot_dir,
        "04-truststore-fetched.png",
        section="#step-truststore",
        max_height=1300,
    )
    create_truststore(page, TRUSTSTORE_PASSWORD, press_create=False)
    field(page, "Folder on the platform's server").fill("/opt/platform/certs")
    expect(page.locator("#config-json")).to_contain_text("/opt/platform/certs")
    expect(link(page, "Download all")).to_be_visible()
    shoot(page, screenshot_dir, "05-finish.png", section="#step-finish")
    button(page, "Create truststore").click()  # folds step 2: the page as the user ends it
    expect(page.locator("#step-truststore.step--done")).to_be_visible()
    page.mouse.move(0, 0)
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    page.screenshot(path=screenshot_dir / "08-whole-page.png", caret="initial", full_page=True)
    with page.expect_download():
        button(page, "Get the zip and erase my data from this server").click()
    expect(
        page.get_by_role("heading", name="Your files were downloaded and erased from this server")
    ).to_be_visible()
    shoot(page, screenshot_dir, "09-erased.png")

    failing = open_page()
    open_wizard(failing)
    import_key_pair(failing, key_files.p12, "not-the-password")
    expect(failing.locator("#key_password-error")).to_be_visible()
    shoot(failing, screenshot_dir, "06-error.png", section="#step-keystore")

    phone = open_page(viewport=MOBILE)
    open_wizard(phone)
    import_key_pair(phone, key_files.p12, P12_PASSWORD)
    expect(field(phone, "Alias")).to_be_visible()
    no_overflow(phone, MOBILE["width"])
    shoot(phone, screenshot_dir, "07-mobile.png")

    for name in SHOTS:
        width, height = png_size(screenshot_dir / name)
        assert 300 <= width <= DESKTOP["width"] and 300 <= height <= 2000, (name, width, height)
    assert png_size(screenshot_dir / "07-mobile.png") == (MOBILE["width"], MOBILE["height"])


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])
