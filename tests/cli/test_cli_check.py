"""`mtls-kit check` against local servers that demand a client certificate: exact exit codes,
JSON, and a Prometheus textfile that prometheus_client's own parser reads."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from prometheus_client.parser import text_string_to_metric_families

from tests.cli.conftest import STORE_ENV, STORE_PASS, TRUST_ENV, TRUST_PASS, mtls_kit
from tests.support.connection_scenarios import ScenarioPki, make_pki
from tests.support.mtls_server import MtlsServer
from tests.support.throwaway_pki import NOW, Issued, ThrowawayCA, new_key
from webapp.pki.java import build_keystore, build_truststore

LOOPBACK = ("--allow-network", "127.0.0.0/8")
# A CA name with the characters a textfile label must escape.
ODD_NAME = 'Odd "Quoted" \\ Root'


@pytest.fixture(scope="module")
def pki() -> ScenarioPki:
    return make_pki()


@pytest.fixture(scope="module")
def odd_ca() -> ThrowawayCA:
    return ThrowawayCA(ODD_NAME, key_kind="ec256")


def server_for(pki: ScenarioPki, issued: Issued) -> MtlsServer:
    """A TLS 1.3 server that requires a client certificate from the client root."""
    return MtlsServer(
        chain=issued.full_chain[:-1],
        key=issued.key,
        trusted_client_cas=[pki.client_ca.root.cert],
        listed_cas=[pki.client_ca.root.cert],
    )


def server_cert(ca: ThrowawayCA, *, not_after: dt.datetime | None = None) -> Issued:
    return ThrowawayCA._issue(
        ca.intermediate,
        "127.0.0.1",
        new_key("ec256"),
        sans=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
        eku=x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
        not_before=NOW - dt.timedelta(days=400) if not_after else None,
        not_after=not_after,
    )


def stores(folder: Path, client: Issued, trusted: list[x509.Certificate]) -> list[str]:
    keystore, truststore = folder / "keystore.jks", folder / "truststore.jks"
    keystore.write_bytes(
        build_keystore(
            alias="partner-client",
            private_key=client.key,
            chain=client.full_chain,
            password=STORE_PASS,
        )
    )
    entries = [(f"trusted-{i}", cert) for i, cert in enumerate(trusted)]
    truststore.write_bytes(build_truststore(entries=entries, password=TRUST_PASS))
    return ["--keystore", str(keystore), "--truststore", str(truststore)]


def check(folder: Path, files: list[str], server: MtlsServer, *extra: str):
    return mtls_kit(
        "check", *files, "--url", server.url, *LOOPBACK, *STORE_ENV, *TRUST_ENV, *extra,
        cwd=folder,
    )  # fmt: skip


def codes(run) -> list[str]:
    return [problem["code"] for problem in run.json()["problems"]]


def test_healthy(pki: ScenarioPki, tmp_path: Path) -> None:
    files = stores(tmp_path, pki.client, [pki.server_ca.root.cert])
    with server_for(pki, pki.server) as server:
        run = check(tmp_path, files, server, "--json")
        text = check(tmp_path, files, server)
    assert run.returncode == 0, run
    report = run.json()
    assert {k: report[k] for k in ("ok", "outcome", "problems")} == {
        "ok": True,
        "outcome": "accepted",
        "problems": [],
    }
    assert (text.returncode, text.stdout.splitlines()[0]) == (0, text.stdout.strip())
    assert text.stdout.startswith("Healthy")


def test_the_partner_switched_to_a_chain_the_truststore_does_not_trust(
    pki: ScenarioPki, tmp_path: Path
) -> None:
    files = stores(tmp_path, pki.client, [pki.server_ca.root.cert])
    with server_for(pki, server_cert(pki.other_ca)) as server:
        run = check(tmp_path, files, server, "--json")
    assert run.returncode == 1, run
    report = run.json()
    assert (report["ok"], report["outcome"]) == (False, "server-not-trusted")
    assert codes(run) == ["partner-changed", "server-not-trusted"]
    assert "Other Root Intermediate" in report["problems"][0]["message"]
    assert "Fetch its chain again" in report["problems"][0]["message"]


def test_a_key_whose_certificate_expires_in_10_days(pki: ScenarioPki, tmp_path: Path) -> None:
    soon = pki.client_ca.issue_client(
        "Soon Client", key_kind="ec256", not_after=NOW + dt.timedelta(days=10)
    )
    files = stores(tmp_path, soon, [pki.server_ca.root.cert])
    with server_for(pki, pki.server) as server:
        run = check(tmp_path, files, server, "--json", "--days", "30")
        relaxed = check(tmp_path, files, server, "--json", "--days", "5")
    assert run.returncode == 1, run
    report = run.json()
    assert (report["ok"], report["outcome"], codes(run)) == (False, "accepted", ["expires-soon"])
    assert f"{soon.cert.not_valid_after_utc:%d %B %Y}" in report["problems"][0]["message"]
    assert (relaxed.returncode, relaxed.json()["ok"], codes(relaxed)) == (0, True, [])


def test_an_expired_partner_certificate(pki: ScenarioPki, tmp_path: Path) -> None:
    files = stores(tmp_path, pki.client, [pki.server_ca.root.cert])
    expired = server_cert(pki.server_ca, not_after=NOW - dt.timedelta(days=3))
    with server_for(pki, expired) as server:
        run = check(tmp_path, files, server, "--json")
    assert run.returncode == 1, run
    report = run.json()
    assert (report["ok"], report["outcome"]) == (False, "server-not-trusted")
    assert codes(run) == ["partner-expired", "server-not-trusted"]
    assert "expired on" in report["problems"][0]["message"]


def test_a_partner_certificate_that_expires_soon(pki: ScenarioPki, tmp_path: Path) -> None:
    files = stores(tmp_path, pki.client, [pki.server_ca.root.cert])
    ending = server_cert(pki.server_ca, not_after=NOW + dt.timedelta(days=10))
    with server_for(pki, ending) as server:
        run = check(tmp_path, files, server, "--json")
    assert run.returncode == 1, run
    report = run.json()
    assert (report["ok"], report["outcome"]) == (False, "accepted")
    assert codes(run) == ["partner-expires-soon"]
    assert f"{ending.cert.not_valid_after_utc:%d %B %Y}" in report["problems"][0]["message"]


def test_a_wrong_store_password(pki: ScenarioPki, tmp_path: Path) -> None:
    files = stores(tmp_path, pki.client, [pki.server_ca.root.cert])
    with server_for(pki, pki.server) as server:
        run = mtls_kit(
            "check", *files, "--url", server.url, *LOOPBACK,
            "--store-password-env", "MTLS_TRUST_PASS", *TRUST_ENV, "--json",
            cwd=tmp_path,
        )  # fmt: skip
    assert run.returncode == 1, run
    report = run.json()
    assert {k: report[k] for k in ("ok", "outcome")} == {"ok": False, "outcome": None}
    assert report["problems"] == [
        {
            "code": "wrong-store-password",
            "message": f"{files[1]} (keystore): The password does not open this store.",
        }
    ]


def test_an_unset_password_variable_is_a_usage_error(pki: ScenarioPki, tmp_path: Path) -> None:
    files = stores(tmp_path, pki.client, [pki.server_ca.root.cert])
    run = mtls_kit(
        "check", *files, "--url", "https://127.0.0.1:9", "--store-password-env", "NOT_SET_PW",
        *TRUST_ENV, "--json",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 2
    assert "The environment variable NOT_SET_PW is not set." in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_the_prometheus_file_parses_and_holds_every_certificate(
    pki: ScenarioPki, odd_ca: ThrowawayCA, tmp_path: Path
) -> None:
    trusted = [pki.server_ca.root.cert, odd_ca.root.cert]
    files = stores(tmp_path, pki.client, trusted)
    textfile = tmp_path / "metrics" / "mtls_kit.prom"
    textfile.parent.mkdir()
    with server_for(pki, pki.server) as server:
        run = check(tmp_path, files, server, "--prometheus", str(textfile))
    assert run.returncode == 0, run
    assert [p.name for p in textfile.parent.iterdir()] == ["mtls_kit.prom"]  # no temp file
    families = {f.name: f for f in text_string_to_metric_families(textfile.read_text())}
    expiry = {
        (s.labels["store"], s.labels["alias"], s.labels["subject"]): s.value
        for s in families["mtls_kit_certificate_expiry_timestamp_seconds"].samples
    }
    expected = {
        ("keystore", "partner-client", cert.subject.rfc4514_string()): cert
        for cert in pki.client.full_chain
    }
    expected |= {
        ("truststore", f"trusted-{i}", cert.subject.rfc4514_string()): cert
        for i, cert in enumerate(trusted)
    }
    expected |= {
        ("partner", str(i), cert.subject.rfc4514_string()): cert
        for i, cert in enumerate(pki.server.full_chain[:-1])
    }
    assert expiry == {k: c.not_valid_after_utc.timestamp() for k, c in expected.items()}
    # Quotes and backslashes survived the textfile's escaping (the equality above).
    assert any('"' in subject and "\\" in subject for _, _, subject in expiry)
    [ok] = families["mtls_kit_check_ok"].samples
    assert ok.value == 1
    outcome = {s.labels["outcome"]: s.value for s in families["mtls_kit_check_outcome"].samples}
    assert outcome["accepted"] == 1 and sum(outcome.values()) == 1


def test_the_prometheus_file_says_not_ok_when_a_store_does_not_open(
    pki: ScenarioPki, tmp_path: Path
) -> None:
    files = stores(tmp_path, pki.client, [pki.server_ca.root.cert])
    textfile = tmp_path / "mtls_kit.prom"
    run = mtls_kit(
        "check", *files, "--url", "https://127.0.0.1:9", "--store-password-env",
        "MTLS_TRUST_PASS", *TRUST_ENV, "--prometheus", str(textfile),
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stdout.startswith("Problem (wrong-store-password)")
    families = {f.name: f for f in text_string_to_metric_families(textfile.read_text())}
    assert [s.value for s in families["mtls_kit_check_ok"].samples] == [0]
    outcome = {s.labels["outcome"]: s.value for s in families["mtls_kit_check_outcome"].samples}
    assert outcome["not-run"] == 1
    problem = families["mtls_kit_check_problem"].samples
    assert [(s.labels["code"], s.value) for s in problem] == [("wrong-store-password", 1)]
