"""What a user does on the page, in the UI contract's words (labels and roles, exact names).

Every helper works with and without JavaScript: with scripts the live preview and htmx do
the work; without, the same forms post and the server answers whole pages.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from playwright.sync_api import Locator, Page, expect

from tests.support.java import MtlsResult, keytool_list, run_mtls_client

__all__ = [
    "Bundle",
    "Translate",
    "button",
    "check_error_beside",
    "create_keystore",
    "create_truststore",
    "download",
    "english",
    "show_details",
    "fetch_certificates",
    "field",
    "import_key_pair",
    "link",
    "no_overflow",
    "open_wizard",
    "read_bundle",
    "upload_certificates",
]


# The page's words in the language under test: a catalogue's gettext (tests/browser/
# catalogue.py). The helpers look their labels up through it; by default the English itself.
Translate = Callable[[str], str]


def english(text: str) -> str:
    return text


def field(page: Page, label: str) -> Locator:
    return page.get_by_label(label, exact=True)


def link(page: Page, name: str) -> Locator:
    return page.get_by_role("link", name=name, exact=True)


def button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=name, exact=True)


def show_details(page: Page, name: str) -> None:
    """Open a certificate's "Details" (full name, fingerprint, alias), folded by default."""
    exactly = re.compile(rf"^\s*Details of {re.escape(name)}( \(.*\))?\s*$")
    page.locator("summary").filter(has_text=exactly).first.click()


def open_wizard(page: Page, *, translate: Translate = english) -> None:
    """Load the page (its deferred scripts, htmx included, have run once goto returns)."""
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        translate("Set up mutual TLS in three steps")
    )


def import_key_pair(
    page: Page,
    key_file: Path,
    password: str | None = None,
    *,
    private_key_file: Path | None = None,
    translate: Translate = english,
) -> None:
    """Fill step 1's import form and press Import (does not wait for the outcome)."""
    t = translate
    field(page, t("Key pair file")).set_input_files(key_file)
    if private_key_file is not None:
        page.get_by_text(t("My private key is in a separate file"), exact=True).click()
        field(page, t("Private key file")).set_input_files(private_key_file)
    if password is not None:
        field(page, t("Key pair file password")).fill(password)
    button(page, t("Import")).click()


def create_keystore(
    page: Page,
    password: str,
    confirmation: str | None = None,
    *,
    press_create: bool = True,
    translate: Translate = english,
) -> None:
    t = translate
    field(page, t("Keystore password")).fill(password)
    field(page, t("Confirm keystore password")).fill(
        password if confirmation is None else confirmation
    )
    if press_create:
        button(page, t("Create keystore")).click()


def fetch_certificates(page: Page, url: str, *, translate: Translate = english) -> None:
    field(page, translate("Server URL")).fill(url)
    button(page, translate("Fetch certificates")).click()


def upload_certificates(
    page: Page, *files: Path, javascript: bool = True, translate: Translate = english
) -> None:
    """Choose files in "Certificate files": with scripts the choice uploads at once. After a
    fetch the field is folded (issue 21): the user opens it first."""
    folded = page.locator("#add-files:not([open]) > summary")
    if folded.count():
        folded.click()
    field(page, translate("Certificate files")).set_input_files(list(files))
    if not javascript:
        button(page, translate("Add certificates")).click()


def create_truststore(
    page: Page,
    password: str,
    confirmation: str | None = None,
    *,
    press_create: bool = True,
    translate: Translate = english,
) -> None:
    t = translate
    field(page, t("Truststore password")).fill(password)
    field(page, t("Confirm truststore password")).fill(
        password if confirmation is None else confirmation
    )
    if press_create:
        button(page, t("Create truststore")).click()


def download(
    page: Page,
    name: str,
    folder: Path,
    *,
    role: Literal["link", "button"] = "link",
    within: Locator | None = None,
) -> Path:
    """Click the download link (or, with role="button", the form button) called `name`,
    looked for `within` a part of the page if given; return the saved file."""
    control = (within or page).get_by_role(role, name=name, exact=True)
    with page.expect_download() as info:
        control.click()
    saved = folder / info.value.suggested_filename
    info.value.save_as(saved)
    assert info.value.failure() is None
    return saved


def check_error_beside(page: Page, label: str, message: str) -> Locator:
    """The message is shown inside the field's own block, tied to the field with
    aria-describedby, the field is marked invalid and has the focus. Returns the field."""
    control = field(page, label)
    expect(control).to_have_attribute("aria-invalid", "true")
    error_id = page.evaluate(
        """el => (el.getAttribute('aria-describedby') || '').split(' ')
              .find(id => id.endsWith('-error')) || ''""",
        control.element_handle(),
    )
    assert error_id, f"{label}: no error is tied to the field with aria-describedby"
    error = page.locator(f"[id='{error_id}']")
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    same_block = page.evaluate(
        "([el, err]) => el.closest('.field') === err.closest('.field')",
        [control.element_handle(), error.element_handle()],
    )
    assert same_block, f"{label}: the error is not shown beside the field"
    expect(control).to_be_focused()
    return control


def no_overflow(page: Page, width: int) -> None:
    """Nothing is wider than the viewport: no sideways scrolling on a small phone."""
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll_width > width:
        culprits = page.evaluate(
            """w => [...document.querySelectorAll('body *')]
                 .filter(el => el.getBoundingClientRect().right > w + 0.5)
                 .slice(0, 8).map(el => el.tagName + '#' + el.id + '.' + el.className)""",
            width,
        )
        raise AssertionError(f"page is {scroll_width}px wide at {width}px: {culprits}")


@dataclass(frozen=True)
class Bundle:
    """What "Download all" gave: the files, unpacked, and the config's values."""

    folder: Path
    names: list[str]
    config: dict

    @property
    def keystore(self) -> Path:
        return self.folder / Path(self.config["keystoreFile"]).name

    @property
    def truststore(self) -> Path:
        return self.folder / Path(self.config["truststoreFile"]).name

    def handshake(self, host: str, port: int) -> MtlsResult:
        """A Java client with the bundle's stores and the config's passwords."""
        return run_mtls_client(
            host,
            port,
            self.keystore,
            self.config["keystorePass"],
            self.truststore,
            self.config["truststorePass"],
        )

    def keytool_entries(self) -> tuple[dict, dict]:
        return (
            keytool_list(self.keystore, self.config["keystorePass"]).entries,
            keytool_list(self.truststore, self.config["truststorePass"]).entries,
        )


def read_bundle(zip_path: Path) -> Bundle:
    folder = zip_path.parent / (zip_path.stem + "-unpacked")
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        archive.extractall(folder)
    config = json.loads((folder / "destination.json").read_text(encoding="utf-8"))
    return Bundle(folder, names, config)
