"""Issue 11 through the web app: Test connection in the Finish step, against real local
mutual-TLS servers (tests/support/mtls_server.py), one per outcome."""

from __future__ import annotations

import io
import ipaddress
import json
import re
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki, app_config_for
from tests.pki.partner.test_outbound import REFUSED_BY_DEFAULT, RecordingConnector
from tests.support.connection_scenarios import Scenario, ScenarioPki, make_pki, scenarios
from tests.support.throwaway_pki import Issued
from webapp import create_app
from webapp.pki.partner import parse_target
from webapp.web.limits import FETCH_TOO_OFTEN

from .page import Page, assert_no_internals
from .procedure import (
    HTMX,
    Upload,
    complete_keystore,
    download,
    page_of,
    saved_state,
    truststore_settings,
    upload_certificates,
)
from .test_audit import audit_lines  # noqa: F401  (a fixture)


def pem(*certs) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@pytest.fixture(scope="module")
def pki() -> ScenarioPki:
    return make_pki()


def scenario(name: str) -> Scenario:
    return next(s for s in scenarios() if s.name == name)


def make_app(folder: Path, shared: ThrowawayPki, **config) -> Flask:
    return create_app(app_config_for(folder, shared, **config))


@pytest.fixture
def app(tmp_path: Path, throwaway_pki: ThrowawayPki) -> Iterator[Flask]:
    app = make_app(tmp_path, throwaway_pki)
    yield app
    app.extensions["mtls_vault"].close()


def key_pair_upload(issued: Issued, *, chain: bool = True) -> Upload:
    certs = issued.full_chain if chain else [issued.cert]
    return Upload(
        data=pem(*certs), filename="client.pem", extra=issued.key_pem(), extra_filename="client.key"
    )


def ready_stores(client: FlaskClient, issued: Issued, anchors) -> None:
    """Both stores ready: the key pair imported and protected, `anchors` in the truststore."""
    complete_keystore(client, key_pair_upload(issued))
    uploaded = page_of(upload_certificates(client, [(pem(*anchors), "partner.pem")]))
    page = page_of(truststore_settings(client, uploaded))
    assert not page.errors(), page.errors()


def shown(response) -> Page:
    """page_of, except that the folded-away technical detail of the result may quote the TLS
    library ("TLS error: ... error:0A000086 ..."): that is what it is for. Outside it, the
    usual rule holds: no internals on the page."""
    assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:500]}"
    outside = re.sub(
        r'<details class="connection-detail">.*?</details>', "", response.text, flags=re.S
    )
    assert_no_internals(outside)
    return Page(response.text)


def test_connection(client: FlaskClient, url: str) -> Page:
    return shown(client.post("/connection/test", data={"dest_url": url}, headers=HTMX))


test_connection.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def outcome_of(page: Page) -> str | None:
    panel = page.by_id("connection-result")
    return panel.attrs.get("data-outcome") if panel else None


@pytest.mark.parametrize(
    "name",
    [
        "accepted, CA listed, TLS 1.3",
        "issuer-not-accepted, cert required, TLS 1.3",
        "client-cert-not-requested, TLS 1.3",
        "server-not-trusted, TLS 1.3",
        "rejected: server trusts another CA, TLS 1.2",
    ],
)
def test_each_outcome_is_shown_in_plain_words(
    app: Flask,
    pki: ScenarioPki,
    name: str,
    audit_lines: list[str],  # noqa: F811 (the fixture imported above)
):
    case = scenario(name)
    client = app.test_client()
    ready_stores(client, pki.client, case.anchors_for(pki))
    with case.server(pki) as server:
        page = test_connection(client, case.url(server))
    assert outcome_of(page) == case.expected
    state = saved_state(client, app)
    saved = state["connection_test"]
    assert saved["outcome"] == case.expected and saved["headline"]
    assert saved["url"] == parse_target(case.url(server)).url
    if case.expected == "issuer-not-accepted":
        assert "Other Root" in " ".join(saved["acceptable_issuers"])
        assert "Client Root" in saved["your_issuer"] or "Client" in saved["your_issuer"]
        assert "Download partner kit" in page.links()
        assert "accepts certificates from: Other Root (mtls-kit tests)" in page.text
    if case.expected in ("accepted", "client-cert-not-requested", "server-not-trusted"):
        assert "Download partner kit" not in page.links()
    if case.expected == "server-not-trusted":
        assert saved["missing_certificate"]
        assert "lacks the certificate ‘Server Root (mtls-kit tests)’" in page.text
    tested = [json.loads(line) for line in audit_lines if '"connection.tested"' in line]
    assert tested and tested[-1]["outcome"] == case.expected
    assert tested[-1]["partner_host"] == "127.0.0.1"
    assert tested[-1]["partner_port"] == server.port


def test_the_result_survives_a_reload_and_goes_into_the_readme(app: Flask, pki: ScenarioPki):
    case = scenario("accepted, CA listed, TLS 1.3")
    client = app.test_client()
    ready_stores(client, pki.client, case.anchors_for(pki))
    with case.server(pki) as server:
        test_connection(client, case.url(server))
    reloaded = shown(client.get("/"))
    assert outcome_of(reloaded) == "accepted"
    readme = (
        zipfile.ZipFile(io.BytesIO(download(client, "/finish/bundle.zip").data))
        .read("README.txt")
        .decode()
    )
    assert "Connection test" in readme
    assert f"against {parse_target(case.url(server)).url}" in readme
    assert "accepted: " in readme
    # Another URL: the result no longer holds for these settings.
    page_of(
        client.post(
            "/finish/settings",
            data={"dest_url": "https://192.0.2.1:8443", "http_method": "POST", "folder": ""},
            headers=HTMX,
        )
    )
    stale = client.get("/")
    assert outcome_of(shown(stale)) == "accepted"
    assert "You changed the files or the address after this test" in stale.text
    readme = (
        zipfile.ZipFile(io.BytesIO(download(client, "/finish/bundle.zip").data))
        .read("README.txt")
        .decode()
    )
    assert "Connection test" not in readme


def test_unreachable_and_the_partner_kit(app: Flask, pki: ScenarioPki):
    client = app.test_client()
    ready_stores(client, pki.client, [pki.server_ca.root.cert])
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    page = test_connection(client, f"https://127.0.0.1:{port}")
    assert outcome_of(page) == "unreachable"
    kit = download(client, "/connection/partner-kit")
    names = zipfile.ZipFile(io.BytesIO(kit.data)).namelist()
    assert sorted(names) == [
        "certificate-chain.pem",
        "certificate-details.txt",
        "email-to-partner.txt",
    ]
    chain = zipfile.ZipFile(io.BytesIO(kit.data)).read("certificate-chain.pem")
    assert b"PRIVATE KEY" not in kit.data and b"PRIVATE KEY" not in chain
    assert chain.startswith(pem(pki.client.cert))


def test_issuer_not_accepted_offers_the_kit_that_downloads(app: Flask, pki: ScenarioPki):
    case = scenario("issuer-not-accepted, cert required, TLS 1.3")
    client = app.test_client()
    ready_stores(client, pki.client, case.anchors_for(pki))
    with case.server(pki) as server:
        page = test_connection(client, case.url(server))
    kit = download(client, page.links()["Download partner kit"])
    assert b"certificate-chain.pem" in kit.data


def test_the_keystore_step_links_the_partner_kit(app: Flask, pki: ScenarioPki):
    client = app.test_client()
    page = complete_keystore(client, key_pair_upload(pki.client))
    assert "Download partner kit" in page.links()


@pytest.mark.parametrize("typed", ["ftp://partner.example/in", "https://", "https://exa mple"])
def test_a_bad_address_gets_a_plain_message_beside_the_field(
    app: Flask, pki: ScenarioPki, typed: str
):
    client = app.test_client()
    ready_stores(client, pki.client, [pki.server_ca.root.cert])
    page = test_connection(client, typed)
    message = page.error("dest_url")
    assert message and "Traceback" not in message
    assert outcome_of(page) is None


def test_before_the_stores_are_ready_nothing_connects(app: Flask, monkeypatch):
    connector = RecordingConnector()
    monkeypatch.setattr("webapp.pki.partner.connect.connect_tcp", connector)
    response = app.test_client().post(
        "/connection/test", data={"dest_url": "127.0.0.1:1"}, headers=HTMX
    )
    assert response.status_code == 409
    assert "Finish the keystore and truststore steps first" in response.text
    assert connector.calls == []


def test_the_fetch_rate_limit_applies(
    tmp_path: Path, throwaway_pki: ThrowawayPki, pki: ScenarioPki
):
    app = make_app(tmp_path, throwaway_pki, FETCH_RATE_LIMIT=2, FETCH_RATE_LIMIT_PER_ADDRESS=100)
    client = app.test_client()
    ready_stores(client, pki.client, [pki.server_ca.root.cert])
    pages = [test_connection(client, "https://127.0.0.1:1") for _ in range(3)]
    assert [outcome_of(p) for p in pages[:2]] == ["unreachable", "unreachable"]
    assert pages[2].error("dest_url") == FETCH_TOO_OFTEN
    app.extensions["mtls_vault"].close()


def _literal(text: str) -> bool:
    try:
        ipaddress.ip_address(parse_target(text).host)
    except ValueError:
        return False
    return True


# The refused-address table without its names (the app resolves with real DNS; these need
# none: IP literals, and the numeric forms getaddrinfo reads without asking a server).
REFUSED_LITERALS = [
    text
    for text, resolver in REFUSED_BY_DEFAULT
    if resolver is socket.getaddrinfo or _literal(text)
]


def test_refused_addresses_are_never_contacted(
    tmp_path: Path, throwaway_pki: ThrowawayPki, pki: ScenarioPki, monkeypatch
):
    app = make_app(
        tmp_path,
        throwaway_pki,
        FETCH_ALLOWED_NETWORKS="[]",
        FETCH_RATE_LIMIT=1000,
        FETCH_RATE_LIMIT_PER_ADDRESS=1000,
    )
    client = app.test_client()
    ready_stores(client, pki.client, [pki.server_ca.root.cert])
    connector = RecordingConnector()
    monkeypatch.setattr("webapp.pki.partner.connect.connect_tcp", connector)
    for text in REFUSED_LITERALS:
        page = test_connection(client, text)
        assert outcome_of(page) == "unreachable" or page.error("dest_url"), text
    assert connector.calls == []
    app.extensions["mtls_vault"].close()


def test_without_javascript_the_saved_address_is_tested(app: Flask, pki: ScenarioPki):
    case = scenario("accepted, CA listed, TLS 1.2")
    client = app.test_client()
    ready_stores(client, pki.client, case.anchors_for(pki))
    with case.server(pki) as server:
        saved = client.post(
            "/finish/settings",
            data={"dest_url": case.url(server), "http_method": "POST", "folder": ""},
        )
        assert saved.status_code == 303
        posted = client.post("/connection/test", data={})  # the button alone, no htmx
        assert posted.status_code == 303
        assert posted.headers["Location"].endswith("#step-finish")
    page = shown(client.get("/"))
    assert page.is_full_page
    assert outcome_of(page) == "accepted"


def test_fetches_and_tests_share_one_allowance(
    tmp_path: Path, throwaway_pki: ThrowawayPki, pki: ScenarioPki
):
    app = make_app(tmp_path, throwaway_pki, FETCH_RATE_LIMIT=3, FETCH_RATE_LIMIT_PER_ADDRESS=100)
    client = app.test_client()
    ready_stores(client, pki.client, [pki.server_ca.root.cert])
    for _ in range(2):
        fetched = page_of(
            client.post("/truststore/fetch", data={"server_url": "127.0.0.1:1"}, headers=HTMX)
        )
        assert fetched.error("server_url") != FETCH_TOO_OFTEN
    assert outcome_of(test_connection(client, "https://127.0.0.1:1")) == "unreachable"
    assert test_connection(client, "https://127.0.0.1:1").error("dest_url") == FETCH_TOO_OFTEN
    app.extensions["mtls_vault"].close()


def test_no_partner_kit_without_a_key_pair(app: Flask):
    response = app.test_client().get("/connection/partner-kit")
    assert response.status_code == 409
    assert "Import your key pair file first." in response.text


def test_forbidden_after_the_handshake_is_shown_with_the_partner_kit(app: Flask, pki: ScenarioPki):
    """Issue 20: the TLS connection works, the server answers our one HEAD with 403."""
    case = scenario("accepted, CA listed, TLS 1.3")
    client = app.test_client()
    ready_stores(client, pki.client, case.anchors_for(pki))
    with case.server(pki, http_status=403, http_reason="Forbidden") as server:
        page = test_connection(client, case.url(server) + "/inbound")
    assert outcome_of(page) == "forbidden"
    assert "does not allow your certificate at this address (HTTP 403 Forbidden)" in page.text
    assert "Download partner kit" in page.links()
    assert "one empty HEAD request; no message is delivered" in page.text
    assert server.requests[0].startswith(b"HEAD /inbound HTTP/1.1\r\n")
    assert saved_state(client, app)["connection_test"]["outcome"] == "forbidden"
