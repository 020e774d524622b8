"""The connection test against local servers: one outcome code per server setup.

The same setups run against the real Java client in tests/interop/test_connection_verdicts.py.
"""

from __future__ import annotations

import datetime as dt
import socket
import time

import pytest
from cryptography import x509

from tests.pki.partner.test_outbound import REFUSED_BY_DEFAULT, RecordingConnector
from tests.support.connection_scenarios import LOOPBACK, Scenario, make_pki, scenarios
from webapp.pki.certs import plain_name
from webapp.pki.partner import COULD_NOT_CONNECT, FetchError, OutboundPolicy, outcomes
from webapp.pki.partner import connection_test as ct
from webapp.pki.partner.acceptable_cas import java_would_send
from webapp.pki.partner.server_trust import check_server_trust
from webapp.pki.partner.wording import NO_CONNECTION_DETAIL

# A generous wait after the handshake: a loaded 2-core runner must not turn a late TLS 1.3
# alert into "accepted". It costs nothing here: every test server answers or alerts at once.
QUICK = {"connect_timeout": 3.0, "handshake_timeout": 5.0, "after_handshake_wait": 2.0}


@pytest.fixture(scope="module")
def pki():
    return make_pki()


def run(scenario: Scenario, pki, **overrides):
    with scenario.server(pki) as server:
        result = ct.test_connection(
            scenario.url(server),
            key_pair=scenario.key_pair_for(pki),
            trust_anchors=scenario.anchors_for(pki),
            policy=LOOPBACK,
            **{**QUICK, **overrides},
        )
    return result, server


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s.name)
def test_each_server_setup_gets_its_outcome(scenario, pki):
    result, server = run(scenario, pki)
    assert result.outcome == scenario.expected, result.detail
    assert result.outcome in outcomes.OUTCOMES
    assert result.headline and result.next_step and result.detail
    assert result.url == scenario.url(server)
    sent_certificate = any(seen != "none" for seen in server.seen)
    if scenario.expected in (
        "issuer-not-accepted",
        "server-not-trusted",
        "hostname-mismatch",
        "client-cert-not-requested",
    ):
        # Java would not have sent the certificate, so the server must not have seen one.
        assert not sent_certificate
    if scenario.expected == "accepted":
        assert server.seen[-1] == "CN=Client One,O=mtls-kit tests"


def test_tls13_rejection_after_the_handshake_is_caught_and_translated(pki):
    scenario = next(s for s in scenarios() if s.name.startswith("rejected") and "1.3" in s.name)
    result, _ = run(scenario, pki)
    assert result.tls_version == "TLSv1.3"  # the handshake completed on our side
    assert result.alert_code == "unknown_ca"
    assert "does not know the authority" in result.headline


def test_issuer_not_accepted_names_both_sides(pki):
    scenario = next(s for s in scenarios() if s.expected == "issuer-not-accepted")
    result, _ = run(scenario, pki)
    assert result.acceptable_issuers == ("Other Root (mtls-kit tests)",)
    assert result.your_issuer == "Client Root Intermediate (mtls-kit tests)"
    assert "Other Root (mtls-kit tests)" in result.headline


def test_server_not_trusted_says_which_certificate_is_missing(pki):
    scenario = next(s for s in scenarios() if s.expected == "server-not-trusted")
    result, _ = run(scenario, pki)
    assert result.missing_certificate == (
        "The truststore lacks the certificate ‘Server Root (mtls-kit tests)’ that issued "
        "‘Server Root Intermediate (mtls-kit tests)’."
    )
    assert result.alert is None  # the probe's alert is not the server's verdict here


def test_expired_certificate_still_reports_the_servers_reaction(pki):
    scenario = next(s for s in scenarios() if s.expected == "certificate-expired")
    result, _ = run(scenario, pki)
    assert result.headline.startswith("Your certificate expired on ")
    assert "Server's reaction: rejected" in result.detail
    assert result.alert_code == "certificate_expired"


def test_closed_port_is_unreachable_in_the_fetchs_words(pki):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = ct.test_connection(
        f"127.0.0.1:{port}",
        key_pair=pki.key_pair(),
        trust_anchors=[pki.server_ca.root.cert],
        policy=LOOPBACK,
        **QUICK,
    )
    assert result.outcome == "unreachable"
    assert result.headline == COULD_NOT_CONNECT
    assert result.detail == NO_CONNECTION_DETAIL  # the same words as a refused address
    assert "refused" in result.log_detail.lower()  # the log still says what happened


@pytest.mark.parametrize(
    ("text", "resolver"), REFUSED_BY_DEFAULT, ids=[text for text, _ in REFUSED_BY_DEFAULT]
)
def test_refused_addresses_are_never_contacted_and_read_like_a_closed_port(pki, text, resolver):
    # The same table as the certificate fetch's policy tests (test_outbound.py).
    connector = RecordingConnector()
    result = ct.test_connection(
        text,
        key_pair=pki.key_pair(),
        trust_anchors=[pki.server_ca.root.cert],
        policy=OutboundPolicy(),
        resolver=resolver,
        connector=connector,
    )
    assert connector.calls == []
    assert (result.outcome, result.headline) == ("unreachable", COULD_NOT_CONNECT)
    assert result.log_detail  # the real reason, for the server log only
    assert result.detail == NO_CONNECTION_DETAIL  # the page must not say WHY (no scan oracle)


def test_the_default_policy_refuses_the_local_server_before_any_byte(pki):
    scenario = scenarios()[0]
    with scenario.server(pki) as server:
        result = ct.test_connection(
            server.url,
            key_pair=pki.key_pair(),
            trust_anchors=[pki.server_ca.root.cert],
            policy=OutboundPolicy(),
            **QUICK,
        )
        time.sleep(0.3)  # a connection, had there been one, is recorded by now
    assert result.outcome == "unreachable"
    assert server.seen == [] and server.failures == []


def test_a_mistyped_address_is_an_error_for_beside_the_field(pki):
    with pytest.raises(FetchError):  # UnsupportedScheme: a plain sentence for the field
        ct.test_connection("ftp://x", key_pair=pki.key_pair(), trust_anchors=[], policy=LOOPBACK)


def test_java_key_manager_rule_matches_issuers_not_subjects(pki):
    chain = pki.key_pair().chain  # leaf <- Client Root Intermediate <- Client Root
    root, inter = pki.client_ca.root.cert, pki.client_ca.intermediate.cert
    assert java_would_send(chain, [])
    assert java_would_send(chain, [root.subject])  # issuer of the intermediate (and the root)
    assert java_would_send(chain, [inter.subject])  # issuer of the leaf
    assert not java_would_send(chain, [chain[0].subject])  # the leaf's own name issues nothing
    assert not java_would_send(chain, [pki.other_ca.root.cert.subject])
    shouting = x509.Name([x509.NameAttribute(a.oid, str(a.value).upper()) for a in root.subject])
    assert java_would_send(chain, [shouting])  # X500Principal compares case-insensitively


def test_server_trust_accepts_an_intermediate_anchor_and_dates_matter(pki):
    sent = pki.server.full_chain[:-1]
    now = dt.datetime.now(dt.UTC)
    assert check_server_trust(sent, [pki.server_ca.intermediate.cert], now=now).trusted
    assert check_server_trust(sent, [pki.server_ca.root.cert], now=now).trusted
    late = check_server_trust(sent, [pki.server_ca.root.cert], now=now + dt.timedelta(days=900))
    assert not late.trusted and "expired on" in (late.problem or "")
    assert plain_name(pki.server.cert.subject) == "127.0.0.1 (mtls-kit tests)"


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("tlsv1 alert unknown ca", "unknown_ca"),
        ("sslv3 alert bad certificate", "bad_certificate"),
        ("tlsv13 alert certificate required", "certificate_required"),
        ("sslv3 alert certificate expired", "certificate_expired"),
        ("sslv3 alert certificate revoked", "certificate_revoked"),
        ("tlsv1 alert access denied", "access_denied"),
        ("sslv3 alert handshake failure", "handshake_failure"),
    ],
)
def test_alerts_in_plain_words(reason, code):
    translated = outcomes.translate_alert(reason)
    assert translated is not None and translated[0] == code
    assert "alert" not in translated[1] and translated[1].endswith(".")


def test_java_sends_nothing_where_openssl_would_have_succeeded(pki):
    """The server verifies against the client root but lists only Other Root: an OpenSSL
    client sends its certificate anyway and gets in; Java (and so the tool) sends none."""
    from webapp.pki.partner.connect import open_connection
    from webapp.pki.partner.handshake import attempt_handshake
    from webapp.pki.partner.targets import parse_target

    scenario = next(
        s
        for s in scenarios()
        if s.expected == "issuer-not-accepted" and s.verify == "required" and "1.3" in s.name
    )
    with scenario.server(pki) as server:
        sock, _ = open_connection(parse_target(server.url), policy=LOOPBACK)
        openssl_way = attempt_handshake(sock, None, identity=pki.key_pair(), timeout=5)
        result = ct.test_connection(
            server.url,
            key_pair=pki.key_pair(),
            trust_anchors=scenario.anchors_for(pki),
            policy=LOOPBACK,
            **QUICK,
        )
    assert openssl_way.carried_on and openssl_way.server_spoke
    assert server.seen == ["CN=Client One,O=mtls-kit tests"]  # only the OpenSSL-style attempt
    assert result.outcome == "issuer-not-accepted"
    assert result.alert_code == "certificate_required"  # the server's reaction to no certificate


def test_a_silent_server_after_the_handshake_counts_as_accepted(pki):
    # An HTTPS server says nothing until it gets a request, so silence for the short wait
    # after the handshake means it carried on. This one does not answer our HEAD either: the
    # TLS part is proven, the detail says no answer came, and the timeout bounds the wait.
    scenario = scenarios()[0]
    with scenario.server(pki, greet=False) as server:
        started = time.monotonic()
        result = ct.test_connection(
            server.url,
            key_pair=pki.key_pair(),
            trust_anchors=scenario.anchors_for(pki),
            policy=LOOPBACK,
            **{**QUICK, "after_handshake_wait": 0.5, "handshake_timeout": 1.5},
        )
        elapsed = time.monotonic() - started
    assert result.outcome == "accepted" and "data received" not in result.detail
    assert result.http_status is None
    assert "answer: no HTTP answer" in result.detail and "before the timeout" in result.detail
    assert elapsed < 3


@pytest.mark.parametrize("key_kind", ["rsa2048", "ec384", "ed25519"])
def test_every_supported_key_type_can_be_presented(pki, key_kind):
    issued = pki.client_ca.issue_client(f"Client {key_kind}", key_kind=key_kind)
    scenario = scenarios()[0]
    with scenario.server(pki) as server:
        result = ct.test_connection(
            server.url,
            key_pair=pki.key_pair(issued),
            trust_anchors=scenario.anchors_for(pki),
            policy=LOOPBACK,
            **QUICK,
        )
    assert result.outcome == "accepted", result.detail
    assert server.seen == [f"CN=Client {key_kind},O=mtls-kit tests"]


def test_a_certificate_not_valid_yet_is_reported_before_the_servers_reaction(pki):
    issued = pki.client_ca.issue_client(
        "Future Client", key_kind="ec256", not_before=dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    )
    scenario = scenarios()[1]  # empty CA list: Java sends it, the server refuses it
    with scenario.server(pki) as server:
        result = ct.test_connection(
            server.url,
            key_pair=pki.key_pair(issued),
            trust_anchors=scenario.anchors_for(pki),
            policy=LOOPBACK,
            **QUICK,
        )
    assert result.outcome == "certificate-expired"
    assert result.headline.startswith("Your certificate is not valid until ")
    stored = result.as_dict()
    assert stored["outcome"] == "certificate-expired" and stored["tested_at"].endswith("+00:00")
