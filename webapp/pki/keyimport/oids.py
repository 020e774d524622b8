"""Object identifiers of password-based encryption, as DER content bytes (no tag or length).

One table for everything that looks inside PKCS#8 and PKCS#12 files before OpenSSL does:
`kdf_limits` prices them, `pkcs12_contents` decrypts with them.
"""

from __future__ import annotations

__all__ = [
    "AES_KEY_SIZES",
    "DES_EDE3_CBC",
    "HMAC_PRFS",
    "PBES1",
    "PBES2",
    "PBKDF2",
    "PBMAC1",
    "PKCS12_PBE",
    "SCRYPT",
    "pkcs12_pbe_number",
]

_PKCS5 = bytes.fromhex("2a864886f70d0105")  # 1.2.840.113549.1.5 (RFC 8018)
PBES2, PBKDF2, PBMAC1 = _PKCS5 + b"\x0d", _PKCS5 + b"\x0c", _PKCS5 + b"\x0e"
PBES1 = frozenset(_PKCS5 + bytes([n]) for n in (1, 3, 4, 6, 10, 11))  # MD2/MD5/SHA-1, DES/RC2
SCRYPT = bytes.fromhex("2b06010401da47040b")  # 1.3.6.1.4.1.11591.4.11 (RFC 7914)
# PKCS#12 PBE (RFC 7292 appendix C): this prefix + one byte, 1 (RC4-128) to 6 (RC2-40).
PKCS12_PBE = bytes.fromhex("2a864886f70d010c01")
# PBKDF2 pseudo-random functions (RFC 8018 B.1.2): OID -> (hash name, output size in bytes).
_HMAC = bytes.fromhex("2a864886f70d02")
HMAC_PRFS = {
    _HMAC + b"\x07": ("sha1", 20),
    _HMAC + b"\x08": ("sha224", 28),
    _HMAC + b"\x09": ("sha256", 32),
    _HMAC + b"\x0a": ("sha384", 48),
    _HMAC + b"\x0b": ("sha512", 64),
    _HMAC + b"\x0c": ("sha512_224", 28),
    _HMAC + b"\x0d": ("sha512_256", 32),
}
_AES = bytes.fromhex("6086480165030401")
AES_KEY_SIZES = {_AES + b"\x02": 16, _AES + b"\x16": 24, _AES + b"\x2a": 32}  # AES-CBC
DES_EDE3_CBC = bytes.fromhex("2a864886f70d0307")


def pkcs12_pbe_number(oid: bytes) -> int | None:
    """1-6 for a PKCS#12 PBE algorithm (RFC 7292 appendix C), None for anything else."""
    if len(oid) == len(PKCS12_PBE) + 1 and oid.startswith(PKCS12_PBE) and 1 <= oid[-1] <= 6:
        return oid[-1]
    return None
