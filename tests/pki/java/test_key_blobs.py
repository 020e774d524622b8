"""The strict reading of JKS key blobs (issue 19, point 3): DER as Java writes it, nothing else.

Small variants of the HTTP bombs (tests/web/test_hostile_key_blobs.py), under the blob size
cap, so the DER rules themselves are what refuses them.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.big_keys import (
    _SUN_JKS_ALGORITHM,
    ber_fragment_blob,
    der,
    encrypted_key_info,
    jks_key_protect,
    jks_with_blob,
    parameter_bomb_blob,
)
from webapp.pki import der as der_reader
from webapp.pki.java import open_store
from webapp.pki.java.jks_key_blob import KeyBlobError, protected_bytes, try_passwords
from webapp.pki.java.opened import DamagedStoreError

PASSWORD = "blob-Store-pw-22"


@pytest.fixture(scope="module")
def pkcs8() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_a_blob_as_java_writes_it_decrypts(pkcs8: bytes):
    blob = encrypted_key_info(jks_key_protect(pkcs8, PASSWORD))
    assert try_passwords(blob, ("wrong", PASSWORD)) == pkcs8
    assert try_passwords(blob, ("wrong", None)) is None


def _indefinite(blob: bytes) -> bytes:
    return b"\x30\x80" + der_reader.single(blob).body + b"\x00\x00"


def _constructed_data(pkcs8: bytes) -> bytes:
    protected = jks_key_protect(pkcs8, PASSWORD)
    pieces = der(0x24, der(0x04, protected[:100]) + der(0x04, protected[100:]))
    return der(0x30, der(0x30, _SUN_JKS_ALGORITHM + b"\x05\x00") + pieces)


def _long_length(pkcs8: bytes) -> bytes:
    blob = encrypted_key_info(jks_key_protect(pkcs8, PASSWORD))
    inner = der_reader.single(blob).body  # the same content, its length in a longer form
    return b"\x30\x84" + len(inner).to_bytes(4, "big") + inner


@pytest.mark.parametrize(
    "build",
    [
        lambda k: ber_fragment_blob(2_000),
        lambda k: parameter_bomb_blob(2_000),
        lambda k: encrypted_key_info(bytes(60), parameters=der(0x30, b"\x05\x00" * 20)),
        lambda k: _indefinite(encrypted_key_info(jks_key_protect(k, PASSWORD))),
        _constructed_data,
        _long_length,
        lambda k: encrypted_key_info(jks_key_protect(k, PASSWORD)) + b"\x00",
        lambda k: encrypted_key_info(bytes(20)),  # too short for IV and check
        lambda k: der(0x30, der(0x30, b"\x06\x03\x2a\x03\x04") + der(0x04, bytes(60))),
    ],
    ids=[
        "ber-fragments",
        "parameter-bomb",
        "many-parameters",
        "indefinite-length",
        "constructed-octets",
        "long-form-length",
        "trailing-byte",
        "truncated",
        "other-algorithm",
    ],
)
def test_anything_but_javas_der_is_refused(pkcs8: bytes, build):
    blob = build(pkcs8)
    with pytest.raises(KeyBlobError):
        protected_bytes(blob)
    with pytest.raises(DamagedStoreError):
        open_store(jks_with_blob(blob, PASSWORD), PASSWORD)


def test_the_blob_size_is_capped():
    with pytest.raises(KeyBlobError):
        protected_bytes(encrypted_key_info(bytes(20_000)))
