"""Issue 20: the connection test checks what Java will meet after the handshake.

- The second handshake (the one with our certificate) is pinned to the certificate the first
  one showed: a switching server is never "accepted", and never gets our certificate.
- One HEAD request follows the handshake; its status decides rejected / forbidden / accepted.
- The same works through the organisation's proxy (CONNECT tunnel).
"""

from __future__ import annotations

import pytest

from tests.support.connect_proxy import ConnectProxy
from tests.support.connection_scenarios import LOOPBACK, make_pki
from tests.support.mtls_server import MtlsServer
from webapp.pki.partner import connection_test as ct
from webapp.pki.partner import outcomes
from webapp.pki.partner.http_answer import (
    HttpAnswer,
    head_request,
    read_answer,
    request_path,
    verdict_for,
)
from webapp.pki.partner.targets import parse_target
from webapp.pki.partner.wording import SERVER_CHANGED
from webapp.web.outbound import policy_from_config

QUICK = {"connect_timeout": 3.0, "handshake_timeout": 5.0, "after_handshake_wait": 0.5}
OUR_SUBJECT = "CN=Client One,O=mtls-kit tests"


@pytest.fixture(scope="module")
def pki():
    return make_pki()


def server(pki, **options) -> MtlsServer:
    return MtlsServer(
        chain=pki.server.full_chain[:-1],
        key=pki.server.key,
        tls_version=options.pop("tls_version", "1.3"),
        verify="required",
        trusted_client_cas=[pki.client_ca.root.cert],
        listed_cas=[pki.client_ca.root.cert],
        **options,
    )


def run(url: str, pki, *, policy=LOOPBACK):
    return ct.test_connection(
        url,
        key_pair=pki.key_pair(),
        trust_anchors=[pki.server_ca.root.cert],
        policy=policy,
        **QUICK,
    )


@pytest.mark.parametrize("tls_version", ["1.2", "1.3"])
def test_a_switching_server_is_never_accepted_and_never_gets_our_certificate(pki, tls_version):
    # Trusted certificate on the first connection, an unknown one (another CA) on the next.
    impostor = pki.other_ca.issue_server("127.0.0.1", key_kind="ec256")
    with server(
        pki,
        tls_version=tls_version,
        switch_to=(impostor.full_chain[:-1], impostor.key),
        http_status=200,
    ) as switching:
        result = run(switching.url, pki)
    assert result.outcome == "server-not-trusted", result.detail
    assert result.headline == SERVER_CHANGED
    assert "changed its certificate between two connections" in result.headline
    assert OUR_SUBJECT not in switching.seen  # the handshake stopped before our certificate
    assert not switching.requests


def test_a_server_switching_to_another_trusted_certificate_is_not_accepted_either(pki):
    # Pinned means the same certificate, not just any trusted one (issue 20, Build 4).
    sibling = pki.server_ca.issue_server("127.0.0.1", key_kind="ec256")
    with server(pki, switch_to=(sibling.full_chain[:-1], sibling.key), http_status=200) as s:
        result = run(s.url, pki)
    assert result.outcome == "server-not-trusted" and result.headline == SERVER_CHANGED
    assert OUR_SUBJECT not in s.seen


@pytest.mark.parametrize(
    ("status", "reason", "outcome"),
    [
        (200, "OK", "accepted"),
        (204, "No Content", "accepted"),
        (302, "Found", "accepted"),
        (404, "Not Found", "accepted"),
        (405, "Method Not Allowed", "accepted"),
        (401, "Unauthorized", "forbidden"),
        (403, "Forbidden", "forbidden"),
        (400, "Bad Request", "rejected"),  # nginx's bare answer to a HEAD (see http_answer.py)
        (400, "The SSL certificate error", "rejected"),
        (495, "SSL Certificate Error", "rejected"),
        (496, "SSL Certificate Required", "rejected"),
    ],
)
def test_the_answer_to_one_head_request_decides(pki, status, reason, outcome):
    with server(pki, http_status=status, http_reason=reason) as s:
        result = run(s.url + "/api/in?token=secret", pki)
    assert result.outcome == outcome, result.detail
    assert result.http_status == status
    assert f"answer: HTTP {status} {reason}" in result.detail
    assert s.seen == [OUR_SUBJECT]  # the probe (no certificate) failed: "required"
    (request,) = s.requests  # exactly one request, and only on the connection with our cert
    assert request.startswith(b"HEAD /api/in HTTP/1.1\r\n")  # the path, never the query
    assert f"Host: 127.0.0.1:{s.port}\r\n".encode() in request
    assert b"Connection: close\r\n" in request and request.endswith(b"\r\n\r\n")
    assert b"secret" not in request


def test_forbidden_has_its_own_words_and_the_partner_kit(pki):
    with server(pki, http_status=403, http_reason="Forbidden") as s:
        result = run(s.url, pki)
    assert result.outcome == outcomes.FORBIDDEN and not result.passed
    assert "does not allow your certificate at this address (HTTP 403 Forbidden)" in (
        result.headline
    )
    assert "partner kit" in result.next_step and "Client One" in result.next_step
    assert outcomes.OUTCOMES.index("rejected") < outcomes.OUTCOMES.index("forbidden")
    assert outcomes.OUTCOMES.index("forbidden") < outcomes.OUTCOMES.index("accepted")


def test_a_refusal_by_http_400_says_what_the_server_did(pki):
    with server(pki, http_status=400, http_reason="Bad Request") as s:
        result = run(s.url, pki)
    assert result.outcome == "rejected"
    assert "answered the request with HTTP 400 Bad Request" in result.headline
    assert "revoked" in result.next_step and result.alert is None


@pytest.mark.parametrize(
    ("answer", "requested", "outcome"),
    [
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", False, "accepted"),
        (
            b"HTTP/1.1 400 Bad Request\r\n\r\n<center>The SSL certificate error</center>",
            False,
            "rejected",
        ),
        (b"HTTP/1.1 400 Bad Request\r\n\r\nmissing field 'id'", True, "accepted"),
        (b"HTTP/1.0 403 Forbidden\r\n\r\n", True, "forbidden"),
        (b"client=CN=x\n", True, "accepted"),  # not HTTP: the TLS part is all we know
        (b"", True, "accepted"),
    ],
)
def test_answers_read_as_java_would_meet_them(answer, requested, outcome):
    assert verdict_for(read_answer(answer), requested=requested) == outcome


def test_the_request_is_one_plain_head_with_host_and_close():
    target = parse_target("https://partner.example:8443/in%20box/ü?x=1#frag")
    request = head_request("https://partner.example:8443/in%20box/ü?x=1#frag", target)
    assert request == (
        b"HEAD /in%20box/%C3%BC HTTP/1.1\r\nHost: partner.example:8443\r\n"
        b"User-Agent: mtls-kit-connection-test\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    assert head_request("partner.example", parse_target("partner.example")).startswith(
        b"HEAD / HTTP/1.1\r\nHost: partner.example\r\n"
    )
    assert read_answer(b"HTTP/1.1 200 OK\r\n\r\n") == HttpAnswer(200, "OK", "")
    # Nothing from the URL can end the request line or add a header.
    path = request_path("https://h/a\r\nX-Injected: 1\x00")
    assert path == "/aX-Injected:%201%00"  # urlsplit drops CR/LF; the rest is quoted
    assert not any(ch in path for ch in "\r\n \x00")


@pytest.mark.parametrize(("status", "outcome"), [(200, "accepted"), (403, "forbidden")])
def test_the_request_goes_through_the_proxy_tunnel_too(pki, monkeypatch, status, outcome):
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with ConnectProxy() as proxy, server(pki, http_status=status, http_reason="X") as s:
        policy = policy_from_config(
            {"FETCH_ALLOWED_NETWORKS": '["127.0.0.0/8"]', "FETCH_PROXY": proxy.url}
        )
        result = run(s.url + "/in", pki, policy=policy)
    assert result.outcome == outcome, result.detail
    assert proxy.connects == [f"CONNECT 127.0.0.1:{s.port} HTTP/1.1"] * 2
    assert s.requests[0].startswith(b"HEAD /in HTTP/1.1\r\n")
