"""`mtls-kit test` with the real engine (issue 11), against a local mutual-TLS server."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import STORE_ENV, TRUST_ENV, mtls_kit
from tests.conftest import ThrowawayPki
from tests.support.mtls_server import MtlsServer
from tests.support.throwaway_pki import ThrowawayCA

from .test_cli import build_pair


def server(pki: ThrowawayPki, listed, **options) -> MtlsServer:
    return MtlsServer(
        chain=pki.server.full_chain[:-1],
        key=pki.server.key,
        tls_version="1.3",
        verify="required",
        trusted_client_cas=[pki.ca.root.cert],
        listed_cas=listed,
        **options,
    )


def test_accepted_is_exit_0_with_the_outcome_in_json(
    inputs: Path, tmp_path: Path, throwaway_pki: ThrowawayPki
) -> None:
    keystore, truststore = build_pair(inputs, tmp_path)
    with server(throwaway_pki, [throwaway_pki.ca.root.cert]) as partner:
        run = mtls_kit(
            "test",
            partner.url,
            "--keystore",
            keystore,
            "--truststore",
            truststore,
            *STORE_ENV,
            *TRUST_ENV,
            "--allow-network",
            "127.0.0.0/8",
            "--json",
            cwd=tmp_path,
        )
        assert run.returncode == 0, run.stderr
        report = run.json()
        assert report["outcome"] == "accepted" and report["ok"] is True
        assert report["headline"] and report["next_step"]
        assert any("Shared Client ec256" in seen for seen in partner.seen)


def test_another_authority_only_is_exit_1_issuer_not_accepted(
    inputs: Path, tmp_path: Path, throwaway_pki: ThrowawayPki
) -> None:
    keystore, truststore = build_pair(inputs, tmp_path)
    other = ThrowawayCA("CLI Other Root", key_kind="ec256")
    with server(throwaway_pki, [other.root.cert]) as partner:
        run = mtls_kit(
            "test",
            partner.url,
            "--keystore",
            keystore,
            "--truststore",
            truststore,
            *STORE_ENV,
            *TRUST_ENV,
            "--allow-network",
            "127.0.0.0/8",
            "--json",
            cwd=tmp_path,
        )
    assert run.returncode == 1
    assert run.json()["outcome"] == "issuer-not-accepted"


def test_a_403_after_the_handshake_is_exit_1_forbidden(
    inputs: Path, tmp_path: Path, throwaway_pki: ThrowawayPki
) -> None:
    """Issue 20: the TLS connection works but the partner's server answers our HEAD with 403."""
    keystore, truststore = build_pair(inputs, tmp_path)
    listed = [throwaway_pki.ca.root.cert]
    with server(throwaway_pki, listed, http_status=403, http_reason="Forbidden") as partner:
        args = [partner.url + "/in", "--keystore", keystore, "--truststore", truststore]
        network = ["--allow-network", "127.0.0.0/8"]
        run = mtls_kit("test", *args, *STORE_ENV, *TRUST_ENV, *network, "--json", cwd=tmp_path)
        plain = mtls_kit("test", *args, *STORE_ENV, *TRUST_ENV, *network, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    report = run.json()
    assert report["outcome"] == "forbidden" and report["ok"] is False
    assert report["http_status"] == 403
    assert "does not allow your certificate at this address" in report["headline"]
    assert plain.returncode == 1
    assert "does not allow your certificate at this address" in plain.stdout
    assert all(request.startswith(b"HEAD /in HTTP/1.1") for request in partner.requests)
