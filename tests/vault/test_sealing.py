"""The encrypted record format: version byte, nonce, AES-GCM bound to the storage key."""

from __future__ import annotations

import json
import math
import os

import pytest
from cryptography.hazmat.primitives import serialization

from tests.support.throwaway_pki import ThrowawayCA
from webapp.vault import sealing
from webapp.vault.sealing import decode_state, encode_state, seal, unseal

KEY = bytes(range(32))
STORAGE_KEY = b"S" * 32
STATE = {"step": "keystore", "n": 3, "ok": True, "none": None, "x": 1.5, "list": [1, "ü"]}


def test_round_trip_and_layout() -> None:
    plaintext = encode_state(STATE)
    record = seal(plaintext, key=KEY, storage_key=STORAGE_KEY)
    assert record[0] == sealing.RECORD_VERSION == 1
    assert len(record) == 1 + 12 + len(plaintext) + 16
    assert decode_state(unseal(record, key=KEY, storage_key=STORAGE_KEY)) == STATE


def test_json_is_compact() -> None:
    assert encode_state({"a": [1, 2], "b": "ü"}) == '{"a":[1,2],"b":"ü"}'.encode()


def test_each_write_uses_a_fresh_nonce() -> None:
    plaintext = encode_state(STATE)
    assert seal(plaintext, key=KEY, storage_key=STORAGE_KEY) != seal(
        plaintext, key=KEY, storage_key=STORAGE_KEY
    )


@pytest.mark.parametrize(
    "position",
    [0, 1, 12, 13, -17, -1],
    ids=["version", "nonce-first", "nonce-last", "ciphertext", "tag-first", "tag-last"],
)
def test_any_flipped_byte_is_refused(position: int) -> None:
    record = bytearray(seal(encode_state(STATE), key=KEY, storage_key=STORAGE_KEY))
    record[position] ^= 0x01
    assert unseal(bytes(record), key=KEY, storage_key=STORAGE_KEY) is None


def test_record_moved_to_another_storage_key_is_refused() -> None:
    record = seal(encode_state(STATE), key=KEY, storage_key=STORAGE_KEY)
    assert unseal(record, key=KEY, storage_key=b"T" * 32) is None


@pytest.mark.parametrize("record", [b"", b"\x01", b"\x01" + b"\0" * 27, b"\x02" + b"\0" * 40])
def test_short_or_unknown_version_records_are_refused(record: bytes) -> None:
    assert unseal(record, key=KEY, storage_key=STORAGE_KEY) is None


def test_wrong_key_is_refused() -> None:
    record = seal(encode_state(STATE), key=KEY, storage_key=STORAGE_KEY)
    assert unseal(record, key=os.urandom(32), storage_key=STORAGE_KEY) is None


@pytest.mark.parametrize(
    ("state", "error"),
    [
        (["not", "a", "dict"], TypeError),
        ({"raw": b"bytes"}, TypeError),
        ({"set": {1, 2}}, TypeError),
        ({"nan": math.nan}, ValueError),
        ({"inf": math.inf}, ValueError),
    ],
)
def test_only_plain_json_data_is_accepted(state: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        encode_state(state)  # type: ignore[arg-type]


def test_oversized_state_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sealing, "MAX_STATE_BYTES", 100)
    with pytest.raises(ValueError, match="larger than 100 bytes"):
        encode_state({"padding": "x" * 100})


def test_record_size_of_a_typical_session() -> None:
    """Size of one session's record, for the storage benchmark.

    Measured: an RSA-2048 client key (PKCS#8 PEM, ~1.7 KB), its chain of three RSA
    certificates as PEM (~3.7 KB) and a password: a ~5.5 KB record (JSON + 29 bytes).
    """
    client = ThrowawayCA().issue_client()
    state = {
        "key_pem": client.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        "chain_pem": client.chain_pem().decode(),
        "keystore_password": "correct horse battery staple",
        "alias": "client-one",
    }
    plaintext = encode_state(state)
    record = seal(plaintext, key=KEY, storage_key=STORAGE_KEY)
    assert len(record) - len(plaintext) == 29
    assert len(plaintext) == len(json.dumps(state, separators=(",", ":")))
    assert 4_000 < len(record) < 8_000
