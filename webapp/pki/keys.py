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

from webapp.translation import _, number

__all__ = [
    "JAVA_EC_CURVES",
    "MAX_RSA_BITS",
    "MIN_RSA_BITS",
    "KeyRefusedError",
    "PrivateKey",
    "rsa_size_reason",
    "spki_der",
    "unsupported_key_reason",
]

JAVA_EC_CURVES = ("secp256r1", "secp384r1", "secp521r1")
# RSA sizes we take (issue 19, point 1). 2,048 is the floor of the JDK's
# jdk.certpath.disabledAlgorithms for TLS certificates and of every CA since 2014. 8,192 is
# the largest size Java, keytool and partners' servers accept in practice, and the largest
# whose key check stays at a few seconds: OpenSSL's check grows with ~the 4th power of the
# size (~3.5 s for 8,192 bits on the dev box, 7.5 s for 8,676), and a 16k key outlived the
# worker timeout, taking every request in flight with it.
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


class KeyRefusedError(Exception):
    """A key outside the rule below; str() is a sentence for the user.

    Not a ValueError on purpose: the loaders catch ValueError as "damaged" or "wrong
    password", and this refusal must reach the user as it is.
    """


def rsa_size_reason(bits: int) -> str | None:
    """None for an RSA key size we accept; otherwise a sentence saying why not."""
    if bits > MAX_RSA_BITS:
        return _(
            "This key is {bits} bits; RSA keys over {limit} bits are not accepted "
            "(checking one would hold the server for many seconds). Use an RSA key of "
            "2,048 to 4,096 bits or an EC key.",
            bits=number(bits),
            limit=number(MAX_RSA_BITS),
        )
    if bits < MIN_RSA_BITS:
        return _(
            "This key is {bits} bits; RSA keys under {limit} bits are too weak "
            "for Java and for partners' servers. Make a new key pair of at least 2,048 bits.",
            bits=number(bits),
            limit=number(MIN_RSA_BITS),
        )
    return None


def unsupported_key_reason(key: PrivateKeyTypes) -> str | None:
    """None when Java can use `key`; otherwise a sentence saying what to use instead.

    Cheap on any key, even one loaded without OpenSSL's check: it reads the size only.
    """
    if isinstance(key, rsa.RSAPrivateKey):
        return rsa_size_reason(key.key_size)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name in JAVA_EC_CURVES:
            return None
        return _("Java cannot use this key's elliptic curve; use P-256, P-384 or P-521.")
    return _("Only RSA, EC (P-256, P-384 or P-521) and Ed25519 keys can be used.")


def spki_der(public_key: PublicKeyTypes | CertificatePublicKeyTypes) -> bytes:
    """The public key as SubjectPublicKeyInfo DER: how a key is matched to its certificate."""
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
