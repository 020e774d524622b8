"""Issue 13 over HTTP: what a user posts to open, renew and update last year's stores."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.throwaway_pki import ThrowawayCA

from .procedure import HTMX, file_part, post_multipart

__all__ = ["ca_reply", "open_keystore", "open_truststore", "sign_request", "store_of_many"]


def open_keystore(
    client: FlaskClient,
    data: bytes,
    password: str,
    *,
    name: str = "old.jks",
    key_password: str | None = None,
) -> TestResponse:
    fields: list = [
        ("existing_keystore", file_part(data, name)),
        ("existing_keystore_password", password),
    ]
    if key_password is not None:
        fields.append(("existing_key_password", key_password))
    return post_multipart(client, "/keystore/open", fields, headers=HTMX)


def open_truststore(
    client: FlaskClient, data: bytes, password: str, *, name: str = "truststore.jks"
) -> TestResponse:
    return post_multipart(
        client,
        "/truststore/open",
        [
            ("existing_truststore", file_part(data, name)),
            ("existing_truststore_password", password),
        ],
        headers=HTMX,
    )


def ca_reply(client: FlaskClient, data: bytes, name: str = "reply.pem") -> TestResponse:
    return post_multipart(
        client, "/keystore/ca-reply", [("ca_reply", file_part(data, name))], headers=HTMX
    )


def sign_request(
    ca: ThrowawayCA,
    csr: x509.CertificateSigningRequest | x509.Name,
    public_key: object | None = None,
    *,
    days: int = 365,
) -> x509.Certificate:
    """The local test CA's intermediate signs a client certificate, as a real CA would."""
    if isinstance(csr, x509.CertificateSigningRequest):
        subject, public_key = csr.subject, csr.public_key()
    else:
        subject = csr
    now = dt.datetime.now(dt.UTC)
    issuer = ca.intermediate
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )  # type: ignore[arg-type]


def store_of_many(count: int) -> list[tuple[str, x509.Certificate]]:
    """`count` small self-signed certificates (one EC key, so it is quick)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    certs = []
    for number in range(count):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Many {number}")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(number + 1)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256())
        )
        certs.append((f"many {number}", cert))
    return certs
