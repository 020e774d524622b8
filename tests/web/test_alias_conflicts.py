"""Issue 9: "ready" and "buildable" are one rule. Two different certificates with the same
name (a partner renewed its certificate; an upload named like the user's own) must never give
a page that says "ready" and a download that fails."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.throwaway_pki import ThrowawayCA

from .conftest import FormatCase, pem_of
from .page import Page
from .procedure import (
    HTMX,
    complete_keystore,
    page_of,
    saved_state,
    session_token,
    truststore_settings,
    upload_certificates,
)

GOOD_FILE = "p12-openssl-modern-ec256"
READY = "Your truststore is ready"
DOWNLOADS = ("/truststore/download", "/finish/bundle.zip")


def full_page(client: FlaskClient) -> Page:
    return page_of(client.get("/"))


def aliases_shown(page: Page) -> list[str]:
    return [f.attrs.get("value", "") for f in page.fields("alias-")]


def assert_ready_means_downloadable(client: FlaskClient) -> Page:
    page = full_page(client)
    statuses = {url: client.get(url).status_code for url in DOWNLOADS}
    assert 500 not in statuses.values()
    if READY in page.text:
        assert statuses["/truststore/download"] == 200, "the page said ready, the download failed"
    return page


@pytest.fixture
def saved_truststore(client: FlaskClient, keypair_uploads: dict[str, FormatCase]) -> FlaskClient:
    """Keystore finished; a partner root uploaded; truststore saved (own certificate included)."""
    complete_keystore(client, keypair_uploads[GOOD_FILE].upload)
    partner = ThrowawayCA("Partner Renewal CA", key_kind="ec256")
    page = page_of(upload_certificates(client, [(partner.root_pem(), "partner.pem")]))
    saved = page_of(truststore_settings(client, page))
    assert not saved.errors() and READY in saved.text
    client.post("/finish/settings", headers=HTMX, data={"dest_url": "https://partner.example/in"})
    return client


def test_an_upload_named_like_the_own_certificate_gets_its_own_alias(
    saved_truststore: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    own_name = keypair_uploads[GOOD_FILE].common_name
    lookalike = ThrowawayCA(own_name, key_kind="ec256").root.cert

    page_of(upload_certificates(saved_truststore, [(pem_of(lookalike), "lookalike.pem")]))

    page = assert_ready_means_downloadable(saved_truststore)
    aliases = aliases_shown(page)
    assert len(aliases) == len(set(aliases)), aliases
    assert saved_truststore.get("/truststore/download").status_code == 200


def test_a_renewed_partner_certificate_gets_its_own_alias(saved_truststore: FlaskClient):
    renewed = ThrowawayCA("Partner Renewal CA", key_kind="ec256").root.cert

    page_of(upload_certificates(saved_truststore, [(pem_of(renewed), "renewed.pem")]))

    page = assert_ready_means_downloadable(saved_truststore)
    aliases = aliases_shown(page)
    assert "partner-renewal-ca" in aliases and "partner-renewal-ca-2" in aliases
    assert saved_truststore.get("/finish/bundle.zip").status_code == 200


def test_duplicate_saved_aliases_are_shown_beside_the_field_and_nothing_claims_ready(
    saved_truststore: FlaskClient, app: Flask
):
    # A record where two included certificates ended up with one alias (older versions
    # could write this): the page must not say ready, and the downloads must not 500.
    def clash(record: dict) -> None:
        choices = record["truststore"]["choices"]
        for choice in choices.values():
            choice["alias"] = "same-alias"
            choice["include"] = True

    app.extensions["mtls_vault"].update(session_token(saved_truststore, app), clash)

    page = full_page(saved_truststore)

    assert READY not in page.text
    errors = page.errors()
    assert any(
        name.startswith("alias-") and "already used" in message for name, message in errors.items()
    ), errors
    assert {url: saved_truststore.get(url).status_code for url in DOWNLOADS} == {
        url: 409 for url in DOWNLOADS
    }
    assert "Download all" not in page.links()


def test_fixing_the_duplicate_alias_makes_it_ready_again(saved_truststore: FlaskClient, app: Flask):
    app.extensions["mtls_vault"].update(
        session_token(saved_truststore, app),
        lambda record: [
            c.update(alias="same-alias") for c in record["truststore"]["choices"].values()
        ],
    )
    page = full_page(saved_truststore)
    fields = page.fields("alias-")
    renamed = {f.attrs["name"][len("alias-") :]: f"alias-{n}" for n, f in enumerate(fields)}

    fixed = page_of(truststore_settings(saved_truststore, page, aliases=renamed, password=""))

    assert not fixed.errors() and READY in fixed.text
    assert saved_truststore.get("/truststore/download").status_code == 200
    state = saved_state(saved_truststore, app)
    assert sorted(c["alias"] for c in state["truststore"]["choices"].values()) == sorted(
        renamed.values()
    )
