"""The page in the user's language (issue 23): one locale rule (the switch's cookie, then
Accept-Language, then English), the switch itself, and the core's words following it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.i18n.catalogues import catalogue
from tests.web.conftest import FormatCase
from tests.web.page import assert_error_beside
from tests.web.procedure import Upload, import_key_pair, page_of
from webapp import translation
from webapp.web.languages import COOKIE

WRONG_PASSWORD = (
    "The password does not open this file. Check the key pair file password and try again."
)


def html_lang(html: str) -> str:
    found = re.search(r"<html lang=\"([^\"]+)\"", html)
    assert found, html[:200]
    return found.group(1)


def german(text: str) -> str:
    translated = catalogue("de").get(text)
    assert translated is not None and translated.string, text
    return str(translated.string)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.5", "de"),
        ("fr-FR", "fr"),
        ("es-ES,es;q=0.8", "es"),
        ("it-IT,en;q=0.5", "en"),  # no Italian: the next language the browser asks for
        ("pt-BR", "en"),  # nothing we have: English
        ("", "en"),
    ],
)
def test_accept_language_chooses_the_page_language(
    client: FlaskClient, accept: str, expected: str
) -> None:
    response = client.get("/", headers={"Accept-Language": accept} if accept else {})
    assert html_lang(response.text) == expected
    assert "Accept-Language" in response.headers["Vary"]  # caches keep one copy per language


def test_the_switch_cookie_beats_accept_language_and_holds_only_the_code(
    client: FlaskClient,
) -> None:
    response = client.get("/language/fr?next=/explain")
    assert response.status_code == 303
    assert response.headers["Location"] == "/explain"
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None and cookie.value == "fr"
    assert cookie.http_only and cookie.same_site == "Lax"
    page = client.get("/", headers={"Accept-Language": "de-DE"})
    assert html_lang(page.text) == "fr"
    # An unknown code changes nothing; a forged cookie value is ignored.
    client.get("/language/xx")
    assert client.get_cookie(COOKIE).value == "fr"
    client.set_cookie(COOKIE, "<script>")
    assert html_lang(client.get("/", headers={"Accept-Language": "es"}).text) == "es"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_the_switch_returns_only_to_a_page_of_this_site(client: FlaskClient, target: str):
    response = client.get("/language/de", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_the_switch_is_a_plain_link_per_language_in_its_own_words(client: FlaskClient) -> None:
    html = client.get("/", headers={"Accept-Language": "de"}).text
    nav = html[html.index('<nav class="languages"') : html.index("</nav>")]
    assert german("Language:") in nav and german("Language:") != "Language:"
    for code, name in (("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")):
        link = rf'<a href="/language/{code}\?next=/" hreflang="{code}" lang="{code}"'
        assert re.search(link, nav)
        assert f">{name}</a>" in nav
    assert 'hreflang="de" lang="de" aria-current="true"' in nav
    english = client.get("/").text
    assert ">Language:<" in english


def test_the_core_speaks_the_request_language_and_english_elsewhere(app: Flask) -> None:
    when = dt.date(2026, 12, 2)
    with app.test_request_context(headers={"Accept-Language": "de-DE"}):
        assert translation.locale_code() == "de"
        assert translation._(WRONG_PASSWORD) == german(WRONG_PASSWORD)
        assert translation.long_date(when) == "2. Dezember 2026"
        assert translation.short_date(when) == "02.12.2026"
        assert translation.number(12345) == "12.345"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert translation.long_date(when) == "2 décembre 2026"
    with app.test_request_context():
        assert translation.long_date(when) == "02 December 2026"
        assert translation.short_date(when) == "02 Dec 2026"
    # The command line, logs and audit lines: no request, so English, whatever was asked.
    assert translation._(WRONG_PASSWORD) == WRONG_PASSWORD
    assert translation.locale_code() == "en"


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_a_wrong_password_is_explained_in_the_users_language(
    client: FlaskClient, keypair_uploads: dict[str, FormatCase], language: str
) -> None:
    good = keypair_uploads["p12-openssl-modern-ec256"].upload
    client.set_cookie(COOKIE, language)
    page = page_of(import_key_pair(client, Upload(good.data, "mine.p12", "not-the-password")))
    expected = catalogue(language).get(WRONG_PASSWORD)
    assert expected is not None and expected.string and expected.string != WRONG_PASSWORD
    assert_error_beside(page, "key_password", str(expected.string))


@pytest.mark.parametrize("accept", ["en", "de-DE", "fr-FR", "es-ES"])
def test_a_refused_address_and_a_closed_port_read_the_same_in_every_language(
    app: Flask, accept: str
) -> None:
    # No port-scan oracle (outbound.py) in any language: the page's words for an address
    # the policy refuses and for a port nobody answers on are the same, and say no reason.
    from webapp.pki.partner.connect import ConnectionFailed
    from webapp.pki.partner.outbound import COULD_NOT_CONNECT, AddressRefused
    from webapp.pki.partner.wording import NO_CONNECTION_DETAIL, unreachable_words

    with app.test_request_context(headers={"Accept-Language": accept}):
        refused, closed = AddressRefused("10.0.0.1 is private"), ConnectionFailed("port 9: RST")
        assert refused.english == closed.english == COULD_NOT_CONNECT
        assert unreachable_words(refused) == unreachable_words(closed)
        assert unreachable_words(refused)[2] == translation._(NO_CONNECTION_DETAIL)
