"""Tell what kind of file a user brought before reading it, so the wrong file in the wrong
step gets a sentence about where it belongs instead of "unreadable"."""

from __future__ import annotations

__all__ = ["JCEKS_MAGIC", "JKS_MAGIC", "java_keystore_kind", "looks_like_pkcs12"]

# Java keystores start with these magic numbers (sun.security.provider.JavaKeyStore,
# com.sun.crypto.provider.JceKeyStore).
JKS_MAGIC = b"\xfe\xed\xfe\xed"
JCEKS_MAGIC = b"\xce\xce\xce\xce"

_SEQUENCE = 0x30
_OID_PKCS7_PREFIX = bytes.fromhex("06092a864886f70d0107")  # encoded: data, signedData...


def java_keystore_kind(blob: bytes) -> str | None:
    """ "JKS" or "JCEKS" when `blob` is a Java keystore of that type, else None."""
    if blob.startswith(JKS_MAGIC):
        return "JKS"
    if blob.startswith(JCEKS_MAGIC):
        return "JCEKS"
    return None


def looks_like_pkcs12(blob: bytes) -> bool:
    """PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, ... } (RFC 7292 §4).

    Checked on the raw bytes so BER files (indefinite length, some older Windows exports)
    are recognised too: a wrong password must not be reported as "not a key pair file".
    """
    if len(blob) < 20 or blob[0] != _SEQUENCE:
        return False
    header = 2 + (blob[1] & 0x7F if blob[1] > 0x80 else 0)
    start = blob[header : header + 20]
    return start.startswith(b"\x02\x01\x03\x30") and _OID_PKCS7_PREFIX in start
