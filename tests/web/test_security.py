"""Issue 4 in the web layer: CSRF, headers, cookies, isolation, erasing, request size.

The log and HTML secret scan lives in test_secret_hygiene.py.
"""

from __future__ import annotations

import http.client
import io
import threading
import zipfile
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from tests.conftest import ThrowawayPki, app_config_for
from webapp import create_app

from .conftest import FormatCase
from .page import Page, assert_error_beside
from .procedure import (
    HTMX,
    complete_keystore,
    download,
    import_key_pair,
    page_of,
    saved_state,
    session_token,
    truststore_settings,
    upload_certificates,
)

EXPIRED = "This page expired — reload to continue"
GOOD_FILE = "p12-openssl-modern-ec256"
OWN_CN = "Shared Client ec256"


@pytest.fixture
def csrf_app(tmp_path: Path, throwaway_pki: ThrowawayPki) -> Iterator[Flask]:
    app = create_app(app_config_for(tmp_path, throwaway_pki, WTF_CSRF_ENABLED=True))
    yield app
    app.extensions["mtls_vault"].close()


def finish_everything(
    client: FlaskClient, keypair_uploads: dict[str, FormatCase], pki: ThrowawayPki
) -> None:
    """Keystore, truststore (from uploaded files: no server needed), destination settings."""
    complete_keystore(client, keypair_uploads[GOOD_FILE].upload)
    uploaded = page_of(upload_certificates(client, [(pki.server_chain.read_bytes(), "p.pem")]))
    page = page_of(truststore_settings(client, uploaded))
    assert not page.errors(), page.errors()
    assert (
        client.post(
            "/finish/settings",
            data={"dest_url": "https://partner.example/in", "http_method": "POST", "folder": ""},
            headers=HTMX,
        ).status_code
        == 200
    )


@pytest.fixture
def finished(
    client: FlaskClient, keypair_uploads: dict[str, FormatCase], throwaway_pki: ThrowawayPki
) -> FlaskClient:
    finish_everything(client, keypair_uploads, throwaway_pki)
    return client


# --- CSRF ------------------------------------------------------------------------------------
def imported_with_token(app: Flask, upload) -> tuple[FlaskClient, str]:
    """A browser session that loaded the page (getting its token) and imported a key pair."""
    client = app.test_client()
    token = Page(client.get("/").text).csrf_token()
    client.environ_base["HTTP_X_CSRFTOKEN"] = token  # what htmx sends (hx-headers)
    assert not page_of(import_key_pair(client, upload)).errors()
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    return client, token


def assert_expired_and_kept(response: TestResponse, client: FlaskClient, app: Flask) -> None:
    assert response.status_code == 400
    assert EXPIRED in response.text
    assert "Traceback" not in response.text and "CSRF token" not in response.text
    assert "mtls_vault=;" not in response.headers.get("Set-Cookie", "")  # cookie not cleared
    state = saved_state(client, app)
    assert state is not None and state["keystore"]["candidates"], "the session was lost"


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_post_without_token_is_rejected_and_the_session_survives(
    htmx: bool, csrf_app: Flask, keypair_uploads: dict[str, FormatCase]
):
    client, _ = imported_with_token(csrf_app, keypair_uploads[GOOD_FILE].upload)

    response = client.post(
        "/keystore/settings",
        headers=HTMX if htmx else {},
        data={
            "alias": "x",
            "keystore_password": "secret-1",
            "confirm_keystore_password": "secret-1",
        },
    )

    assert_expired_and_kept(response, client, csrf_app)
    if htmx:  # an alert on top of the wizard, which stays on screen
        assert response.headers["HX-Retarget"] == "#wizard"
    else:
        assert Page(response.text).is_full_page
    assert "password" not in saved_state(client, csrf_app)["keystore"]
    assert OWN_CN in client.get("/").text  # reloading continues where the user was


def test_cross_site_post_is_rejected(csrf_app: Flask, keypair_uploads: dict[str, FormatCase]):
    client, _ = imported_with_token(csrf_app, keypair_uploads[GOOD_FILE].upload)
    # What a hostile page's auto-submitting form sends along with the user's cookies.
    response = client.post(
        "/start-over",
        headers={"Origin": "https://evil.example", "Referer": "https://evil.example/win"},
    )
    assert_expired_and_kept(response, client, csrf_app)


def test_cross_site_post_over_https_is_rejected_even_with_a_token(
    csrf_app: Flask, keypair_uploads: dict[str, FormatCase]
):
    client = csrf_app.test_client()
    token = Page(client.get("/", base_url="https://localhost").text).csrf_token()
    response = client.post(
        "/start-over",
        base_url="https://localhost",
        data={"csrf_token": token},
        headers={"Referer": "https://evil.example/win"},
    )
    assert response.status_code == 400 and EXPIRED in response.text
    same_site = client.post(
        "/start-over",
        base_url="https://localhost",
        data={"csrf_token": token},
        headers={"Referer": "https://localhost/"},
    )
    assert same_site.status_code == 303


def test_expired_token_says_reload_and_keeps_the_session(
    csrf_app: Flask, keypair_uploads: dict[str, FormatCase], monkeypatch: pytest.MonkeyPatch
):
    client, token = imported_with_token(csrf_app, keypair_uploads[GOOD_FILE].upload)
    limit = int(csrf_app.config["WTF_CSRF_TIME_LIMIT"])
    now = TimestampSigner.get_timestamp
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: now(self) + limit + 60
    )  # the user came back later

    response = client.post("/keystore/reset", headers={**HTMX, "X-CSRFToken": token})

    assert_expired_and_kept(response, client, csrf_app)


def test_over_size_upload_is_a_friendly_message_with_csrf_on(
    csrf_app: Flask, keypair_uploads: dict[str, FormatCase], bad_key_files: dict[str, bytes]
):
    client = csrf_app.test_client()
    client.environ_base["HTTP_X_CSRFTOKEN"] = Page(client.get("/").text).csrf_token()
    upload = keypair_uploads[GOOD_FILE].upload
    response = import_key_pair(client, type(upload)(bad_key_files["two-mib"], "huge.p12"))
    assert response.status_code == 200  # not a 413 page: htmx swaps it in like any error
    assert_error_beside(page_of(response), "key_file", "This file is too large.")


# --- headers ---------------------------------------------------------------------------------
DOWNLOADS = [
    "/keystore/download",
    "/keystore/certificate",
    "/truststore/download",
    "/finish/destination.json",
    "/finish/bundle.zip",
]
PAGES = ["/", "/start-over", "/finish/preview", "/finish/preview?reveal=1", "/no-such-page"]


def csp_directives(response: TestResponse) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def assert_protective_headers(response: TestResponse, *, https: bool = False) -> None:
    csp = csp_directives(response)
    assert csp.get("default-src") == ["'self'"], csp
    assert csp.get("frame-ancestors") == ["'none'"], csp
    sources = [source for values in csp.values() for source in values]
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    hsts = response.headers.get("Strict-Transport-Security")
    if https:
        assert hsts is not None and "max-age=" in hsts
    else:
        assert hsts is None, "HSTS over plain HTTP would be ignored at best"


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("url", PAGES + DOWNLOADS)
def test_pages_and_downloads_carry_the_protective_headers(
    url: str, https: bool, finished: FlaskClient, app: Flask
):
    base = "https://localhost" if https else "http://localhost"
    if https:  # the same session, under the cookie name used over HTTPS (issue 10, hole 10)
        finished.set_cookie(
            "__Host-" + app.config["VAULT_COOKIE_NAME"], session_token(finished, app), secure=True
        )
    response = finished.get(url, base_url=base)
    assert response.status_code in (200, 404)
    assert_protective_headers(response, https=https)


def test_fragments_errors_and_not_ready_downloads_carry_them_too(client: FlaskClient):
    fragment = client.post("/keystore/settings", headers=HTMX, data={"alias": "x"})
    not_ready = client.get("/keystore/download")
    wrong_method = client.get("/keystore/import")
    assert (fragment.status_code, not_ready.status_code, wrong_method.status_code) == (
        200,
        409,
        405,
    )
    for response in (fragment, not_ready, wrong_method):
        assert_protective_headers(response)


# --- cookies ---------------------------------------------------------------------------------
def cookie_named(response: TestResponse, name: str) -> SimpleCookie:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            return cookie
    raise AssertionError(f"no {name} cookie set; got {response.headers.getlist('Set-Cookie')}")


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_session_cookies_are_http_only_same_site_and_secure_over_https(
    https: bool, csrf_app: Flask, keypair_uploads: dict[str, FormatCase]
):
    base = "https://localhost" if https else "http://localhost"
    client = csrf_app.test_client()
    page = client.get("/", base_url=base)
    flask_cookie = cookie_named(page, csrf_app.config["SESSION_COOKIE_NAME"])  # CSRF secret
    client.environ_base["HTTP_X_CSRFTOKEN"] = Page(page.text).csrf_token()
    if https:
        client.environ_base["HTTP_REFERER"] = "https://localhost/"
    imported = import_key_pair(client, keypair_uploads[GOOD_FILE].upload, base_url=base)
    assert not page_of(imported).errors()
    vault_name = ("__Host-" if https else "") + csrf_app.config["VAULT_COOKIE_NAME"]
    vault_cookie = cookie_named(imported, vault_name)
    for cookie in (flask_cookie, vault_cookie):
        (morsel,) = cookie.values()
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Lax"
        assert bool(morsel["secure"]) is https
        assert morsel["path"] == "/"
    # The CSRF secret goes with the browser; the work survives a browser restart for exactly
    # the idle time the footer promises (the server enforces it; issue 12).
    assert not flask_cookie[csrf_app.config["SESSION_COOKIE_NAME"]]["max-age"]
    idle = str(csrf_app.config["SESSION_IDLE_TIMEOUT"])
    assert vault_cookie[vault_name]["max-age"] == idle
    # The cookie is a random token, not the work itself.
    assert len(vault_cookie[vault_name].value) == 66


# --- isolation and erasing -------------------------------------------------------------------
def test_two_browsers_never_see_each_others_work(
    app: Flask, finished: FlaskClient, keypair_uploads: dict[str, FormatCase]
):
    other = app.test_client()
    assert OWN_CN not in other.get("/").text
    for url in DOWNLOADS:
        assert other.get(url).status_code == 409, url
    # A guessed cookie with the right session id but another key opens nothing, and the
    # writes it causes go to a new session, never into the victim's record.
    token = session_token(finished, app)
    session_id = token.split(".")[0]
    forged = f"{session_id}.{'A' * 42}E"
    other.set_cookie(app.config["VAULT_COOKIE_NAME"], forged)
    assert OWN_CN not in other.get("/").text
    page_of(import_key_pair(other, keypair_uploads["p12-openssl-modern-ec384"].upload))
    assert session_token(other, app) != forged
    mine = saved_state(finished, app)
    assert mine is not None and mine["keystore"]["alias"] == "shared-client-ec256"
    assert "Shared Client ec384" not in finished.get("/").text


def test_start_over_erases_the_server_side_record_at_once(app: Flask, finished: FlaskClient):
    token = session_token(finished, app)
    assert app.extensions["mtls_vault"].load(token) is not None
    assert "Yes, erase everything" in finished.get("/start-over").text  # asks first

    response = finished.post("/start-over")

    assert response.status_code == 303 and response.location.endswith("/")
    assert app.extensions["mtls_vault"].load(token) is None
    assert session_token(finished, app) is None  # the browser forgot the cookie too
    page = page_of(finished.get("/"))
    assert page.field("key_file") is not None and OWN_CN not in page.text


def test_wipe_after_download_gives_the_zip_then_erases(app: Flask, finished: FlaskClient):
    token = session_token(finished, app)
    kept = download(finished, "/finish/bundle.zip")  # a GET never erases
    assert app.extensions["mtls_vault"].load(token) is not None

    wiped = finished.post("/finish/bundle.zip")
    assert wiped.status_code == 200

    for response in (kept, wiped):
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            assert "README.txt" in archive.namelist()
    assert app.extensions["mtls_vault"].load(token) is None
    assert finished.get("/keystore/download").status_code == 409


def test_over_size_upload_gets_an_answer_from_a_real_server(app: Flask):
    """`flask run` serves with werkzeug, whose raw input stream blocks at the end of the body:
    reading the over-size body to discard it must stop there, or the browser waits forever."""
    body_boundary = "b0undary"
    body = (
        f'--{body_boundary}\r\nContent-Disposition: form-data; name="key_file"; '
        f'filename="huge.p12"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    body += b"\x30" * (2 * 1024 * 1024) + f"\r\n--{body_boundary}--\r\n".encode()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        connection.request(
            "POST",
            "/keystore/import",
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={body_boundary}", **HTMX},
        )
        response = connection.getresponse()
        html = response.read().decode()
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert response.status == 200
    assert_error_beside(Page(html), "key_file", "This file is too large.")


def test_over_size_form_without_files_is_a_friendly_message(finished: FlaskClient):
    response = finished.post(
        "/truststore/fetch", headers=HTMX, data={"server_url": "https://" + "a" * (2 * 1024 * 1024)}
    )
    page = page_of(response)
    assert page.error("form") == (
        "What you sent is far longer than any of these fields allows. Please check it."
    )
    assert OWN_CN in page.text  # the work is still there
