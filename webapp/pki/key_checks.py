"""Load a private key from an upload: the key rule first, OpenSSL's key check once, after it.

Issue 19, point 1: OpenSSL's RSA key check (run by every validated load) tests both primes
with up to 128 Miller-Rabin rounds, which grows with the fourth power of the key size: ~30 ms
for RSA 2048, ~0.2 s for 4096, ~3.5 s for 8192 and ~7.5 s for an 8,676-bit key on the 2-core
dev box; a 15,636-bit key outlived the worker timeout. So the size and type of a key are read
first, from its DER structure (`der_key_reason`) or, for an encrypted key, from the key as
decrypted without the check (`unsupported_key_reason`), and only an accepted key is checked.

Every key from an upload is checked exactly once here. Only keys the vault stored, after they
were checked here, are loaded without the check (keyimport.keypair.KeyPair.from_pem_bundle).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from webapp.pki import der
from webapp.pki.keys import (
    KeyRefusedError,
    rsa_size_reason,
    unsupported_key_reason,
)
from webapp.translation import _

__all__ = [
    "MAX_KEY_CHECK_COST",
    "KeyCheckBudget",
    "KeyRefusedError",
    "check_plain_key",
    "der_key_reason",
    "load_der_key",
    "load_pem_key",
    "validated",
]

# What one upload may spend on RSA key checks, in RSA-2048 checks (cost grows ~ bits^3 by this
# measure, faster in practice): one 8,192-bit key (64) and a few ordinary ones, or 20 keys of
# 3,072 bits. Without it, 20 keys of 8,192 bits would hold a worker past its 30 s timeout.
MAX_KEY_CHECK_COST = 80

_RSA = bytes.fromhex("2a864886f70d010101")  # rsaEncryption (RFC 8017 A.1)
_RSA_PSS = bytes.fromhex("2a864886f70d01010a")  # id-RSASSA-PSS, loaded as RSA by cryptography
_SEQUENCE, _INTEGER = 0x30, 0x02


@dataclass
class KeyCheckBudget:
    """The RSA key checks one upload has spent, in RSA-2048 checks (`MAX_KEY_CHECK_COST`)."""

    spent: float = 0.0

    def spend(self, rsa_bits: int) -> None:
        """Charge the check of an RSA key of `rsa_bits` (0 for EC and Ed25519: microseconds)."""
        self.spent += (rsa_bits / 2048) ** 3
        if self.spent > MAX_KEY_CHECK_COST:
            raise KeyRefusedError(
                _(
                    "This file holds more large RSA keys than we check in one upload. Export "
                    "only the key you need and upload that."
                )
            )


def der_key_reason(data: bytes) -> str | None:
    """None when the plaintext key `data` (PKCS#8, PKCS#1 or SEC1 DER) passes the key rule."""
    return _inspect(data)[0]


def _inspect(data: bytes) -> tuple[str | None, int]:
    """(reason to refuse or None, RSA modulus bits or 0), read with our bounded reader.

    A structure we do not recognise is (None, 0): cryptography refuses it as damaged, or
    (SEC1, DSA) reads it without any costly check and `unsupported_key_reason` judges it.
    """
    try:
        parts = der.children(der.single(data, expect=_SEQUENCE))
    except der.DerError:
        return None, 0
    if len(parts) >= 3 and (parts[0].tag, parts[1].tag) == (_INTEGER, _SEQUENCE):
        return _pkcs8(parts)  # PrivateKeyInfo (RFC 5208)
    if len(parts) >= 9 and all(p.tag == _INTEGER for p in parts[:9]):  # RSAPrivateKey
        return _rsa(parts[1])
    return None, 0


def _pkcs8(parts: list[der.Element]) -> tuple[str | None, int]:
    try:
        algorithm = der.children(parts[1], at_least=1)
    except der.DerError:
        return None, 0
    oid = algorithm[0].body
    if oid in (_RSA, _RSA_PSS):
        try:
            # der.octets: OpenSSL reads a BER (constructed) OCTET STRING here too
            inner = der.children(der.single(der.octets(parts[2]), expect=_SEQUENCE), at_least=2)
        except der.DerError:
            return None, 0
        return _rsa(inner[1])
    # Other types cost nothing to load (EC points are checked in microseconds, DSA and the
    # rest are only parsed); `unsupported_key_reason` names what is wrong with them after.
    return None, 0


def _rsa(modulus: der.Element) -> tuple[str | None, int]:
    if modulus.tag != _INTEGER:
        return None, 0
    bits = int.from_bytes(modulus.body, "big").bit_length()
    return rsa_size_reason(bits), bits


def load_der_key(
    data: bytes,
    password: bytes | None,
    *,
    budget: KeyCheckBudget | None = None,
    checked: PrivateKeyTypes | None = None,
) -> PrivateKeyTypes:
    """The key in `data` (DER; EncryptedPrivateKeyInfo when `password` is given), checked once.

    `checked`: a key of this upload OpenSSL has already checked (load_pkcs12 checks the key it
    returns); when `data` holds the same key, that one is returned, not checked a second time.
    Raises KeyRefusedError for an RSA key outside the size rule (the caller judges the type:
    `unsupported_key_reason`, with its own wording), else what cryptography raises
    (ValueError, TypeError for a missing password, UnsupportedAlgorithm).
    """
    if password is None:
        check_plain_key(data, budget)
    key = serialization.load_der_private_key(data, password, unsafe_skip_rsa_key_validation=True)
    if checked is not None and _same_key(key, checked):
        return checked
    return validated(key, budget=budget if password is not None else None)


def _same_key(key: PrivateKeyTypes, other: PrivateKeyTypes) -> bool:
    def spki(k: PrivateKeyTypes) -> bytes:
        return k.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    return type(key) is type(other) and spki(key) == spki(other)


def load_pem_key(
    pem: bytes, plain_der: bytes | None, password: bytes | None, *, budget: KeyCheckBudget | None
) -> PrivateKeyTypes:
    """Like `load_der_key` for a PEM block; `plain_der` is its DER when it is not encrypted."""
    if plain_der is not None:
        check_plain_key(plain_der, budget)
        return _judged(serialization.load_pem_private_key(pem, None))
    key = serialization.load_pem_private_key(pem, password, unsafe_skip_rsa_key_validation=True)
    return validated(key, budget=budget)


def validated(key: PrivateKeyTypes, *, budget: KeyCheckBudget | None = None) -> PrivateKeyTypes:
    """`key`, decrypted without OpenSSL's check, after the size rule and then that check."""
    if not isinstance(key, rsa.RSAPrivateKey):
        return key  # cryptography checks EC points and Ed25519 keys on every load
    _refuse(unsupported_key_reason(key))
    if budget is not None:
        budget.spend(key.key_size)
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return serialization.load_der_private_key(pkcs8, None)  # the one RSA key check


def check_plain_key(data: bytes, budget: KeyCheckBudget | None) -> None:
    """The key rule for plaintext key DER, read from its structure alone (KeyRefusedError)."""
    reason, bits = _inspect(data)
    _refuse(reason)
    if budget is not None:
        budget.spend(bits)


def _judged(key: PrivateKeyTypes) -> PrivateKeyTypes:
    """The size once more on what cryptography read: PKCS#1 inside PKCS#8 is read by us."""
    if isinstance(key, rsa.RSAPrivateKey):
        _refuse(unsupported_key_reason(key))
    return key


def _refuse(reason: str | None) -> None:
    if reason is not None:
        raise KeyRefusedError(reason)
