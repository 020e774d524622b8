"""Issue 10, hole 2: a certificate cryptography cannot fully read never gets into a session.

Before, such a certificate (unreadable key, duplicate extensions, an EDIPartyName in the
subjectAltName) was saved and every page was a 500 until "Start over"; an invalid version
number gave a 500 on every upload path and on fetch. Now each is a plain sentence beside
the field, and the work saved earlier still renders.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki
from tests.support.bad_certs import BAD_CERTIFICATE_KINDS, bad_certificate
from tests.support.tls_server import LocalTLSServer
from webapp.pki.certs import CertificateParseError
from webapp.pki.certs.parse import check_readable
from webapp.pki.certs.readable import describe_or_placeholder

from .conftest import FormatCase
from .page import assert_error_beside
from .procedure import (
    HTMX,
    Upload,
    complete_keystore,
    import_key_pair,
    page_of,
    saved_state,
    upload_certificates,
)


def pem(der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"


@pytest.fixture
def earlier(
    client: FlaskClient, keypair_uploads: dict[str, FormatCase], throwaway_pki: ThrowawayPki
) -> FlaskClient:
    complete_keystore(client, keypair_uploads["p12-openssl-modern-ec256"].upload)
    page_of(upload_certificates(client, [(throwaway_pki.root_pem.read_bytes(), "root.pem")]))
    return client


def assert_session_still_renders(client: FlaskClient, app: Flask) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/", headers=HTMX).status_code == 200
    state = saved_state(client, app)
    assert state is not None and state["keystore"]["candidates"]
    assert [c["source"] for c in state["truststore"]["certs"]] == ["upload"]


@pytest.mark.parametrize("encoding", ["pem", "der"])
@pytest.mark.parametrize("kind", BAD_CERTIFICATE_KINDS)
def test_truststore_upload_refuses_an_unreadable_certificate(
    kind: str, encoding: str, app: Flask, earlier: FlaskClient, throwaway_pki: ThrowawayPki
):
    der = bad_certificate(throwaway_pki.server.cert, kind)
    data = pem(der) if encoding == "pem" else der
    page = page_of(upload_certificates(earlier, [(data, f"partner.{encoding}")]))
    assert_error_beside(page, "cert_files", f"partner.{encoding}: ")
    assert_session_still_renders(earlier, app)


@pytest.mark.parametrize("kind", BAD_CERTIFICATE_KINDS)
def test_key_pair_import_refuses_an_unreadable_chain_certificate(
    kind: str, app: Flask, earlier: FlaskClient, throwaway_pki: ThrowawayPki
):
    owner = throwaway_pki.client("ec256")
    bad = pem(bad_certificate(throwaway_pki.ca.intermediate.cert, kind))
    upload = Upload(owner.key_pem() + owner.cert_pem() + bad, "pair.pem")
    before = saved_state(earlier, app)["keystore"]
    response = import_key_pair(earlier, upload)
    assert response.status_code == 200
    assert "A certificate in this file" in response.get_data(as_text=True)
    assert saved_state(earlier, app)["keystore"] == before  # nothing of it was kept
    assert_session_still_renders(earlier, app)


# OpenSSL will not load a server chain with an unreadable key, so no server can send those.
SERVABLE_KINDS = ("invalid-version", "duplicate-extensions", "edi-party-name")


@pytest.mark.parametrize("kind", SERVABLE_KINDS)
def test_fetch_refuses_a_server_sending_an_unreadable_certificate(
    kind: str, tmp_path: Path, app: Flask, earlier: FlaskClient, throwaway_pki: ThrowawayPki
):
    chain = tmp_path / "chain.pem"
    chain.write_bytes(
        throwaway_pki.server.cert_pem()
        + pem(bad_certificate(throwaway_pki.ca.intermediate.cert, kind))
    )
    with LocalTLSServer(chain, throwaway_pki.server_key) as server:
        page = page_of(
            earlier.post("/truststore/fetch", data={"server_url": server.address}, headers=HTMX)
        )
    assert_error_beside(page, "server_url", "The server sent a certificate that we could not read.")
    assert_session_still_renders(earlier, app)


@pytest.mark.parametrize("kind", BAD_CERTIFICATE_KINDS[1:])  # these load, then fail on use
def test_describe_or_placeholder_never_raises(kind: str, throwaway_pki: ThrowawayPki):
    from cryptography import x509

    cert = x509.load_der_x509_certificate(bad_certificate(throwaway_pki.server.cert, kind))
    with pytest.raises(CertificateParseError):
        check_readable(cert)
    summary = describe_or_placeholder(cert)
    assert summary.readable is False and summary.sha256_fingerprint
    assert describe_or_placeholder(throwaway_pki.server.cert).common_name == "127.0.0.1"


@pytest.mark.parametrize("kind", BAD_CERTIFICATE_KINDS)
def test_pkcs12_with_an_unreadable_certificate_is_refused(
    kind: str, app: Flask, earlier: FlaskClient, throwaway_pki: ThrowawayPki
):
    from tests.fuzz import crafted

    owner = throwaway_pki.client("ec256")
    bad = bad_certificate(throwaway_pki.ca.intermediate.cert, kind)
    bad_bag = crafted.seq(
        crafted.oid(crafted.OID_CERT_BAG),
        crafted.explicit(
            0,
            crafted.seq(
                crafted.oid(crafted.OID_X509_CERT), crafted.explicit(0, crafted.octets(bad))
            ),
        ),
    )
    pfx = crafted.build_pfx(
        crafted.data_content(crafted.key_bag(owner.key), crafted.cert_bag(owner.cert), bad_bag),
        password=b"p12-bad-cert",
    )
    before = saved_state(earlier, app)["keystore"]
    response = import_key_pair(earlier, Upload(pfx, "pair.p12", "p12-bad-cert"))
    assert response.status_code == 200
    assert page_of(response) is not None
    assert saved_state(earlier, app)["keystore"] == before  # nothing of it was kept
    assert_session_still_renders(earlier, app)
