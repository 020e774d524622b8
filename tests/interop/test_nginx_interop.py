"""The connection test against nginx as the partner's server agrees with a real Java client.

Issue 20: a server may finish the TLS handshake whatever the client certificate is and refuse
it only at the HTTP level (nginx answers HTTP 400 "The SSL certificate error" for a revoked
certificate), or allow the certificate and refuse the subject (a 403 from a `map` on
`$ssl_client_s_dn`). For each setup below, Debian's nginx runs on loopback with its own
configuration (tests/support/nginx_server.py); the tool runs its test, then MtlsClient.java
connects with a JKS keystore and truststore built from the same inputs and sends a GET as the
platform sends its requests.

Agreement rule (`agrees`): accepted exactly when Java sent the certificate and got an answer
that is not a refusal (not 400/401/403/495/496); forbidden when Java sent it and got 401/403;
rejected when Java sent it and failed or got 400/495/496; issuer-not-accepted when Java sent
NO certificate (whatever the server then did: the partner never identifies us);
client-cert-not-requested when Java got an answer without being asked for a certificate.
The table is printed when the module ends and written to build/nginx-verdicts.txt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.interop.test_connection_verdicts import java_stores
from tests.support.connect_proxy import ConnectProxy
from tests.support.connection_scenarios import LOOPBACK, ScenarioPki, make_pki
from tests.support.java import MtlsResult, run_mtls_client
from tests.support.nginx_server import NGINX, NginxServer, NginxSetup
from tests.support.throwaway_pki import NOW, ThrowawayCA, new_key
from tests.support.tools import require_tool
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner import connection_test as ct
from webapp.web.outbound import policy_from_config

pytestmark = pytest.mark.java

PASSWORD = "changeit"
PATH = "/inbound"
REFUSALS = (400, 401, 403, 495, 496)
TABLE: list[tuple[str, str, str, bool]] = []


@dataclass(frozen=True)
class Setup:
    name: str
    expected: str
    nginx: NginxSetup
    client: str = "client"  # "client", "revoked" or "server-eku" (no clientAuth usage)


@pytest.fixture(scope="module")
def pki() -> ScenarioPki:
    require_tool("java", why="the tool's verdict is checked against a real Java client")
    require_tool("nginx", path=NGINX, why="nginx plays the partner's server")
    return make_pki()


@pytest.fixture(scope="module")
def server_eku_client(pki: ScenarioPki):
    """A certificate from our CA that lacks the clientAuth usage (serverAuth only)."""
    return ThrowawayCA._issue(
        pki.client_ca.intermediate,
        "Server Usage Only",
        new_key("ec256"),
        eku=ExtendedKeyUsageOID.SERVER_AUTH,
    )


@pytest.fixture(scope="module", autouse=True)
def verdict_table(request):
    yield
    if TABLE:
        width = max(len(row[0]) for row in TABLE)
        lines = [
            f"{'nginx setup':<{width}} | tool verdict              | Java result       | agree"
        ]
        lines += [
            f"{name:<{width}} | {verdict:<25} | {java:<17} | {'yes' if ok else 'NO'}"
            for name, verdict, java, ok in TABLE
        ]
        text = "\n".join(lines)
        Path(request.config.rootpath / "build").mkdir(exist_ok=True)
        (request.config.rootpath / "build" / "nginx-verdicts.txt").write_text(text + "\n")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\n" + text)


def crls_revoking(pki: ScenarioPki, serial: int) -> bytes:
    """PEM CRLs for our CA's intermediate (revoking `serial`) and root (empty): nginx checks
    CRLs for every level of the chain (X509_V_FLAG_CRL_CHECK_ALL), so both are needed."""
    ca = pki.client_ca
    revoked = (
        x509.RevokedCertificateBuilder()
        .serial_number(serial)
        .revocation_date(NOW - dt.timedelta(hours=1))
        .build()
    )
    pem = b""
    for issuer, entries in ((ca.intermediate, [revoked]), (ca.root, [])):
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(NOW - dt.timedelta(days=1))
            .next_update(NOW + dt.timedelta(days=30))
        )
        for entry in entries:
            builder = builder.add_revoked_certificate(entry)
        crl = builder.sign(issuer.key, hashes.SHA256())
        pem += crl.public_bytes(serialization.Encoding.PEM)
    return pem


def setups(pki: ScenarioPki) -> list[Setup]:
    ours, other = [pki.client_ca.root.cert], [pki.other_ca.root.cert]
    return [
        Setup("requires our CA", "accepted", NginxSetup("on", ours)),
        Setup("lists only another CA", "issuer-not-accepted", NginxSetup("on", other)),
        Setup("optional, our CA", "accepted", NginxSetup("optional", ours)),
        Setup("optional, only another CA", "issuer-not-accepted", NginxSetup("optional", other)),
        Setup("no client certificate asked", "client-cert-not-requested", NginxSetup("off")),
        Setup("TLS 1.2 only", "accepted", NginxSetup("on", ours, protocols="TLSv1.2")),
        Setup("TLS 1.3 only", "accepted", NginxSetup("on", ours, protocols="TLSv1.3")),
        Setup(
            "our certificate revoked (ssl_crl)",
            "rejected",
            NginxSetup("on", ours, crl=crls_revoking(pki, pki.client.cert.serial_number)),
        ),
        Setup(
            "403 for our subject (map)",
            "forbidden",
            NginxSetup("on", ours, forbidden_subject="CN=Client One"),
        ),
        Setup(
            "chain longer than ssl_verify_depth 0",
            "rejected",
            NginxSetup("on", ours, verify_depth=0),
        ),
        Setup("no clientAuth usage", "rejected", NginxSetup("on", ours), client="server-eku"),
    ]


def java_summary(java: MtlsResult) -> tuple[int | None, bool]:
    status = java.field("http-status")
    sent = (java.field("client-chain-length") or "0") != "0"
    return (int(status) if status and status.isdigit() else None), sent


def java_result(java: MtlsResult) -> str:
    status, sent = java_summary(java)
    if status is None:
        return "failed"
    return f"HTTP {status}, {'cert' if sent else 'no cert'}"


def agrees(verdict: str, java: MtlsResult) -> bool:
    status, sent = java_summary(java)
    answered = status is not None
    if verdict == "accepted":
        return answered and sent and status not in REFUSALS
    if verdict == "forbidden":
        return answered and sent and status in (401, 403)
    if verdict == "rejected":
        return (sent and status in (400, 495, 496)) or (not answered and java.returncode == 1)
    if verdict == "issuer-not-accepted":
        return not sent
    if verdict == "client-cert-not-requested":
        return answered and not sent and java.returncode == 3
    return not answered


@pytest.mark.parametrize("index", range(11), ids=lambda i: f"setup{i}")
def test_tool_and_java_agree_against_nginx(index, pki, server_eku_client, tmp_path):
    setup = setups(pki)[index]
    issued = server_eku_client if setup.client == "server-eku" else pki.client
    key_pair = KeyPair(issued.key, issued.cert, tuple(issued.full_chain))
    anchors = [pki.server_ca.root.cert]
    keystore, truststore = java_stores(tmp_path, key_pair, anchors)
    folder = tmp_path / "nginx"
    folder.mkdir()
    chain = pki.server.full_chain[:-1]
    with NginxServer(folder, chain=chain, key=pki.server.key, setup=setup.nginx) as nginx:
        verdict = ct.test_connection(
            f"https://127.0.0.1:{nginx.port}{PATH}",
            key_pair=key_pair,
            trust_anchors=anchors,
            policy=LOOPBACK,
            connect_timeout=3,
            handshake_timeout=5,
            after_handshake_wait=1,
        )
        java = run_mtls_client(
            "127.0.0.1", nginx.port, keystore, PASSWORD, truststore, PASSWORD, http_path=PATH
        )
        log = nginx.log()
    ok = agrees(verdict.outcome, java)
    TABLE.append((setup.name, verdict.outcome, java_result(java), ok))
    assert verdict.outcome == setup.expected, f"{verdict.detail}\n--- nginx:\n{log[-1500:]}"
    assert ok, f"tool said {verdict.outcome}; Java {java.stdout}\n{java.stderr}\n{log[-1500:]}"
    if setup.expected == "rejected":
        assert "client SSL certificate verify error" in log  # nginx's own reason, for the record


@pytest.mark.parametrize("index", [7, 8], ids=["revoked", "403"])
def test_the_same_verdict_through_the_proxy_tunnel(index, pki, tmp_path, monkeypatch):
    """The HEAD request travels through the organisation's proxy (CONNECT) like the handshake."""
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    setup = setups(pki)[index]
    chain = pki.server.full_chain[:-1]
    with (
        ConnectProxy() as proxy,
        NginxServer(tmp_path, chain=chain, key=pki.server.key, setup=setup.nginx) as nginx,
    ):
        policy = policy_from_config(
            {"FETCH_ALLOWED_NETWORKS": '["127.0.0.0/8"]', "FETCH_PROXY": proxy.url}
        )
        verdict = ct.test_connection(
            f"https://127.0.0.1:{nginx.port}{PATH}",
            key_pair=pki.key_pair(),
            trust_anchors=[pki.server_ca.root.cert],
            policy=policy,
            connect_timeout=3,
            handshake_timeout=5,
            after_handshake_wait=1,
        )
    assert verdict.outcome == setup.expected, verdict.detail
    assert len(proxy.connects) == 2  # the probe and the connection with our certificate
    assert f'"HEAD {PATH} HTTP/1.1"' in (tmp_path / "access.log").read_text()
