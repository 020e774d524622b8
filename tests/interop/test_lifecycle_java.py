"""Issue 13 end to end with the JDK: last year's keytool stores, renewed and updated by us.

Every store we build from an opened or renewed store must pass keytool -list and a real Java
mutual-TLS handshake against a server that trusts only the root, which proves one key entry
with the full chain, key password == store password, and a truststore Java accepts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.support.keytool_stores import (
    STORE_PASSWORD,
    KeytoolStores,
)
from tests.support.renewed_keystore import plan_new_key_pair
from tests.support.throwaway_pki import Issued, ThrowawayCA
from tests.support.tls_server import LocalTLSServer
from tests.support.tools import require_tool
from tests.web.java_checks import JavaVerdict, StoreFiles, judge_with_java
from webapp.pki.java import apply_ca_reply, compare_truststore, open_store
from webapp.pki.java.jks import build_keystore
from webapp.pki.keyimport import KeyPair, generate_key_and_request

pytestmark = pytest.mark.java

NEW_PASSWORD = "renewed-Store-pw"


def sign(ca: ThrowawayCA, subject: x509.Name, public_key: object) -> x509.Certificate:
    """The local test CA's intermediate signs a client certificate for `public_key`."""
    now = dt.datetime.now(dt.UTC)
    issuer = ca.intermediate
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )  # type: ignore[attr-defined]
        .sign(issuer.key, hashes.SHA256())
    )  # type: ignore[arg-type]


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, lifecycle_ca: ThrowawayCA, lifecycle_server: Issued
) -> Iterator[LocalTLSServer]:
    require_tool("java", why="a real Java client must accept our stores")
    folder = tmp_path_factory.mktemp("lifecycle-server")
    key, chain = lifecycle_server.write(folder, "server")
    (folder / "root.pem").write_bytes(lifecycle_ca.root_pem())
    with LocalTLSServer(cert_chain=chain, key=key, client_ca=folder / "root.pem") as running:
        yield running


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
    keytool_stores: KeytoolStores,
    lifecycle_ca: ThrowawayCA,
) -> dict[str, tuple[Path, str]]:
    """Every store issue 13 builds, from keytool's stores: name -> (path, expected alias)."""
    folder = tmp_path_factory.mktemp("lifecycle-built")
    ca, files = lifecycle_ca, keytool_stores.files
    keystores: dict[str, tuple[bytes, str]] = {}
    for suffix in ("jks", "p12"):
        old = open_store(files[f"imported.{suffix}"], STORE_PASSWORD)
        fresh = ca.issue_client(f"Renewed {suffix}", key_kind="ec256")
        plan = plan_new_key_pair(old, KeyPair(fresh.key, fresh.cert, tuple(fresh.full_chain)))
        keystores[f"new-key-pair-{suffix}"] = (plan.build(NEW_PASSWORD), plan.alias)
    # CA replies for the keys keytool -genkeypair made (EC in the JKS, RSA in the PKCS#12).
    generated_jks = open_store(files["generated.jks"], STORE_PASSWORD).key_entry()
    leaf = sign(ca, generated_jks.certificate.subject, generated_jks.private_key.public_key())
    pair = apply_ca_reply(
        generated_jks, pem(leaf, ca.intermediate.cert), extra_roots=[ca.root.cert]
    )
    keystores["ca-reply-jks"] = (_build(pair), "old client")
    generated_p12 = open_store(files["generated.p12"], STORE_PASSWORD).key_entry()
    leaf = sign(ca, generated_p12.certificate.subject, generated_p12.private_key.public_key())
    reply = pkcs7.serialize_certificates(
        [leaf, ca.intermediate.cert, ca.root.cert], serialization.Encoding.DER
    )
    keystores["ca-reply-p12"] = (_build(apply_ca_reply(generated_p12, reply)), "old client")
    # No key pair yet: generate, send the CSR, get it signed, import the reply.
    request = generate_key_and_request(
        organisation="mtls-kit tests", common_name="Brand New", country="GB", key_type="rsa3072"
    )
    (folder / "request.csr").write_bytes(request.csr_pem)
    placeholder = build_keystore(
        alias="brand new",
        private_key=request.key_pair.private_key,
        chain=request.key_pair.chain,
        password=NEW_PASSWORD,
    )
    csr = request.csr
    signed = sign(ca, csr.subject, csr.public_key())
    entry = open_store(placeholder, NEW_PASSWORD).key_entry()
    keystores["generated-csr"] = (
        _build(
            apply_ca_reply(entry, pem(signed, ca.intermediate.cert), extra_roots=[ca.root.cert])
        ),
        "brand new",
    )
    paths = {}
    for name, (data, alias) in keystores.items():
        (folder / f"{name}.jks").write_bytes(data)
        paths[name] = (folder / f"{name}.jks", alias)
    for suffix in ("jks", "p12"):  # last year's truststore, compared with the partner today
        old = open_store(files[f"truststore.{suffix}"], STORE_PASSWORD)
        comparison = compare_truststore(old, [ca.intermediate.cert, ca.root.cert])
        assert {c.status for c in comparison.changes} == {"unchanged"}
        (folder / f"truststore-{suffix}.jks").write_bytes(comparison.build(NEW_PASSWORD))
        paths[f"truststore-{suffix}"] = (folder / f"truststore-{suffix}.jks", "")
    return paths


def _build(pair: KeyPair) -> bytes:
    assert pair.source_alias is not None
    return build_keystore(
        alias=pair.source_alias,
        private_key=pair.private_key,
        chain=pair.chain,
        password=NEW_PASSWORD,
    )


@pytest.fixture(scope="module")
def verdicts(built: dict[str, tuple[Path, str]], server: LocalTLSServer) -> dict[str, JavaVerdict]:
    stores = {
        name: StoreFiles(
            path,
            NEW_PASSWORD,
            built["truststore-jks" if index % 2 else "truststore-p12"][0],
            NEW_PASSWORD,
        )
        for index, (name, (path, _)) in enumerate(built.items())
        if not name.startswith("truststore")
    }
    return judge_with_java(stores, server, list_truststores=True)


KEYSTORES = [
    "new-key-pair-jks",
    "new-key-pair-p12",
    "ca-reply-jks",
    "ca-reply-p12",
    "generated-csr",
]


@pytest.mark.parametrize("name", KEYSTORES)
def test_java_lists_and_uses_the_renewed_keystore(verdicts, built, server, name):
    verdict = verdicts[name]
    assert verdict.listing_failure is None
    assert verdict.keystore_listing.entries == {built[name][1]: ("PrivateKeyEntry", 3)}
    assert verdict.truststore_listing.entries == {
        "partner root": ("trustedCertEntry", 1),
        "partner ca": ("trustedCertEntry", 1),
    }
    assert verdict.handshake.returncode == 0, verdict.handshake.stderr
    assert verdict.handshake.field("client-chain-length") == "3"


def test_the_generated_request_verifies_with_openssl(built):
    import subprocess

    openssl = require_tool("openssl", why="the CSR must be checked by another tool")
    csr = built["generated-csr"][0].parent / "request.csr"
    result = subprocess.run(
        [openssl, "req", "-in", str(csr), "-noout", "-verify"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0 and "verify OK" in result.stdout + result.stderr
