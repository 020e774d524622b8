"""Issue 19, point 2: the session token rotates on every write of a key or key-bearing file.

The attack: an attacker makes a session, plants its token in the victim's browser (session
fixation) and waits. Before, /keystore/open, /keystore/generate and /keystore/ca-reply put a
private key into that session without rotating, and the file kept after a wrong password did
too: the attacker then downloaded the keystore with their own copy of the token.

The race: rotating moves the work under a new token; a request of another tab already in
flight with the old cookie must neither lose the work nor 500 (see sessions.rotate_session).
"""

from __future__ import annotations

import io
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.cookies import SimpleCookie

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from tests.browser.servers import serve_app
from tests.conftest import ThrowawayPki, app_config_for
from tests.support.throwaway_pki import Issued
from webapp import create_app
from webapp.web.moved_sessions import MOVED_MESSAGE

from .conftest import P12_PASSWORD, FormatCase, cryptography_p12
from .procedure import (
    HTMX,
    Upload,
    import_key_pair,
    page_of,
    session_token,
    upload_certificates,
)
from .renewal_support import ca_reply, open_keystore, sign_request

GOOD_FILE = "p12-openssl-modern-ec256"
JKS_MAGIC = b"\xfe\xed\xfe\xed"
GENERATE_FORM = {
    "organisation": "Victim Trading Ltd",
    "common_name": "victim orders",
    "country": "GB",
    "key_type": "ec-p256",
}


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def cookie_name(app: Flask) -> str:
    return app.config["VAULT_COOKIE_NAME"]


def planted_session(app: Flask, throwaway_pki: ThrowawayPki) -> tuple[FlaskClient, str]:
    """The attacker's own session (some certificates uploaded) and its token."""
    attacker = app.test_client()
    page_of(upload_certificates(attacker, [(throwaway_pki.root_pem.read_bytes(), "root.pem")]))
    token = session_token(attacker, app)
    assert token
    return attacker, token


def victim_with(app: Flask, token: str) -> FlaskClient:
    victim = app.test_client()
    victim.set_cookie(cookie_name(app), token)  # the fixation
    return victim


def set_cookies(response: TestResponse) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if "vault" in h]


def assert_planted_token_opens_nothing(app: Flask, attacker: FlaskClient, planted: str) -> None:
    assert app.extensions["mtls_vault"].load(planted) is None  # nothing filed under it
    for url in ("/keystore/download", "/keystore/request.csr", "/finish/bundle.zip", "/"):
        answer = attacker.get(url)
        assert answer.status_code < 500, url
        assert answer.data[:4] != JKS_MAGIC, url
        assert b"PRIVATE KEY" not in answer.data and b"CERTIFICATE REQUEST" not in answer.data
        assert b"Victim" not in answer.data, url
        # The "moved" answer sets no cookie: it hands the attacker nothing, not even a session.
        assert not set_cookies(answer), url
    assert session_token(attacker, app) == planted


def p12_upload(issued: Issued) -> Upload:
    return Upload(cryptography_p12(issued, "victim", P12_PASSWORD), "victim.p12", P12_PASSWORD)


def victim_imports(victim: FlaskClient, ks: dict[str, FormatCase], pki, *_: object) -> None:
    page = page_of(import_key_pair(victim, ks[GOOD_FILE].upload))
    assert not page.errors(), page.errors()


def victim_opens(victim: FlaskClient, ks: dict[str, FormatCase], pki: ThrowawayPki, *_) -> None:
    issued = pki.ca.issue_client("Victim Client", key_kind="ec256")
    data = cryptography_p12(issued, "victim", P12_PASSWORD)
    page = page_of(open_keystore(victim, data, P12_PASSWORD, name="last-year.p12"))
    assert not page.errors(), page.errors()


def victim_generates(victim: FlaskClient, *_: object) -> None:
    page = page_of(victim.post("/keystore/generate", headers=HTMX, data=GENERATE_FORM))
    assert not page.errors(), page.errors()


def victim_keeps_file_after_wrong_password(victim: FlaskClient, ks, pki: ThrowawayPki, *_) -> None:
    issued = pki.ca.issue_client("Victim Client", key_kind="ec256")
    wrong = Upload(p12_upload(issued).data, "victim.p12", "not-the-password")
    page = page_of(import_key_pair(victim, wrong))
    assert "password" in " ".join(page.errors().values()).lower()


@pytest.mark.parametrize(
    "action",
    [victim_imports, victim_opens, victim_generates, victim_keeps_file_after_wrong_password],
    ids=["import", "open", "generate", "pending-upload"],
)
def test_a_planted_token_opens_nothing_after_a_key_is_written(
    app: Flask,
    keypair_uploads: dict[str, FormatCase],
    throwaway_pki: ThrowawayPki,
    action: Callable[..., None],
):
    attacker, planted = planted_session(app, throwaway_pki)
    victim = victim_with(app, planted)
    action(victim, keypair_uploads, throwaway_pki)
    rotated = session_token(victim, app)
    assert rotated and rotated != planted
    # The victim's work, the attacker's earlier upload included, moved with them.
    state = app.extensions["mtls_vault"].load(rotated)
    assert state is not None and state["truststore"]
    assert_planted_token_opens_nothing(app, attacker, planted)


def test_the_file_kept_after_a_wrong_password_is_not_in_the_planted_session(
    app: Flask, throwaway_pki: ThrowawayPki
):
    attacker, planted = planted_session(app, throwaway_pki)
    victim = victim_with(app, planted)
    victim_keeps_file_after_wrong_password(victim, {}, throwaway_pki)
    # The attacker types the right password and clicks Import without a file: the retry
    # uses the kept file, which must not be theirs to use.
    retry = import_key_pair(attacker, Upload(b"", "", P12_PASSWORD))
    assert retry.status_code != 200 or "Victim" not in retry.text
    assert app.extensions["mtls_vault"].load(session_token(attacker, app)) is None


def test_a_planted_token_opens_nothing_after_a_ca_reply(app: Flask, throwaway_pki: ThrowawayPki):
    # The planted token is one that already holds a key (the attacker generated it and got
    # the rotated token back); the victim gets the CA to sign it and imports the reply.
    attacker = app.test_client()
    page_of(attacker.post("/keystore/generate", headers=HTMX, data=GENERATE_FORM))
    planted = session_token(attacker, app)
    assert planted
    victim = victim_with(app, planted)
    csr = x509.load_pem_x509_csr(victim.get("/keystore/request.csr").data)
    signed = sign_request(throwaway_pki.ca, csr)
    page = page_of(ca_reply(victim, pem(signed, throwaway_pki.ca.intermediate.cert)))
    assert not page.errors(), page.errors()
    rotated = session_token(victim, app)
    assert rotated and rotated != planted
    state = app.extensions["mtls_vault"].load(rotated)
    assert state is not None and state["keystore"]["candidates"]
    assert_planted_token_opens_nothing(app, attacker, planted)


def test_a_second_tab_with_the_old_cookie_is_asked_to_reload_and_keeps_the_work(
    app: Flask, keypair_uploads: dict[str, FormatCase], throwaway_pki: ThrowawayPki
):
    first_tab, old = planted_session(app, throwaway_pki)  # the user's own session this time
    second_tab = victim_with(app, old)
    victim_imports(first_tab, keypair_uploads, throwaway_pki)
    new = session_token(first_tab, app)
    assert new and new != old
    sessions_before = app.extensions["mtls_vault"].stats().sessions
    # The second tab's request left before the first tab's answer came back: old cookie.
    for request in (
        lambda: second_tab.get("/"),
        lambda: second_tab.post("/truststore/settings", headers=HTMX, data={"alias": "x"}),
        lambda: second_tab.post("/keystore/reset", headers=HTMX),
        lambda: second_tab.post("/start-over", headers=HTMX),
    ):
        answer = request()
        assert answer.status_code == 409, answer.text[:300]
        assert MOVED_MESSAGE in answer.text
        assert answer.headers["HX-Refresh"] == "true"
        assert not set_cookies(answer)  # the new cookie in the browser's jar stays
    # Nothing was started, reset or erased on the way.
    assert app.extensions["mtls_vault"].stats().sessions == sessions_before
    # The reload goes out with the jar's cookie, the new one: the work is all there.
    second_tab.set_cookie(cookie_name(app), new)
    page = page_of(second_tab.get("/"))
    assert keypair_uploads[GOOD_FILE].common_name in page.text
    assert "Download keystore" in page.text or page.field("alias") is not None


def test_a_plain_download_with_the_old_cookie_is_retried_not_lost(
    app: Flask, keypair_uploads: dict[str, FormatCase], throwaway_pki: ThrowawayPki
):
    first_tab, old = planted_session(app, throwaway_pki)
    second_tab = victim_with(app, old)
    victim_imports(first_tab, keypair_uploads, throwaway_pki)
    answer = second_tab.get("/keystore/certificate")
    assert answer.status_code == 409
    # Browsers follow Refresh to the same address, now with the new cookie.
    assert answer.headers["Refresh"] == "1; url=/keystore/certificate"
    assert not set_cookies(answer)
    # A path that reads as another host ("//host/…") stays on this site: Werkzeug's
    # request.path keeps one leading slash, so Refresh never names another host.
    elsewhere = second_tab.get(
        "/", environ_overrides={"PATH_INFO": "//elsewhere.example/keystore/certificate"}
    )
    assert elsewhere.status_code == 409
    assert elsewhere.headers["Refresh"] == "1; url=/elsewhere.example/keystore/certificate"


# --- requests really in flight during the rotation ------------------------------------------


def _send(url: str, token: str, *, method: str = "", fields=None, htmx: bool = True):
    headers = {"Cookie": f"vault={token}"} | (HTMX if htmx else {})
    body = None
    if fields is not None:
        boundary, body = encode_multipart(MultiDict(fields))
        headers["Content-Type"] = f'multipart/form-data; boundary="{boundary}"'
    method = method or ("POST" if fields is not None else "GET")
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers.get_all("Set-Cookie") or [], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_all("Set-Cookie") or [], exc.read()


def _vault_cookie(headers: list[str]) -> str | None:
    for header in headers:
        morsel = SimpleCookie(header).get("vault")
        if morsel is not None:
            return morsel.value
    return None


@pytest.mark.parametrize("round_", range(3))
def test_requests_in_flight_with_the_old_cookie_never_lose_the_work(
    tmp_path, throwaway_pki: ThrowawayPki, keypair_uploads: dict[str, FormatCase], round_: int
):
    app = create_app(app_config_for(tmp_path, throwaway_pki, VAULT_COOKIE_NAME="vault"))
    upload = keypair_uploads[GOOD_FILE].upload
    with serve_app(app) as running:
        cert = throwaway_pki.root_pem.read_bytes()
        fields = [("cert_files", FileStorage(io.BytesIO(cert), "root.pem"))]
        status, cookies, _ = _send(running.url + "/truststore/upload", "", fields=fields)
        old = _vault_cookie(cookies)
        assert status == 200 and old
        answers: list[tuple[float, str, int, str | None]] = []
        lock = threading.Lock()

        def tab(kind: str, call: Callable[[], tuple]) -> None:
            status, cookies, _ = call()
            with lock:
                answers.append((time.monotonic(), kind, status, _vault_cookie(cookies)))

        key_fields = [
            ("key_file", FileStorage(io.BytesIO(upload.data), upload.filename)),
            ("key_password", upload.password),
        ]
        calls: list[tuple[str, Callable[[], tuple]]] = []
        for i in range(12):
            url = running.url + ("/" if i % 2 else "/keystore/settings?live=1")
            method = "GET" if i % 2 else "POST"
            calls.append(("other", lambda u=url, m=method: _send(u, old, method=m)))
        # The import leaves in the middle: some requests are answered before it, some after.
        importing = lambda: _send(running.url + "/keystore/import", old, fields=key_fields)  # noqa: E731
        calls.insert(6, ("import", importing))
        threads = [threading.Thread(target=tab, args=call) for call in calls]
        for thread in threads:
            thread.start()
            time.sleep(0.003)
        for thread in threads:
            thread.join(timeout=60)
    vault = app.extensions["mtls_vault"]
    assert len(answers) == len(calls)
    assert all(status < 500 for _, _, status, _ in answers), answers
    (imported,) = [a for a in answers if a[1] == "import"]
    new = imported[3]
    assert imported[2] == 200 and new and new != old
    # Every other answer set the old cookie (done before the move) or none (asked to reload);
    # none started a session of its own that would have replaced the new cookie.
    assert {cookie for _, kind, _, cookie in answers if kind == "other"} <= {old, None}
    # The browser's jar after all answers, in the order they came back, opens the work.
    jar = old
    for _, _, _, cookie in sorted(answers):
        jar = cookie or jar
    state = vault.load(jar)
    assert state is not None and state["keystore"]["candidates"], (round_, answers)
    assert vault.stats().sessions == 1
    vault.close()
