"""The cookie token format and the storage key derived from it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest

from webapp.vault.tokens import SessionToken, new_token, parse_token, storage_key_for

from ._support import OTHER_SECRET, SECRET

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _good() -> str:
    return str(new_token())


def _non_canonical(token: str) -> str:
    # The 22nd character of the id carries 4 unused bits; flipping the lowest one changes
    # the text but not the decoded bytes.
    last = token[21]
    return token[:21] + _ALPHABET[_ALPHABET.index(last) ^ 1] + token[22:]


def test_token_is_cookie_safe_id_dot_key() -> None:
    token = new_token()
    text = str(token)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", text)
    assert len(token.session_id) == 16 and len(token.key) == 32
    encoded_id, encoded_key = text.split(".")
    assert base64.urlsafe_b64decode(encoded_id + "==") == token.session_id
    assert base64.urlsafe_b64decode(encoded_key + "=") == token.key
    assert parse_token(text) == token


def test_tokens_are_random() -> None:
    tokens = {str(new_token()) for _ in range(100)}
    assert len(tokens) == 100


def test_repr_hides_the_key() -> None:
    token = new_token()
    assert str(token).split(".")[1] not in repr(token)
    assert token.key.hex() not in repr(token)


@pytest.mark.parametrize(
    "make_bad",
    [
        lambda good: None,
        lambda good: "",
        lambda good: good.encode(),  # bytes, not str
        lambda good: 42,
        lambda good: good[:-1],
        lambda good: good + "A",
        lambda good: good + "=",
        lambda good: good.split(".")[0] + "==." + good.split(".")[1],
        lambda good: good.replace(".", ".."),
        lambda good: good.replace(".", ""),
        lambda good: good.replace(".", ":"),
        lambda good: " " + good,
        lambda good: good + "\n",
        lambda good: good[:5] + "+" + good[6:],  # standard-alphabet base64
        lambda good: good[:5] + "/" + good[6:],
        lambda good: good[:5] + "\u0663" + good[6:],  # a non-ASCII digit
        lambda good: good + "." + good.split(".")[1],
        _non_canonical,
    ],
)
def test_malformed_tokens_are_no_session(make_bad) -> None:
    assert parse_token(make_bad(_good())) is None


def test_non_canonical_spelling_decodes_to_the_same_bytes_but_is_refused() -> None:
    good = _good()
    bad = _non_canonical(good)
    assert bad != good
    assert base64.urlsafe_b64decode(bad[:22] + "==") == base64.urlsafe_b64decode(good[:22] + "==")
    assert parse_token(bad) is None


def test_storage_key_is_hmac_sha256_of_the_session_id() -> None:
    token = new_token()
    # Recomputed with the standard library, not the cryptography package that wrote it.
    expected = hmac.new(
        SECRET, b"mtls-kit/vault/storage-key/v1\x00" + token.session_id, hashlib.sha256
    ).digest()
    assert storage_key_for(token.session_id, secret=SECRET) == expected
    assert storage_key_for(token.session_id, secret=OTHER_SECRET) != expected
    assert token.session_id not in expected


def test_token_value_object_is_frozen() -> None:
    token = SessionToken(b"\0" * 16, b"\1" * 32)
    with pytest.raises(AttributeError):
        token.key = b"\2" * 32  # type: ignore[misc]
