"""Which private keys a Java client can use with our stores: one rule for import and build.

TLS 1.3 defines ECDSA signatures on three curves only (RFC 8446, 4.2.3), and SunEC dropped the
other named curves in JDK 16 (JDK-8235710): a key on another curve would load here and then fail
in the Java client, far from the person who can fix it.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
    PublicKeyTypes,
)

__all__ = ["JAVA_EC_CURVES", "PrivateKey", "spki_der", "unsupported_key_reason"]

JAVA_EC_CURVES = ("secp256r1", "secp384r1", "secp521r1")

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def unsupported_key_reason(key: PrivateKeyTypes) -> str | None:
    """None when Java can use `key`; otherwise a sentence saying what to use instead."""
    if isinstance(key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name in JAVA_EC_CURVES:
            return None
        return "Java cannot use this key's elliptic curve; use P-256, P-384 or P-521."
    return "Only RSA, EC (P-256, P-384 or P-521) and Ed25519 keys can be used."


def spki_der(public_key: PublicKeyTypes | CertificatePublicKeyTypes) -> bytes:
    """The public key as SubjectPublicKeyInfo DER: how a key is matched to its certificate."""
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
