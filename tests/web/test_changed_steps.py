"""Issue 9: an htmx action answers with its own step, the stepper, and only the other steps
whose content changed (out of band); a plain form post still gets a redirect to the page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .procedure import HTMX

FINISHED = Path(__file__).parents[1] / "state" / "legacy" / "main-7743e32-state.json"


@pytest.fixture
def finished(app: Flask, client: FlaskClient) -> FlaskClient:
    """A session with all three steps done, the keystore step open for editing."""
    record = json.loads(FINISHED.read_text())
    record["current"] = "keystore"
    client.set_cookie(
        app.config["VAULT_COOKIE_NAME"], app.extensions["mtls_vault"].new_session(state=record)
    )
    return client


def sections(html: str) -> list[tuple[str, bool]]:
    """(id, out of band?) of each top-level piece of an htmx response, in order."""
    found = re.findall(r'<(?:section|nav) id="([^"]+)"([^>]*)>', html)
    return [(element_id, 'hx-swap-oob="true"' in attrs) for element_id, attrs in found]


def keystore_settings(client: FlaskClient, **fields: str):
    data = {"alias": "legacy-client", "keystore_filename": "legacy-keystore.jks", **fields}
    return client.post("/keystore/settings", headers=HTMX, data=data)


def test_an_alias_change_redraws_only_the_keystore_step(finished: FlaskClient):
    response = keystore_settings(finished, alias="renamed")

    assert response.status_code == 200
    assert sections(response.text) == [("step-keystore", False), ("stepper", True)]
    assert 'data-focus="step-keystore"' in response.text


def test_a_new_password_also_redraws_the_finish_step_whose_config_shows_it(finished: FlaskClient):
    response = keystore_settings(
        finished, keystore_password="changed-pw", confirm_keystore_password="changed-pw"
    )

    assert sections(response.text) == [
        ("step-keystore", False),
        ("stepper", True),
        ("step-finish", True),
    ]


def test_another_key_file_redraws_the_truststore_own_certificates_and_the_finish_step(
    finished: FlaskClient,
):
    response = finished.post("/keystore/reset", headers=HTMX)

    assert [s for s, _ in sections(response.text)] == [
        "step-keystore",
        "stepper",
        "last-year",  # issue 21: with no key pair left, "Last year's files" unfolds again
        "step-truststore",
        "step-finish",
    ]
    assert all(oob for _, oob in sections(response.text)[1:])


def test_errors_stay_in_their_step_with_status_200(finished: FlaskClient):
    response = keystore_settings(
        finished, keystore_password="short", confirm_keystore_password="short"
    )

    assert response.status_code == 200
    assert sections(response.text)[0] == ("step-keystore", False)
    assert 'aria-invalid="true"' in response.text


def test_a_live_preview_replaces_only_the_result_area(finished: FlaskClient):
    response = finished.post(
        "/keystore/settings?live=1",
        headers=HTMX,
        data={"alias": "typing", "keystore_filename": "legacy-keystore.jks"},
    )

    assert response.text.lstrip().startswith('<div id="keystore-result"')
    assert sections(response.text) == [("stepper", True)]


def test_a_plain_form_post_still_redirects_to_the_whole_page(finished: FlaskClient):
    response = finished.post("/keystore/settings", data={"alias": "renamed"})

    assert response.status_code == 303
    page = finished.get(response.headers["Location"])
    assert {"step-keystore", "step-truststore", "step-finish"} <= {
        s for s, _ in sections(page.text)
    }
