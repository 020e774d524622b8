"""The cookie token: a random session id plus the session's own encryption key.

Token format (cookie-safe, no quoting needed)::

    base64url(session_id, 16 bytes, no padding)  22 characters
    "."
    base64url(session_key, 32 bytes, no padding) 43 characters

The server never stores the session key, and files the record under an HMAC of the session
id keyed by the server secret, so a copy of the storage can neither be decrypted nor turned
back into a working cookie.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, hmac

__all__ = [
    "SESSION_ID_BYTES",
    "SESSION_KEY_BYTES",
    "SessionToken",
    "new_token",
    "parse_token",
    "moved_key_for",
    "storage_key_for",
]

# 128 random bits: far beyond guessing range (OWASP asks for at least 64 bits of entropy).
SESSION_ID_BYTES = 16
# AES-256-GCM key.
SESSION_KEY_BYTES = 32
# Minimum server secret length: a shorter HMAC key would be the weakest link.
MIN_SECRET_BYTES = 16

# Domain separation: the server secret is probably Flask's SECRET_KEY too, so tag our use of it.
_STORAGE_KEY_LABEL = b"mtls-kit/vault/storage-key/v1\x00"
# Where a rotated-away token is remembered as "moved" for a short while (vault.rotate).
_MOVED_KEY_LABEL = b"mtls-kit/vault/moved-key/v1\x00"
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}")


@dataclass(frozen=True, repr=False)
class SessionToken:
    """The decoded cookie value. ``str(token)`` gives the cookie value back."""

    session_id: bytes
    key: bytes

    def __str__(self) -> str:
        return f"{_b64encode(self.session_id)}.{_b64encode(self.key)}"

    def __repr__(self) -> str:
        # The key is a secret: keep it out of logs, tracebacks and debugger dumps.
        return "SessionToken(<redacted>)"


def new_token() -> SessionToken:
    """Make a fresh random session id and session key."""
    return SessionToken(
        secrets.token_bytes(SESSION_ID_BYTES), secrets.token_bytes(SESSION_KEY_BYTES)
    )


def parse_token(text: object) -> SessionToken | None:
    """Decode a cookie value; anything not exactly in our format is None ("no session")."""
    if not isinstance(text, str) or not _TOKEN_SHAPE.fullmatch(text):
        return None
    encoded_id, encoded_key = text.split(".")
    session_id, key = _b64decode(encoded_id), _b64decode(encoded_key)
    if session_id is None or key is None:
        return None
    token = SessionToken(session_id, key)
    # Base64 has spare bits in the last character; only the canonical spelling is accepted,
    # so one session has exactly one valid cookie value.
    return token if str(token) == text else None


def storage_key_for(session_id: bytes, *, secret: bytes) -> bytes:
    """HMAC-SHA256 of the session id under the server secret: where the record is filed."""
    mac = hmac.HMAC(secret, hashes.SHA256())
    mac.update(_STORAGE_KEY_LABEL + session_id)
    return mac.finalize()


def moved_key_for(session_id: bytes, *, secret: bytes) -> bytes:
    """HMAC-SHA256 of the session id under another label: where its "moved" mark is filed.

    A different label from storage_key_for, so the mark can never be read as a record."""
    mac = hmac.HMAC(secret, hashes.SHA256())
    mac.update(_MOVED_KEY_LABEL + session_id)
    return mac.finalize()


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
