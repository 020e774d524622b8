"""Issue 18, at the HTTP level: a live preview and a save of the truststore at once.

The preview saves the typed passwords too, so when it reaches the server first the save
finds the truststore already ready: compared with the state it began from, the Finish step
did not change, and the old rule left it out, while the page still showed it "Not started
yet" (the preview's answer, which had it, was dropped by the page). An answer is now judged
against what the page says it shows.
"""

from __future__ import annotations

import re
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from .procedure import TRUSTSTORE_PASSWORD
from .shown import ShownPage, seed, truststore_without_password

REPEATS = 25
FORM = {
    "truststore_password": TRUSTSTORE_PASSWORD,
    "confirm_truststore_password": TRUSTSTORE_PASSWORD,
}


def _finish_section(html: str) -> str:
    found = re.search(r'<section id="step-finish"[^>]*>', html)
    return found.group(0) if found else ""


def _fresh_page(app: Flask, client: FlaskClient) -> ShownPage:
    seed(app, client, truststore_without_password())
    page = client.get("/")
    assert "step--waiting" in _finish_section(page.text)
    return ShownPage(page.text)


def _form(client: FlaskClient) -> dict[str, str]:
    """The truststore form as the page shows it (every certificate included)."""
    html = client.get("/").text
    form = dict(FORM)
    for key in re.findall(r'name="include-([0-9a-f]+)"', html):
        form[f"include-{key}"] = "on"
        alias = re.search(rf'name="alias-{key}"[^>]* value="([^"]*)"', html)
        form[f"alias-{key}"] = alias.group(1) if alias else ""
    return form


def test_a_save_after_a_preview_that_made_the_store_ready_brings_the_finish_step(
    app: Flask, client: FlaskClient
) -> None:
    shown = _fresh_page(app, client)
    form = _form(client)
    preview = client.post("/truststore/settings?live=1", headers=shown.headers(), data=form)
    assert "step--open" in _finish_section(preview.text)
    # The page dropped the preview's answer (the save replaced the form it came from).
    save = client.post("/truststore/settings", headers=shown.headers(), data=form)
    finish = _finish_section(save.text)
    assert "step--open" in finish and 'hx-swap-oob="true"' in finish
    assert 'href="#step-finish" aria-current="step"' in save.text


def test_an_answer_leaves_out_what_the_page_already_shows(app: Flask, client: FlaskClient) -> None:
    shown = _fresh_page(app, client)
    form = _form(client)
    first = client.post("/truststore/settings", headers=shown.headers(), data=form)
    shown.apply(first.text)
    again = client.post("/truststore/settings", headers=shown.headers(), data=form)
    assert _finish_section(first.text) and not _finish_section(again.text)


def _post(client: FlaskClient, url: str, headers: dict, form: dict, start: threading.Barrier):
    start.wait()
    return client.post(url, headers=headers, data=form)


@pytest.mark.parametrize("repeat", range(REPEATS))
def test_a_preview_and_a_save_at_once(app: Flask, client: FlaskClient, repeat: int) -> None:
    shown = _fresh_page(app, client)
    form = _form(client)
    cookie = client.get_cookie(app.config["VAULT_COOKIE_NAME"])
    assert cookie is not None
    other = app.test_client()  # the same session, a second connection
    other.set_cookie(cookie.key, cookie.value)
    start = threading.Barrier(2)
    answers: dict[str, TestResponse] = {}

    def preview() -> None:
        answers["preview"] = _post(
            other, "/truststore/settings?live=1", shown.headers(), form, start
        )

    thread = threading.Thread(target=preview)
    thread.start()
    save = _post(client, "/truststore/settings", shown.headers(), form, start)
    thread.join(timeout=30)
    assert answers["preview"].status_code == save.status_code == 200
    # Whatever order the server took them in, the save's answer alone fixes the page.
    assert "step--open" in _finish_section(save.text)
    assert 'href="#step-finish" aria-current="step"' in save.text
    saved = app.extensions["mtls_vault"].load(cookie.value)
    assert saved["truststore"]["password"] == TRUSTSTORE_PASSWORD
    assert saved["current"] == "finish"
