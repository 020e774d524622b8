"""Pages the browser walk of tests/browser/test_languages.py does not reach, in German,
French and Spanish (issue 23): every explained Java error and the error pages show none of
the catalogue's English sentences."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.browser.catalogue import english_in, language
from tests.support.java_errors import java_error_texts, variants
from tests.web.page import Page
from webapp.web.languages import COOKIE

from .procedure import HTMX

LOCALES = {"de": "de-DE", "fr": "fr-FR", "es": "es-ES"}


@pytest.mark.java
@pytest.mark.parametrize("code", LOCALES)
def test_every_explained_java_error_is_in_the_language(client: FlaskClient, code: str) -> None:
    words = language(code, LOCALES[code])
    client.set_cookie(COOKIE, code)
    left = {}
    for item in java_error_texts():
        _variant, text = next(iter(variants(item)))
        response = client.post("/explain", data={"java_error": text}, headers=HTMX)
        assert response.status_code == 200
        answer = Page(response.text)
        causes = [e.attrs["data-cause"] for e in answer.elements if "data-cause" in e.attrs]
        assert causes == [item.expected], item.name  # translated, and still the same answer
        # The pasted Java lines are quoted as they are (Java's words, not ours).
        shown = answer.text.replace(text, "")
        for line in text.splitlines():
            shown = shown.replace(line.strip(), "")
        found = english_in(shown, words)
        if found:
            left[item.name] = found
    assert not left, left


@pytest.mark.parametrize("code", LOCALES)
def test_error_pages_are_in_the_language(client: FlaskClient, code: str) -> None:
    words = language(code, LOCALES[code])
    client.set_cookie(COOKIE, code)
    for response in (
        client.get("/no-such-page"),
        client.get("/keystore/import"),  # a form's address, asked the wrong way (405)
    ):
        assert response.status_code in (404, 405)
        page = Page(response.text)
        assert f'<html lang="{code}">' in response.text
        assert not english_in(page.text, words), english_in(page.text, words)
        assert (
            words.translate("Set up client certificates (mutual TLS) for a partner connection.")
            in page.text
        )
