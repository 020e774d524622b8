"""A real Java client does mutual TLS with the keystore and truststore we build.

The Python server trusts only the root CA, so it accepts a client certificate only when the
client also sends the intermediate: a passing handshake proves the full chain is in the
keystore entry, that Java decrypts the key with the store password, and that the truststore
lets Java verify the server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jks
import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import ThrowawayPki
from tests.support.java import keytool_list, run_mtls_client
from tests.support.throwaway_pki import Issued, ThrowawayCA
from tests.support.tls_server import LocalTLSServer
from tests.support.tools import require_tool
from webapp.pki.java.jks import build_keystore, build_truststore

pytestmark = pytest.mark.java

PASSWORD = "changeit"


@dataclass(frozen=True)
class Pki:
    ca: ThrowawayCA
    folder: Path
    server_key: Path
    server_chain: Path  # server leaf + intermediate
    root_pem: Path
    truststore: Path


@pytest.fixture(scope="module")
def pki(throwaway_pki: ThrowawayPki, tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """The session's shared PKI (its 127.0.0.1 server), and a folder for the stores we build."""
    # Skip before any server starts: LocalTLSServer stopped within microseconds of starting
    # can trip over its own closed socket.
    require_tool("java", why="a real Java client must accept our stores")
    require_tool("keytool", why="the JDK must read every store we build")
    folder = tmp_path_factory.mktemp("interop")
    ca = throwaway_pki.ca
    truststore = folder / "truststore.jks"
    truststore.write_bytes(
        build_truststore(
            entries=[
                ("Interop Root", ca.root.cert),
                ("Interop Intermediate", ca.intermediate.cert),
            ],
            password=PASSWORD,
        )
    )
    return Pki(
        ca,
        folder,
        throwaway_pki.server_key,
        throwaway_pki.server_chain,
        throwaway_pki.root_pem,
        truststore,
    )


@pytest.fixture
def server(pki: Pki) -> Iterator[LocalTLSServer]:
    with LocalTLSServer(
        cert_chain=pki.server_chain, key=pki.server_key, client_ca=pki.root_pem
    ) as running:
        yield running


def pyjks_keystore(
    client: Issued, path: Path, *, chain_length: int = 3, key_password: str = PASSWORD
) -> Path:
    """A keystore written with pyjks directly, to show what our builder avoids."""
    chain = [c.public_bytes(serialization.Encoding.DER) for c in client.full_chain[:chain_length]]
    pkcs8 = client.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    entry = jks.PrivateKeyEntry.new("client", chain, pkcs8, key_format="pkcs8")
    entry.encrypt(key_password)  # saves() leaves an already-encrypted entry as it is
    path.write_bytes(jks.KeyStore.new("jks", [entry]).saves(PASSWORD))
    return path


def wait_for(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """The server thread records a failure a moment after the client has given up."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_keytool_reads_the_truststore(pki):
    assert keytool_list(pki.truststore, PASSWORD).entries == {
        "interop root": ("trustedCertEntry", 1),
        "interop intermediate": ("trustedCertEntry", 1),
    }


@pytest.mark.parametrize("kind", ["rsa2048", "ec256", "ec384", "ed25519"])
def test_java_client_authenticates_with_our_keystore(pki, server, kind):
    client = pki.ca.issue_client(f"Java Client {kind}", key_kind=kind)
    keystore = pki.folder / f"client-{kind}.jks"
    keystore.write_bytes(
        build_keystore(
            alias="Java Client", private_key=client.key, chain=client.full_chain, password=PASSWORD
        )
    )

    assert keytool_list(keystore, PASSWORD).entries == {"java client": ("PrivateKeyEntry", 3)}
    result = run_mtls_client("127.0.0.1", server.port, keystore, PASSWORD, pki.truststore, PASSWORD)

    assert result.returncode == 0, result.stderr
    assert result.field("client-certificate") == f"CN=Java Client {kind},O=mtls-kit tests"
    assert result.field("client-chain-length") == "3"
    assert result.field("protocol") == "TLSv1.3"
    assert server.client_subjects == [
        f"organizationName=mtls-kit tests,commonName=Java Client {kind}"
    ]
    assert result.field("server-said") == server.client_subjects[0]
    assert server.failures == []


def test_non_ascii_passwords_work_in_java(pki, server):
    # Proves pyjks and the JDK derive the same bytes from a non-ASCII password, both for the
    # store's integrity hash (keytool) and for the key protection (KeyManagerFactory).
    password = "pässwörd€"
    client = pki.ca.issue_client("Java Client non-ascii", key_kind="ec256")
    keystore = pki.folder / "client-non-ascii.jks"
    keystore.write_bytes(
        build_keystore(
            alias="client", private_key=client.key, chain=client.full_chain, password=password
        )
    )
    truststore = pki.folder / "truststore-non-ascii.jks"
    truststore.write_bytes(
        build_truststore(entries=[("root", pki.ca.root.cert)], password=password)
    )

    result = run_mtls_client("127.0.0.1", server.port, keystore, password, truststore, password)

    assert result.returncode == 0, result.stderr
    assert server.client_subjects == [
        "organizationName=mtls-kit tests,commonName=Java Client non-ascii"
    ]


def test_leaf_only_keystore_is_rejected_by_the_server(pki, server):
    # Why build_keystore stores the full chain: Java sends exactly the stored chain, and a
    # server that trusts only the root cannot link a lone leaf to it.
    client = pki.ca.issue_client("Leaf Only", key_kind="ec256")
    keystore = pyjks_keystore(client, pki.folder / "leaf-only.jks", chain_length=1)
    assert keytool_list(keystore, PASSWORD).entries == {"client": ("PrivateKeyEntry", 1)}

    result = run_mtls_client("127.0.0.1", server.port, keystore, PASSWORD, pki.truststore, PASSWORD)

    assert result.returncode != 0
    assert "failed:" in result.stderr
    wait_for(lambda: server.failures)
    assert server.client_subjects == []
    assert any(
        "unable to get local issuer certificate" in failure for failure in server.failures
    ), server.failures


def test_key_password_different_from_store_password_breaks_java(pki, server):
    # pyjks lets an entry keep a password of its own; Java applications pass the store
    # password for the key, and KeyManagerFactory then cannot recover it.
    client = pki.ca.issue_client("Own Password", key_kind="ec256")
    keystore = pyjks_keystore(
        client, pki.folder / "own-password.jks", key_password="another password"
    )
    assert keytool_list(keystore, PASSWORD).entries == {"client": ("PrivateKeyEntry", 3)}

    result = run_mtls_client("127.0.0.1", server.port, keystore, PASSWORD, pki.truststore, PASSWORD)

    assert result.returncode == 1
    assert "UnrecoverableKeyException" in result.stderr
    assert server.client_subjects == []
