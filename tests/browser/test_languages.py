"""Issue 23 in Chromium: the whole procedure in German, French and Spanish, reached either way
a person gets there (the browser's language, or the header's switch), found by the
translated labels, with no English sentence left on the page, accessible at 1280 and 390 px,
and ending in files Java accepts for a mutual-TLS handshake.

The labels are looked up in the compiled catalogue (tests/browser/catalogue.py): no German,
French or Spanish is written here. "No English" is checked two ways at every stage: no
English sentence of the catalogue is on the page, and no line of the same page in English
(a text nobody marked is in no catalogue). One whole procedure per language and way in, six
runs, and one in English for the module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.axe import assert_accessible
from tests.browser.catalogue import (
    Language,
    english_in,
    english_left_on,
    language,
    sentence_lines,
)
from tests.browser.conftest import (
    DESKTOP,
    KEYSTORE_PASSWORD,
    P12_PASSWORD,
    TRUSTSTORE_PASSWORD,
    KeyFiles,
    OpenPage,
)
from tests.browser.servers import RunningApp
from tests.browser.test_procedure import assert_handshake, partner_url
from tests.browser.test_screenshots import png_size, shoot
from tests.browser.wizard import (
    Translate,
    button,
    check_error_beside,
    create_keystore,
    create_truststore,
    download,
    english,
    fetch_certificates,
    field,
    import_key_pair,
    link,
    no_overflow,
    open_wizard,
    read_bundle,
)
from tests.support.tls_server import LocalTLSServer
from webapp.pki.keyimport.errors import WrongPasswordError

pytestmark = pytest.mark.java  # the downloaded stores must complete a JDK handshake

LOCALES = {"de": "de-DE", "fr": "fr-FR", "es": "es-ES"}
WAYS = ["browser-language", "switch"]
PHONE = ViewportSize(width=390, height=844)
WIDE = ViewportSize(width=DESKTOP["width"], height=DESKTOP["height"])

FIRST_PAGE = "the first page"
WRONG_PASSWORD = "the wrong-password message"
KEYSTORE = "step 1 with the keystore ready"
TRUSTSTORE = "step 2 with the truststore ready"
FINISHED = "the finished page after Test connection"
ACCESSIBLE_AT = (WRONG_PASSWORD, FINISHED)  # axe at 1280 and 390 px
# Names that are the same in every language (the Spring Boot snippets' titles).
SAME_EVERYWHERE = {"Spring Boot (application.yml)", "Spring Boot (application.properties)"}

# German pictures for the docs (make screenshots), from the run through the browser language.
SHOTS = {
    "de-01-first-page.png": "the first page in German",
    "de-02-keystore.png": "step 1 in German: the keystore to download",
    "de-03-finish.png": "step 3 in German: the connection test passed",
    "de-04-mobile.png": "the wrong-password message in German on a 390 px wide phone",
}


def walk(
    page: Page,
    key_files: KeyFiles,
    server: LocalTLSServer,
    at: Callable[[str], None],
    translate: Translate = english,
) -> None:
    """The whole procedure from the first page to Test connection, by `translate`'s labels;
    `at(stage)` at each stage. Starts from the first page, a wrong password first."""
    t = translate
    at(FIRST_PAGE)
    import_key_pair(page, key_files.p12, "not-the-password", translate=t)
    check_error_beside(page, t("Key pair file password"), t(str(WrongPasswordError())))
    at(WRONG_PASSWORD)

    import_key_pair(page, key_files.p12, P12_PASSWORD, translate=t)
    expect(field(page, t("Alias"))).to_have_value("alice-example")
    create_keystore(page, KEYSTORE_PASSWORD, translate=t)
    expect(link(page, t("Download keystore"))).to_be_visible()
    at(KEYSTORE)

    # The partner's chain fetched, its root added; all six certificates trusted.
    fetch_certificates(page, partner_url(server), translate=t)
    chosen = page.locator("#step-truststore .cert-list input[type=checkbox]:checked")
    expect(chosen).to_have_count(6)
    create_truststore(page, TRUSTSTORE_PASSWORD, translate=t)
    expect(link(page, t("Download truststore"))).to_be_visible()
    at(TRUSTSTORE)

    button(page, t("Test connection")).click()
    expect(page.locator("#connection-result")).to_have_attribute("data-outcome", "accepted")
    at(FINISHED)


@pytest.fixture(scope="module")
def english_lines(
    browser: Browser, live_app: RunningApp, key_files: KeyFiles, partner_server: LocalTLSServer
) -> Iterator[dict[str, set[str]]]:
    """The lines of every stage of the same procedure in English, walked once."""
    context = browser.new_context(base_url=live_app.url, locale="en-US", viewport=WIDE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    lines: dict[str, set[str]] = {}
    try:
        open_wizard(page)
        walk(
            page,
            key_files,
            partner_server,
            lambda stage: lines.update({stage: sentence_lines(page)}),
        )
        yield lines
    finally:
        context.close()


@pytest.fixture(scope="module", params=list(LOCALES))
def words(request: pytest.FixtureRequest) -> Language:
    """One language's catalogue, loaded once for the module."""
    return language(request.param, LOCALES[request.param])


def open_in(way: str, words: Language, open_page: OpenPage) -> Page:
    """The first page in `words`' language: the browser asks for it, or the user starts in
    English and picks it in the header's switch (by its name in its own words)."""
    if way == "browser-language":
        page = open_page(locale=words.locale, accept_language=words.accept_language)
        page.goto("/")
    else:
        page = open_page(locale="en-US", accept_language="en-US,en;q=0.9")
        open_wizard(page)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        # The English page shows the catalogue's sentences: the check below can see them.
        assert english_left_on(page, words), "no English sentence found on the English page"
        choice = page.get_by_role("navigation", name="Language").get_by_role(
            "link", name=words.name, exact=True
        )
        expect(choice).to_have_attribute("hreflang", words.code)
        choice.click()
    expect(page.locator("html")).to_have_attribute("lang", words.code)
    switch = page.get_by_role("navigation", name=words.translate("Language:"))
    expect(switch.get_by_role("link", name=words.name, exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    open_wizard(page, translate=words.translate)  # a new visit keeps the language
    expect(page.locator("html")).to_have_attribute("lang", words.code)
    return page


@dataclasses.dataclass
class EnglishLeft:
    """English found, by where: the run goes on, so one run names it all."""

    words: Language
    english_lines: dict[str, set[str]]
    found: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def check(self, page: Page, where: str) -> None:
        same = sentence_lines(page) & self.english_lines[where]
        self.note(where, english_left_on(page, self.words) + sorted(same - SAME_EVERYWHERE))

    def note(self, where: str, pieces: list[str]) -> None:
        if pieces:
            self.found[where] = sorted(set(pieces))

    def assert_none(self) -> None:
        if self.found:
            pytest.fail(
                f"English left on the page in {self.words.code}:\n"
                + "\n".join(f"- {where}: {pieces}" for where, pieces in self.found.items()),
                pytrace=False,
            )


def accessible_at_both_widths(page: Page, where: str) -> None:
    assert_accessible(page, f"{where}, 1280 px")
    page.set_viewport_size(PHONE)
    no_overflow(page, PHONE["width"])
    assert_accessible(page, f"{where}, 390 px")
    page.set_viewport_size(WIDE)


def take_picture(page: Page, folder: Path, stage: str) -> None:
    """The German pictures: docs/screenshots/ with --screenshots."""
    if stage == FIRST_PAGE:
        shoot(page, folder, "de-01-first-page.png", shots=SHOTS)
    elif stage == WRONG_PASSWORD:
        page.set_viewport_size(PHONE)
        shoot(
            page,
            folder,
            "de-04-mobile.png",
            section="#step-keystore",
            start="#import-form",
            max_height=PHONE["height"],
            shots=SHOTS,
        )
        page.set_viewport_size(WIDE)
    elif stage == KEYSTORE:
        shoot(page, folder, "de-02-keystore.png", section="#step-keystore", shots=SHOTS)
    elif stage == FINISHED:
        shoot(page, folder, "de-03-finish.png", section="#step-finish", shots=SHOTS)
        for name in SHOTS:
            width, height = png_size(folder / name)
            assert 300 <= width <= DESKTOP["width"] and 300 <= height <= 2000, (name, width, height)
        assert png_size(folder / "de-04-mobile.png")[0] <= PHONE["width"]


@pytest.mark.parametrize("way", WAYS)
def test_whole_procedure_in_the_language(
    way: str,
    words: Language,
    english_lines: dict[str, set[str]],
    open_page: OpenPage,
    key_files: KeyFiles,
    partner_server: LocalTLSServer,
    downloads: Path,
    screenshot_dir: Path,
) -> None:
    page = open_in(way, words, open_page)
    english_left = EnglishLeft(words, english_lines)
    pictures = (words.code, way) == ("de", "browser-language")

    def at(stage: str) -> None:
        english_left.check(page, stage)
        if stage in ACCESSIBLE_AT:
            accessible_at_both_widths(page, stage)
        if pictures:
            take_picture(page, screenshot_dir, stage)

    walk(page, key_files, partner_server, at, words.translate)
    bundle = read_bundle(download(page, words.translate("Download all"), downloads))
    readme = (bundle.folder / "README.txt").read_text(encoding="utf-8")
    english_left.note("README.txt", english_in(readme, words))
    assert_handshake(bundle, partner_server, "Alice Example")
    english_left.assert_none()
