"""Decrypt a JKS key entry ourselves, so pyasn1 never reads an uploaded key blob.

pyjks decodes a key blob (an EncryptedPrivateKeyInfo) with pyasn1's BER decoder, after the
store's integrity check, which an uploader passes with their own password. A blob of ~340k
constructed fragments cost 4.7 s there, a parameter field of ~500k empty elements 3.8 s and
70 MB (issue 19, point 3). Java writes these blobs in DER (sun.security.provider.KeyProtector,
AlgorithmId with NULL parameters), so DER is all we take: our own bounded reader checks the
whole blob (definite lengths, primitive OCTET STRINGs, a handful of elements) and decodes it
once; the KeyProtector cipher itself (SHA-1 keystream, SHA-1 check) is pyjks' `sun_crypto`,
which sees only the encrypted bytes.
"""

from __future__ import annotations

import jks
from jks import sun_crypto

from webapp.pki import der

__all__ = ["MAX_KEY_BLOB_SIZE", "KeyBlobError", "protected_bytes", "try_passwords"]

# An RSA 8,192-bit key (the largest we take) is a ~4.8 KB PKCS#8, plus 40 bytes of
# KeyProtector: 16 KB leaves room and bounds the pure-Python keystream (~0.3 s a MB).
MAX_KEY_BLOB_SIZE = 16 * 1024
# SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING }: 5; a few more for tools that omit NULL
# or add nothing, never hundreds.
_MAX_ELEMENTS = 8
_SUN_JKS_ALGORITHM = bytes.fromhex("2b060104012a02110101")  # 1.3.6.1.4.1.42.2.17.1.1
_SEQUENCE, _OID, _NULL, _OCTET_STRING = 0x30, 0x06, 0x05, 0x04


class KeyBlobError(ValueError):
    """The key blob is not the DER Java writes (BER, too many elements, another scheme)."""


def protected_bytes(blob: bytes) -> bytes:
    """The KeyProtector bytes of `blob`, read once with the strict reader."""
    if len(blob) > MAX_KEY_BLOB_SIZE:
        raise KeyBlobError("key blob too large")
    try:
        info = der.strict_der(blob, max_elements=_MAX_ELEMENTS)
        algorithm, data = der.children(info, count=2)
        oid, *parameters = der.children(algorithm, at_least=1)
    except der.DerError:
        raise KeyBlobError("not DER") from None
    if algorithm.tag != _SEQUENCE or oid.tag != _OID or data.tag != _OCTET_STRING:
        raise KeyBlobError("not an EncryptedPrivateKeyInfo")
    if oid.body != _SUN_JKS_ALGORITHM or any(p.tag != _NULL or p.body for p in parameters):
        raise KeyBlobError("not Java's KeyProtector")
    if len(data.body) < 40:  # 20 bytes of IV and 20 of SHA-1 check
        raise KeyBlobError("truncated key")
    return data.body


def try_passwords(blob: bytes, passwords: tuple[str | None, ...]) -> bytes | None:
    """The plaintext for the first password that opens `blob`, None when none does."""
    protected = protected_bytes(blob)  # decoded once, whatever the number of passwords
    for password in passwords:
        if password is None:
            continue
        try:
            return sun_crypto.jks_pkey_decrypt(protected, password)
        except jks.util.BadHashCheckException:
            continue
    return None
