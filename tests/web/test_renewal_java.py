"""Issue 13 over HTTP, judged by the JDK: the stores a user downloads after opening last
year's stores (renewed with a new key pair file, or with the CA's reply to a request made
here) pass keytool -list and a real Java mutual-TLS handshake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask

from tests.support.keytool_stores import STORE_PASSWORD, KeytoolStores
from tests.support.throwaway_pki import Issued, ThrowawayCA
from tests.support.tls_server import LocalTLSServer
from tests.support.tools import require_tool

from .conftest import P12_PASSWORD, cryptography_p12
from .java_checks import StoreFiles, judge_with_java
from .procedure import (
    KEYSTORE_PASSWORD,
    Upload,
    download,
    import_key_pair,
    keystore_settings,
    page_of,
)
from .renewal_support import ca_reply, open_keystore, open_truststore, sign_request

pytestmark = pytest.mark.java


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, lifecycle_ca: ThrowawayCA, lifecycle_server: Issued
) -> Iterator[LocalTLSServer]:
    require_tool("java", why="a real Java client must accept our stores")
    folder = tmp_path_factory.mktemp("renewal-server")
    key, chain = lifecycle_server.write(folder, "server")
    (folder / "root.pem").write_bytes(lifecycle_ca.root_pem())
    with LocalTLSServer(cert_chain=chain, key=key, client_ca=folder / "root.pem") as running:
        yield running


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def test_renewed_stores_work_with_java(
    app: Flask,
    tmp_path: Path,
    keytool_stores: KeytoolStores,
    lifecycle_ca: ThrowawayCA,
    server: LocalTLSServer,
):
    files = keytool_stores.files
    # 1. Last year's JKS keystore, renewed with a new key pair file; last year's truststore.
    renewing = app.test_client()
    page_of(open_keystore(renewing, files["imported.jks"], STORE_PASSWORD))
    fresh = lifecycle_ca.issue_client("Renewed Client", key_kind="ec256")
    upload = Upload(cryptography_p12(fresh, "x", P12_PASSWORD), "new.p12", P12_PASSWORD)
    assert not page_of(import_key_pair(renewing, upload)).errors()
    assert not page_of(open_truststore(renewing, files["truststore.jks"], STORE_PASSWORD)).errors()
    (tmp_path / "renewed.jks").write_bytes(download(renewing, "/keystore/download").data)
    (tmp_path / "trust.jks").write_bytes(download(renewing, "/truststore/download").data)

    # 2. A key generated here, its request signed by the CA, the reply imported later.
    first = app.test_client()
    page = page_of(
        first.post(
            "/keystore/generate",
            headers={"HX-Request": "true"},
            data={
                "organisation": "mtls-kit tests",
                "common_name": "Generated Client",
                "country": "",
                "key_type": "rsa2048",
            },
        )
    )
    page_of(keystore_settings(first, alias=page.field("alias").attrs["value"]))
    kept = download(first, "/keystore/download").data
    csr = x509.load_pem_x509_csr(download(first, "/keystore/request.csr").data)
    later = app.test_client()
    page_of(open_keystore(later, kept, KEYSTORE_PASSWORD, name="keystore.jks"))
    signed = sign_request(lifecycle_ca, csr)
    page = page_of(
        ca_reply(later, pem(signed, lifecycle_ca.intermediate.cert, lifecycle_ca.root.cert))
    )
    assert not page.errors(), page.errors()
    (tmp_path / "answered.jks").write_bytes(download(later, "/keystore/download").data)

    stores = {
        "renewed": StoreFiles(
            tmp_path / "renewed.jks", STORE_PASSWORD, tmp_path / "trust.jks", STORE_PASSWORD
        ),
        "answered": StoreFiles(
            tmp_path / "answered.jks", KEYSTORE_PASSWORD, tmp_path / "trust.jks", STORE_PASSWORD
        ),
    }
    verdicts = judge_with_java(stores, server, list_truststores=True)
    expected = {
        "renewed": ("client", "CN=Renewed Client,O=mtls-kit tests"),
        "answered": ("generated-client", "CN=Generated Client,O=mtls-kit tests"),
    }
    for name, verdict in verdicts.items():
        alias, subject = expected[name]
        assert verdict.listing_failure is None, verdict.listing_failure
        assert verdict.keystore_listing.entries == {alias: ("PrivateKeyEntry", 3)}, name
        # The old entries keep their aliases; the user's new certificate joins them (the
        # procedure puts one's own certificate in the truststore; its CAs are the old ones).
        assert set(verdict.truststore_listing.entries) == {
            "partner root",
            "partner ca",
            "renewed-client",
        }
        assert verdict.handshake.returncode == 0, verdict.handshake.stderr
        assert verdict.handshake.field("client-certificate") == subject
        assert verdict.handshake.field("client-chain-length") == "3"
