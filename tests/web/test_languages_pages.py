"""Pages the browser walk of tests/browser/test_languages.py does not reach, in German,
French and Spanish (issue 23): every explained Java error and the error pages show none of
the catalogue's English sentences."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from flask.testing import FlaskClient

from tests.browser.catalogue import english_in, language
from tests.support.java_errors import java_error_texts, variants
from tests.web.page import Page
from webapp.web.languages import COOKIE

from .procedure import (
    HTMX,
    complete_keystore,
    download,
    page_of,
    truststore_settings,
    upload_certificates,
)

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


def _unfolded(ics: str) -> str:
    """The .ics text as a person reads it: lines unfolded, RFC 5545 escapes undone."""
    text = ics.replace("\r\n ", "").replace("\r\n", "\n")
    return text.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";")


@pytest.mark.parametrize("code", LOCALES)
def test_the_zip_readme_reminder_and_partner_email_are_in_the_language(
    client: FlaskClient, keypair_uploads, throwaway_pki, code: str
) -> None:
    words = language(code, LOCALES[code])
    client.set_cookie(COOKIE, code)
    complete_keystore(client, keypair_uploads["p12-openssl-modern-ec256"].upload, alias="mine")
    uploaded = page_of(
        upload_certificates(client, [(throwaway_pki.root_pem.read_bytes(), "partner.pem")])
    )
    page_of(truststore_settings(client, uploaded))
    settings = {"dest_url": "https://partner.example/in", "folder": "/srv"}
    assert client.post("/finish/settings", data=settings).status_code == 303
    bundle = zipfile.ZipFile(io.BytesIO(download(client, "/finish/bundle.zip").data))
    names = bundle.namelist()
    assert "README.txt" in names and "reminder.ics" in names  # file names stay as they are
    readme = bundle.read("README.txt").decode()
    reminder = _unfolded(bundle.read("reminder.ics").decode())
    assert not english_in(readme, words), english_in(readme, words)
    assert not english_in(reminder, words), english_in(reminder, words)
    # Both say something in the language (an empty file would pass the check above).
    assert words.translate("Download all") in readme or len(readme.split()) > 100
    assert "SUMMARY:" in reminder
    assert json.loads(bundle.read("destination.json"))["keystoreFile"] == "/srv/keystore.jks"
    # The partner kit's e-mail text, in the Finish step.
    email = Page(client.get("/").text).by_id("partner-email-text").text
    assert len(email.split()) > 20
    assert not english_in(email, words), english_in(email, words)
