"""The command line end to end: build stores with `mtls-kit`, then Java does mutual TLS.

The server trusts only the root for client certificates, so the handshake proves the
keystore holds the full chain and opens with the store password; the truststore (fetched
from the server with --url, or from the root's file) must let Java verify the server.
Both tools are asked for the store type explicitly, with the JDK's dual-format loading off.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import (
    KEY_ENV,
    STORE_ENV,
    STORE_PASS,
    TRUST_ENV,
    TRUST_PASS,
    mtls_kit,
    mtls_kit_process,
)
from tests.conftest import ThrowawayPki
from tests.support.java import keytool_list, run_mtls_client
from tests.support.tls_server import LocalTLSServer
from tests.support.tools import require_tool
from webapp.pki.partner.outbound import COULD_NOT_CONNECT

pytestmark = pytest.mark.java

TYPES = {"jks": "JKS", "pkcs12": "PKCS12"}
EXTENSIONS = {"jks": ".jks", "pkcs12": ".p12"}


@pytest.fixture(scope="module")
def server(throwaway_pki: ThrowawayPki) -> Iterator[LocalTLSServer]:
    require_tool("java", why="a real Java client must accept the stores mtls-kit builds")
    with LocalTLSServer(
        cert_chain=throwaway_pki.server_chain,
        key=throwaway_pki.server_key,
        client_ca=throwaway_pki.root_pem,
    ) as running:
        yield running


@pytest.mark.parametrize(
    ("keystore_format", "truststore_format"),
    [("jks", "jks"), ("pkcs12", "pkcs12"), ("jks", "pkcs12")],
)
def test_stores_built_by_the_cli_do_mutual_tls_in_java(
    inputs: Path,
    tmp_path: Path,
    server: LocalTLSServer,
    throwaway_pki: ThrowawayPki,
    keystore_format: str,
    truststore_format: str,
) -> None:
    keystore = tmp_path / f"keystore{EXTENSIONS[keystore_format]}"
    truststore = tmp_path / f"truststore{EXTENSIONS[truststore_format]}"
    built = mtls_kit_process(
        "keystore",
        inputs / "client.p12",
        *KEY_ENV,
        "--alias",
        "Partner Key",
        "--out",
        keystore,
        "--format",
        keystore_format,
        *STORE_ENV,
        "--json",
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    assert built.json()["alias"] == "partner key"
    assert built.json()["type"] == TYPES[keystore_format]
    assert len(built.json()["chain"]) == 3
    assert keystore.stat().st_mode & 0o777 == 0o600  # it holds the private key
    # The truststore from the partner's server, as the page's "fetch" does.
    trusted = mtls_kit_process(
        "truststore",
        "--url",
        f"https://127.0.0.1:{server.port}",
        "--allow-network",
        "127.0.0.0/8",
        "--out",
        truststore,
        *TRUST_ENV,
        "--json",
        cwd=tmp_path,
        env={"FLASK_EXTRA_ROOTS": str(inputs / "root.pem")},
    )
    assert trusted.returncode == 0, trusted.stderr
    sources = {entry["subject"] for entry in trusted.json()["entries"]}
    assert sources == {
        "CN=127.0.0.1,O=mtls-kit tests",
        "CN=mtls-kit Shared Test Root Intermediate,O=mtls-kit tests",
        "CN=mtls-kit Shared Test Root,O=mtls-kit tests",
    }
    assert trusted.json()["format"] == truststore_format  # from the .p12/.jks name

    assert keytool_list(keystore, STORE_PASS, storetype=TYPES[keystore_format]).entries == {
        "partner key": ("PrivateKeyEntry", 3)
    }
    listing = keytool_list(truststore, TRUST_PASS, storetype=TYPES[truststore_format])
    assert {kind for kind, _ in listing.entries.values()} == {"trustedCertEntry"}
    result = run_mtls_client(
        "127.0.0.1",
        server.port,
        keystore,
        STORE_PASS,
        truststore,
        TRUST_PASS,
        keystore_type=TYPES[keystore_format],
        truststore_type=TYPES[truststore_format],
    )
    assert result.returncode == 0, result.stderr
    assert result.field("client-certificate") == "CN=Shared Client ec256,O=mtls-kit tests"
    assert result.field("client-chain-length") == "3"


def test_the_cli_refuses_local_addresses_unless_allowed(
    tmp_path: Path, server: LocalTLSServer
) -> None:
    url = f"https://127.0.0.1:{server.port}"
    refused = mtls_kit("truststore", "--url", url, "--out", "t.jks", *TRUST_ENV, cwd=tmp_path)
    assert (refused.returncode, refused.stderr.strip()) == (1, COULD_NOT_CONNECT)
    assert not (tmp_path / "t.jks").exists()
    # The portal's own setting works the same way.
    allowed = mtls_kit(
        "truststore",
        "--url",
        url,
        "--out",
        "t.jks",
        *TRUST_ENV,
        cwd=tmp_path,
        env={"FLASK_FETCH_ALLOWED_NETWORKS": '["127.0.0.1/32"]'},
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "Warning: We could not find the root certificate" in allowed.stderr
