"""Issue 20 on the command line: the page's rules for "ready" and for the Destination URL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.cli.conftest import KEY_ENV, STORE_ENV, TRUST_ENV, mtls_kit
from tests.cli.test_cli import build_pair
from tests.conftest import ThrowawayPki
from tests.support.throwaway_pki import ThrowawayCA, new_key
from webapp.pki.java import read_store
from webapp.pki.java.destination_url import NOT_HTTPS

STORE_PASS = "sp-secret;4412"  # what MTLS_STORE_PASS holds (tests/cli/conftest.py)


@pytest.mark.parametrize("url", ["http://partner.example/in", "HTTP://partner.example:8080"])
def test_config_refuses_an_http_destination(inputs: Path, tmp_path: Path, url: str) -> None:
    keystore, truststore = build_pair(inputs, tmp_path)
    refused = mtls_kit(
        "config",
        "--keystore",
        keystore,
        "--truststore",
        truststore,
        "--url",
        url,
        *STORE_ENV,
        *TRUST_ENV,
        "--out",
        "destination.json",
        cwd=tmp_path,
    )
    assert refused.returncode == 1
    assert refused.stderr.strip() == NOT_HTTPS  # the page's sentence, word for word
    assert not (tmp_path / "destination.json").exists()


def test_a_certificate_alone_needs_alone(throwaway_pki: ThrowawayPki, tmp_path: Path) -> None:
    ca = throwaway_pki.ca
    leaf = ThrowawayCA._issue(
        ca.root, "Direct Client", new_key("ec256"), eku=ExtendedKeyUsageOID.CLIENT_AUTH
    )
    (tmp_path / "leaf.pem").write_bytes(leaf.cert_pem())
    (tmp_path / "leaf.key").write_bytes(leaf.key_pem())
    args = ("keystore", "leaf.pem", "--extra", "leaf.key", "--out", "k.jks", *STORE_ENV)
    refused = mtls_kit(*args, cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "Java will send your certificate alone. That works when the partner already trusts "
        "‘mtls-kit Shared Test Root (mtls-kit tests)’. Give --alone to create the keystore "
        "anyway; `mtls-kit test` will tell whether the partner accepts it."
    )
    assert not (tmp_path / "k.jks").exists()
    made = mtls_kit(*args, "--alone", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    stored = read_store((tmp_path / "k.jks").read_bytes(), STORE_PASS)
    assert [len(e.chain_der) for e in stored.entries] == [1]


def test_an_expired_certificate_needs_allow_expired(
    throwaway_pki: ThrowawayPki, tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    old = throwaway_pki.ca.issue_client(
        "Old Client",
        key_kind="ec256",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=2),
    )
    (tmp_path / "old.pem").write_bytes(old.chain_pem())
    (tmp_path / "old.key").write_bytes(old.key_pem())
    args = ("keystore", "old.pem", "--extra", "old.key", "--out", "k.jks", *STORE_ENV)
    refused = mtls_kit(*args, cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "Your certificate has expired: the partner will refuse it. Give --allow-expired to "
        "create it anyway (for a test)."
    )
    assert mtls_kit(*args, "--allow-expired", cwd=tmp_path).returncode == 0


def test_a_complete_key_pair_file_is_ready_as_before(inputs: Path, tmp_path: Path) -> None:
    made = mtls_kit(
        "keystore", inputs / "client.p12", *KEY_ENV, "--out", "k.jks", *STORE_ENV, cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr


def test_a_truststore_of_your_own_chain_alone_is_refused(inputs: Path, tmp_path: Path) -> None:
    refused = mtls_kit(
        "truststore",
        "--own",
        inputs / "client.p12",
        *KEY_ENV,
        "--out",
        "t.jks",
        *TRUST_ENV,
        cwd=tmp_path,
    )
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "Give --url or --cert too: your own chain alone does not let Java trust the "
        "partner's server."
    )
    assert not (tmp_path / "t.jks").exists()
