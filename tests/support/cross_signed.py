"""A hostile certificate set: a leaf plus two groups of CA certificates that all sign each other.

Every "CA A" certificate is issued by every "CA B" certificate and the other way round (two
keys, crossing), and none is self-signed: a naive depth-first chain search tries every
ordering of the groups (issue 10, hole 1). Used by tests and by `python -m bench`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["cross_signed_set", "write_cross_signed_server_files"]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key, issuer: str, signer, *, ca: bool, host: str | None = None):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if host is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


def cross_signed_set(total: int):
    """(leaf key, [leaf, then total-1 crossing CA certificates]), total >= 3."""
    key_a, key_b, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    leaf = _cert("localhost", leaf_key, "CA A", key_a, ca=False, host="localhost")
    cas = [
        _cert("CA A", key_a, "CA B", key_b, ca=True)
        if i % 2 == 0
        else _cert("CA B", key_b, "CA A", key_a, ca=True)
        for i in range(total - 1)
    ]
    return leaf_key, [leaf, *cas]


def write_cross_signed_server_files(folder: Path, total: int) -> tuple[Path, Path]:
    """PEM chain and key files for a LocalTLSServer that sends the hostile set."""
    key, certs = cross_signed_set(total)
    chain = folder / f"cross-{total}.pem"
    chain.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
    key_path = folder / f"cross-{total}.key"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return chain, key_path
