"""The connection test's verdict agrees with the real Java client, server setup by server setup.

For every setup in tests/support/connection_scenarios.py the tool runs, then MtlsClient.java
(SunX509 key manager, PKIX trust manager, HTTPS endpoint identification) connects to the same
server with a JKS keystore and truststore built by webapp.pki.java from the same inputs.

Agreement rule: `accepted` exactly when Java's handshake and first read succeed with the
certificate sent (MtlsClient exit 0); `client-cert-not-requested` when Java succeeds without
sending one because nobody asked (exit 3); every other verdict when Java fails (exit 1), or,
for issuer-not-accepted against a server where certificates are optional, when Java connects
WITHOUT sending its certificate (exit 3): the partner then never identifies us, which is what
the verdict says. The table is printed when the module ends and written to
build/connection-verdicts.txt.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests.support.aia import IssuerServer, issue_client_with_aia
from tests.support.connection_scenarios import LOOPBACK, Scenario, make_pki, scenarios
from tests.support.java import run_mtls_client
from tests.support.tools import require_tool
from webapp.pki.java import build_keystore, build_truststore
from webapp.pki.keyimport import load_key_pairs
from webapp.pki.partner import connection_test as ct
from webapp.pki.partner.client_chain import complete_client_chain
from webapp.pki.partner.roots import OPERATOR_ROOTS, RootStore, TrustedRoot

pytestmark = pytest.mark.java

PASSWORD = "changeit"
TABLE: list[tuple[str, str, str, bool]] = []


@pytest.fixture(scope="module")
def pki():
    require_tool("java", why="the tool's verdict is checked against a real Java client")
    return make_pki()


@pytest.fixture(scope="module", autouse=True)
def verdict_table(request):
    yield
    if TABLE:
        width = max(len(row[0]) for row in TABLE)
        lines = [f"{'server setup':<{width}} | tool verdict              | Java result | agree"]
        lines += [
            f"{name:<{width}} | {verdict:<25} | {java:<11} | {'yes' if ok else 'NO'}"
            for name, verdict, java, ok in TABLE
        ]
        text = "\n".join(lines)
        Path(request.config.rootpath / "build").mkdir(exist_ok=True)
        (request.config.rootpath / "build" / "connection-verdicts.txt").write_text(text + "\n")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\n" + text)


def java_stores(folder: Path, key_pair, anchors) -> tuple[Path, Path]:
    keystore, truststore = folder / "keystore.jks", folder / "truststore.jks"
    keystore.write_bytes(
        build_keystore(
            alias="client",
            private_key=key_pair.private_key,
            chain=key_pair.chain,
            password=PASSWORD,
        )
    )
    truststore.write_bytes(
        build_truststore(
            entries=[(f"anchor {i}", cert) for i, cert in enumerate(anchors)], password=PASSWORD
        )
    )
    return keystore, truststore


def java_result(returncode: int) -> str:
    return {0: "ok, cert", 3: "ok, no cert"}.get(returncode, "failed")


def agrees(verdict: str, returncode: int, verify: str) -> bool:
    if verdict == "accepted":
        return returncode == 0
    if verdict == "client-cert-not-requested":
        return returncode == 3
    if verdict == "issuer-not-accepted" and verify == "optional":
        return returncode == 3
    return returncode not in (0, 3)


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s.name)
def test_tool_and_java_agree(scenario, pki, tmp_path):
    key_pair, anchors = scenario.key_pair_for(pki), scenario.anchors_for(pki)
    keystore, truststore = java_stores(tmp_path, key_pair, anchors)
    with scenario.server(pki) as server:
        verdict = ct.test_connection(
            scenario.url(server),
            key_pair=key_pair,
            trust_anchors=anchors,
            policy=LOOPBACK,
            connect_timeout=3,
            handshake_timeout=5,
            after_handshake_wait=2,
        )
        java = run_mtls_client(scenario.host, server.port, keystore, PASSWORD, truststore, PASSWORD)
    ok = agrees(verdict.outcome, java.returncode, scenario.verify)
    TABLE.append((scenario.name, verdict.outcome, java_result(java.returncode), ok))
    assert verdict.outcome == scenario.expected, verdict.detail
    assert ok, f"tool said {verdict.outcome}; Java exit {java.returncode}:\n{java.stderr}"


def test_leaf_only_pem_key_pair_works_for_java_once_completed(pki, tmp_path):
    """A PEM key + leaf imported without its intermediate fails against a server that trusts
    only the client root; complete_client_chain finds the intermediate at the CA's AIA URL and
    the root in the extra roots, and then Java's handshake succeeds (and the tool agrees)."""
    ca = pki.client_ca
    issuer_server = IssuerServer({})
    leaf = issue_client_with_aia(ca, "Leaf Only", issuer_server.url("/intermediate.cer"))
    issuer_server.bodies["/intermediate.cer"] = ca.intermediate.cert.public_bytes(
        serialization.Encoding.DER
    )
    pem = leaf.key_pem() + leaf.cert_pem()  # what the user uploads: key and certificate only
    (imported,) = load_key_pairs(pem, None)
    assert imported.chain == (leaf.cert,)
    with issuer_server.running():
        report = complete_client_chain(
            imported, roots=RootStore([TrustedRoot(ca.root.cert, OPERATOR_ROOTS)]), policy=LOOPBACK
        )
    assert report.complete, report.problem
    completed = report.completed_key_pair(imported)
    assert completed.chain == (leaf.cert, ca.intermediate.cert, ca.root.cert)

    scenario = Scenario("leaf-only PEM key pair", "rejected", "1.3", listed=())
    anchors = scenario.anchors_for(pki)
    with scenario.server(pki) as server:
        outcomes = []
        for label, key_pair in (("before completion", imported), ("after completion", completed)):
            folder = tmp_path / label.replace(" ", "-")
            folder.mkdir()
            keystore, truststore = java_stores(folder, key_pair, anchors)
            verdict = ct.test_connection(
                server.url,
                key_pair=key_pair,
                trust_anchors=anchors,
                policy=LOOPBACK,
                connect_timeout=3,
                handshake_timeout=5,
                after_handshake_wait=2,
            )
            java = run_mtls_client(
                "127.0.0.1", server.port, keystore, PASSWORD, truststore, PASSWORD
            )
            ok = agrees(verdict.outcome, java.returncode, scenario.verify)
            TABLE.append(
                (
                    f"leaf-only PEM key pair, {label}, TLS 1.3",
                    verdict.outcome,
                    java_result(java.returncode),
                    ok,
                )
            )
            outcomes.append((verdict.outcome, java.returncode, ok))
    assert outcomes[0][:2] == ("rejected", 1) and outcomes[0][2]
    assert outcomes[1][:2] == ("accepted", 0) and outcomes[1][2]
