"""Issue 10, hole 10: a planted session token is worthless once the victim imports a key.

Before, a valid token created by an attacker and planted in a victim's browser was accepted
and never rotated: after the victim imported a key pair, the attacker downloaded it. And
the cookie had no `__Host-` prefix over HTTPS.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from flask import Flask

from .conftest import FormatCase
from .procedure import (
    complete_keystore,
    import_key_pair,
    page_of,
    session_token,
    upload_certificates,
)

GOOD_FILE = "p12-openssl-modern-ec256"


def test_a_planted_token_is_rotated_when_a_key_pair_is_imported(
    app: Flask, keypair_uploads: dict[str, FormatCase], throwaway_pki
):
    attacker = app.test_client()
    upload_certificates(attacker, [(throwaway_pki.root_pem.read_bytes(), "root.pem")])
    planted = session_token(attacker, app)
    assert planted

    victim = app.test_client()
    victim.set_cookie(app.config["VAULT_COOKIE_NAME"], planted)  # fixation
    complete_keystore(victim, keypair_uploads[GOOD_FILE].upload)
    rotated = session_token(victim, app)
    assert rotated and rotated != planted
    assert app.extensions["mtls_vault"].load(planted) is None  # the old record is gone
    # The victim's work (including the attacker's earlier upload) moved with them.
    assert victim.get("/keystore/download").data[:4] == b"\xfe\xed\xfe\xed"
    # The attacker's copy of the token opens nothing.
    stolen = attacker.get("/keystore/download")
    assert stolen.status_code == 409 and stolen.data[:4] != b"\xfe\xed\xfe\xed"


def test_over_https_the_cookie_is_host_prefixed(app: Flask, keypair_uploads: dict[str, FormatCase]):
    client = app.test_client()
    response = import_key_pair(
        client, keypair_uploads[GOOD_FILE].upload, base_url="https://localhost"
    )
    assert not page_of(response).errors()
    cookies = [SimpleCookie(h) for h in response.headers.getlist("Set-Cookie")]
    vault_cookie = next(c for c in cookies if any("vault" in k for k in c))
    ((name, morsel),) = vault_cookie.items()
    assert name == "__Host-" + app.config["VAULT_COOKIE_NAME"]
    assert morsel["secure"] and morsel["path"] == "/" and not morsel["domain"]


def test_over_https_an_unprefixed_cookie_is_ignored(
    app: Flask, keypair_uploads: dict[str, FormatCase]
):
    owner = app.test_client()
    import_key_pair(owner, keypair_uploads[GOOD_FILE].upload)  # over plain HTTP
    token = session_token(owner, app)
    planted = app.test_client()
    # A cookie without the prefix (set by a sibling subdomain or over plain HTTP) is not ours.
    planted.set_cookie(app.config["VAULT_COOKIE_NAME"], token)
    answer = planted.get("/keystore/certificate", base_url="https://localhost")
    assert answer.status_code == 409
