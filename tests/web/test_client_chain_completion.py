"""Issue 11: a key pair imported without its intermediate is not a ready keystore until its
chain is complete (Chain files, or the operator's extra roots), and once it is, Java's
mutual-TLS handshake with the downloaded keystore passes against a server that trusts only
the client root."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki, app_config_for
from tests.support.connection_scenarios import ScenarioPki, make_pki
from tests.support.java import run_mtls_client
from tests.support.mtls_server import MtlsServer
from webapp import create_app

from .procedure import (
    HTMX,
    KEYSTORE_PASSWORD,
    TRUSTSTORE_PASSWORD,
    Upload,
    download,
    file_part,
    import_key_pair,
    keystore_settings,
    page_of,
    post_multipart,
    saved_state,
    truststore_settings,
    upload_certificates,
)

pytestmark = pytest.mark.java


def pem(*certs) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@pytest.fixture(scope="module")
def pki() -> ScenarioPki:
    return make_pki()


def leaf_only(pki: ScenarioPki) -> Upload:
    return Upload(
        data=pem(pki.client.cert),
        filename="client.pem",
        extra=pki.client.key_pem(),
        extra_filename="client.key",
    )


@pytest.fixture
def app(tmp_path: Path, throwaway_pki: ThrowawayPki) -> Iterator[Flask]:
    app = create_app(app_config_for(tmp_path, throwaway_pki))
    yield app
    app.extensions["mtls_vault"].close()


def server_trusting_client_root(pki: ScenarioPki) -> MtlsServer:
    server = pki.server
    return MtlsServer(
        chain=server.full_chain[:-1],
        key=server.key,
        tls_version="1.3",
        verify="required",
        trusted_client_cas=[pki.client_ca.root.cert],
        listed_cas=[pki.client_ca.root.cert],
    )


def finish_and_test(client: FlaskClient, app: Flask, pki: ScenarioPki, tmp_path: Path) -> None:
    """Build the truststore, download both stores, and connect with Java and the tool."""
    uploaded = page_of(upload_certificates(client, [(pem(pki.server_ca.root.cert), "p.pem")]))
    assert not page_of(truststore_settings(client, uploaded)).errors()
    keystore = tmp_path / "keystore.jks"
    keystore.write_bytes(download(client, "/keystore/download").data)
    truststore = tmp_path / "truststore.jks"
    truststore.write_bytes(download(client, "/truststore/download").data)
    with server_trusting_client_root(pki) as server:
        result = run_mtls_client(
            "127.0.0.1", server.port, keystore, KEYSTORE_PASSWORD, truststore, TRUSTSTORE_PASSWORD
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert any("Client One" in seen for seen in server.seen), server.failures
        tested = client.post("/connection/test", data={"dest_url": server.url}, headers=HTMX)
    assert 'data-outcome="accepted"' in tested.text
    assert saved_state(client, app)["connection_test"]["outcome"] == "accepted"


def test_without_its_intermediate_the_keystore_is_not_ready_until_chain_files(
    app: Flask, pki: ScenarioPki, tmp_path: Path
):
    client = app.test_client()
    imported = page_of(import_key_pair(client, leaf_only(pki)))
    # Issue 20: named by its subject, never called an intermediate we have not seen.
    assert "We could not find the certificate of ‘Client Root Intermediate" in imported.text
    assert imported.field("chain_files") is not None
    assert imported.label_for("chain_files") == "Chain files"
    page = page_of(keystore_settings(client, alias="client-one"))
    assert "Download keystore" not in page.links()
    assert page.field("chain_files") is not None
    assert client.get("/keystore/download").status_code == 409

    # A file that holds no issuer of the certificate: said plainly, still not ready.
    wrong = page_of(
        post_multipart(
            client,
            "/keystore/chain-files",
            [("chain_files", file_part(pem(pki.other_ca.root.cert), "other.pem"))],
            headers=HTMX,
        )
    )
    assert wrong.error("chain_files").startswith("None of these certificates issued yours")
    assert client.get("/keystore/download").status_code == 409

    added = page_of(
        post_multipart(
            client,
            "/keystore/chain-files",
            [("chain_files", file_part(pem(pki.client_ca.intermediate.cert), "intermediate.pem"))],
            headers=HTMX,
        )
    )
    assert not added.errors(), added.errors()
    assert "from your Chain files" in added.text
    assert "Download keystore" in added.links()
    saved = saved_state(client, app)["keystore"]["candidates"][0]
    assert saved["chain_sources"] == ["file", "Chain files"]
    assert saved.get("chain_problem", "") == ""
    finish_and_test(client, app, pki, tmp_path)


def test_the_operators_extra_roots_complete_it_at_import(
    tmp_path: Path, throwaway_pki: ThrowawayPki, pki: ScenarioPki
):
    roots = tmp_path / "extra-roots.pem"
    roots.write_bytes(pem(pki.client_ca.intermediate.cert, pki.client_ca.root.cert))
    app = create_app(app_config_for(tmp_path, throwaway_pki, EXTRA_ROOTS=str(roots)))
    client = app.test_client()
    imported = page_of(import_key_pair(client, leaf_only(pki)))
    assert imported.field("chain_files") is None
    assert "We completed your certificate chain" in imported.text
    page = page_of(keystore_settings(client, alias="client-one"))
    assert "Download keystore" in page.links()
    assert saved_state(client, app)["keystore"]["candidates"][0]["chain_sources"] == [
        "file",
        "extra roots",
    ]
    finish_and_test(client, app, pki, tmp_path)
    app.extensions["mtls_vault"].close()


def test_a_self_signed_certificate_is_complete_by_itself(app: Flask, tmp_path: Path):
    from tests.support.throwaway_pki import ThrowawayCA

    alone = ThrowawayCA("Self Signed Client", key_kind="ec256").root
    client = app.test_client()
    page_of(
        import_key_pair(
            client, Upload(data=pem(alone.cert), filename="self.pem", extra=alone.key_pem())
        )
    )
    page = page_of(keystore_settings(client, alias="self"))
    assert "Download keystore" in page.links()
    assert page.field("chain_files") is None
