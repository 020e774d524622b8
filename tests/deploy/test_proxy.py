"""Behind a TLS-terminating proxy (FLASK_PROXY_FIX=1): Secure cookies, HSTS, CSRF by origin."""

from __future__ import annotations

import re

import pytest

from bench.browser import Browser, find_form
from bench.servers import AppServer

pytestmark = pytest.mark.redis

PORTAL = "portal.intranet.example"
# What the proxy adds to every request it forwards after terminating TLS.
FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": PORTAL,
    "X-Forwarded-For": "10.1.2.3",
}


def test_over_https_cookies_are_secure_and_hsts_is_sent(
    two_instances: tuple[AppServer, AppServer],
) -> None:
    first, _ = two_instances
    with Browser() as browser:
        page = browser.get(first.base_url + "/", headers=FORWARDED, fragment=False)
        assert page.status == 200
        assert page.header("Strict-Transport-Security") == "max-age=31536000"
        token = _csrf_token(page.text)
        # A step change is something to save: only then is a vault session created (issue 10).
        opened = browser.post(
            first.base_url + "/step/truststore",
            {"csrf_token": token},
            headers={**FORWARDED, "Referer": f"https://{PORTAL}/"},
        )
        assert opened.status == 200
        cookies = [
            *(page.headers.get_all("Set-Cookie") or []),
            *(opened.headers.get_all("Set-Cookie") or []),
        ]
    by_name = {cookie.split("=", 1)[0]: cookie for cookie in cookies}
    # Over HTTPS the vault cookie carries the __Host- prefix (issue 10, hole 10).
    assert set(by_name) == {"session", "__Host-mtls_vault"}
    for cookie in by_name.values():
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= attributes, cookie
        assert "samesite=lax" in cookie.lower()


def test_plain_http_without_the_proxy_headers_gets_no_hsts(
    two_instances: tuple[AppServer, AppServer],
) -> None:
    _, second = two_instances
    with Browser() as browser:
        page = browser.get(second.base_url + "/", fragment=False)
    assert page.header("Strict-Transport-Security") is None
    assert all("secure" not in c.lower() for c in page.headers.get_all("Set-Cookie") or [])


def test_over_https_a_form_from_another_origin_is_refused(
    two_instances: tuple[AppServer, AppServer],
) -> None:
    first, _ = two_instances
    with Browser() as browser:
        token = _csrf_token(
            browser.get(first.base_url + "/", headers=FORWARDED, fragment=False).text
        )
        refused = browser.post(
            first.base_url + "/step/keystore",
            {"csrf_token": token},
            headers={**FORWARDED, "Referer": "https://elsewhere.example/"},
        )
    assert refused.status == 400
    assert "This page expired" in refused.text


def _csrf_token(html: str) -> str:
    form = find_form(html, "import-form")
    assert form is not None
    token = form.values()["csrf_token"]
    assert re.fullmatch(r"[\w.-]+", token)
    return token
