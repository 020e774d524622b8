"""Turn a session state into an encrypted, authenticated record and back.

Record layout (version 1)::

    version (1 byte = 1) | nonce (12 bytes) | AES-256-GCM ciphertext + tag (16 bytes)

The associated data is the version byte plus the storage key, so a record copied under a
different storage key (or relabelled as another version) fails authentication. Overhead is
29 bytes over the compact JSON; a session holding an RSA-2048 key PEM, a three-certificate
chain and a password is about 5-6 KB (see tests/vault/test_sealing.py).
"""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "MAX_STATE_BYTES",
    "RECORD_VERSION",
    "StateTooLarge",
    "decode_state",
    "encode_state",
    "seal",
    "unseal",
]

# Bump when the layout changes; unseal() dispatches on it so old records can be migrated.
RECORD_VERSION = 1
# A state is a few KB; a partner's chain with roots a few tens of KB; a CA bundle for a
# truststore can reach a few hundred KB. 2 MiB holds the largest single upload (1 MiB of DER
# is ~1.4 MB once saved as PEM in JSON) while bounding what one session can make the server
# store and re-encrypt on every write: 4 MiB let 50 large certificates in (issue 10, hole 8).
# Documented in the README.
MAX_STATE_BYTES = 2 * 1024 * 1024


class StateTooLarge(ValueError):
    """The saved work would exceed MAX_STATE_BYTES; nothing was written."""


_NONCE_BYTES = 12  # the size AES-GCM is specified for (NIST SP 800-38D)
_TAG_BYTES = 16
_HEADER = bytes([RECORD_VERSION])


def encode_state(state: dict[str, Any]) -> bytes:
    """Compact JSON of a state dict; TypeError/ValueError if it is not plain JSON data."""
    if not isinstance(state, dict):
        raise TypeError(f"session state must be a dict, not {type(state).__name__}")
    # allow_nan=False: NaN/Infinity are not JSON and would not survive other readers.
    encoded = json.dumps(state, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    plaintext = encoded.encode("utf-8")
    if len(plaintext) > MAX_STATE_BYTES:
        raise StateTooLarge(f"session state is larger than {MAX_STATE_BYTES} bytes")
    return plaintext


def decode_state(plaintext: bytes) -> dict[str, Any]:
    """Inverse of encode_state (only ever fed authenticated plaintext)."""
    state = json.loads(plaintext)
    if not isinstance(state, dict):
        raise ValueError("session record does not hold a dict")
    return state


def seal(plaintext: bytes, *, key: bytes, storage_key: bytes) -> bytes:
    """Encrypt encoded state under the session key, bound to its storage key."""
    # A random nonce per write is safe here: a session sees hundreds of writes, not 2**32.
    nonce = os.urandom(_NONCE_BYTES)
    return _HEADER + nonce + AESGCM(key).encrypt(nonce, plaintext, _HEADER + storage_key)


def unseal(record: bytes, *, key: bytes, storage_key: bytes) -> bytes | None:
    """Decrypt a record; None if it is not ours, tampered with, moved, or the key is wrong."""
    if len(record) < 1 + _NONCE_BYTES + _TAG_BYTES or record[:1] != _HEADER:
        return None
    nonce, ciphertext = record[1 : 1 + _NONCE_BYTES], record[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, _HEADER + storage_key)
    except InvalidTag:
        return None
