"""The connection test's verdict agrees with the real Java client, server setup by server setup.

For every setup in tests/support/connection_scenarios.py the tool runs, then MtlsClient.java
(SunX509 key manager, PKIX trust manager, HTTPS endpoint identification) connects to the same
server with a JKS keystore and truststore built by webapp.pki.java from the same inputs.

Agreement rule: `accepted` exactly when Java's handshake and first read succeed with the
certificate sent (MtlsClient exit 0); `client-cert-not-requested` when Java succeeds without
sending one because nobody asked (exit 3); every other verdict when Java fails (exit 1), or,
for issuer-not-accepted against a server where certificates are optional, when Java connects
WITHOUT sending its certificate (exit 3): the partner then never identifies us, which is what
the verdict says. The table is printed when the module ends and written to build/connection-verdicts.txt.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.connection_scenarios import LOOPBACK, make_pki, scenarios
from tests.support.java import run_mtls_client
from tests.support.tools import require_tool
from webapp.pki.java import build_keystore, build_truststore
from webapp.pki.partner import connection_test as ct

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
        lines += [f"{name:<{width}} | {verdict:<25} | {java:<11} | {'yes' if ok else 'NO'}"
                  for name, verdict, java, ok in TABLE]
        text = "\n".join(lines)
        Path(request.config.rootpath / "build").mkdir(exist_ok=True)
        (request.config.rootpath / "build" / "connection-verdicts.txt").write_text(text + "\n")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\n" + text)


def java_stores(folder: Path, key_pair, anchors) -> tuple[Path, Path]:
    keystore, truststore = folder / "keystore.jks", folder / "truststore.jks"
    keystore.write_bytes(build_keystore(alias="client", private_key=key_pair.private_key,
                                        chain=key_pair.chain, password=PASSWORD))
    truststore.write_bytes(build_truststore(
        entries=[(f"anchor {i}", cert) for i, cert in enumerate(anchors)], password=PASSWORD))
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
        verdict = ct.test_connection(server.url, key_pair=key_pair, trust_anchors=anchors,
                                     policy=LOOPBACK, connect_timeout=3, handshake_timeout=5)
        java = run_mtls_client("127.0.0.1", server.port, keystore, PASSWORD, truststore,
                               PASSWORD)
    ok = agrees(verdict.outcome, java.returncode, scenario.verify)
    TABLE.append((scenario.name, verdict.outcome, java_result(java.returncode), ok))
    assert verdict.outcome == scenario.expected, verdict.detail
    assert ok, f"tool said {verdict.outcome}; Java exit {java.returncode}:\n{java.stderr}"
