"""RSA keys far over the size limit, made from known Mersenne primes (issue 19, point 1).

Generating a 16,000-bit key takes minutes; multiplying two Mersenne primes takes nothing, and
the result is a real, valid RSA key (OpenSSL's key check accepts it, after seconds). The
exponents are from the list of known Mersenne primes (2^p - 1 is prime for these p).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

__all__ = [
    "KEY_8676",
    "KEY_16K",
    "big_key",
    "jks_with_key",
    "pem_with_key",
    "pkcs12_with_key",
    "self_signed",
]

# 2^4423-1 * 2^4253-1: 8,676 bits, just over the 8,192-bit limit.
KEY_8676 = (4423, 4253)
# 2^9689-1 * 2^9941-1: 19,630 bits would be over the upload limit of a PEM form? No: ~2.5 KB
# of modulus. 2^9689-1 * 2^4423-1 gives 14,112; 2^11213-1 * 2^4423-1 gives 15,636 bits, the
# size that killed a worker in the review.
KEY_16K = (11213, 4423)


@functools.cache
def big_key(exponents: tuple[int, int]) -> rsa.RSAPrivateKey:
    """The RSA key with primes 2^a - 1 and 2^b - 1 (not validated: that is the slow part)."""
    p, q = (2**e - 1 for e in exponents)
    e = 65537
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, p * q)
    )
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def self_signed(key: rsa.RSAPrivateKey, name: str = "big key") -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def pkcs12_with_key(key: rsa.RSAPrivateKey, password: str) -> bytes:
    """A .p12 with the key and a self-signed certificate for it, as openssl would write."""
    return pkcs12.serialize_key_and_certificates(
        b"big",
        key,
        self_signed(key),
        None,
        serialization.BestAvailableEncryption(password.encode()),
    )


def pem_with_key(key: rsa.RSAPrivateKey) -> bytes:
    """Key (PKCS#8, unencrypted) and certificate in one PEM file."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) + self_signed(key).public_bytes(serialization.Encoding.PEM)


# --- JKS, written by hand (the format of sun.security.provider.JavaKeyStore) ------------------
_SUN_JKS_ALGORITHM = bytes.fromhex("060a2b060104012a02110101")  # 1.3.6.1.4.1.42.2.17.1.1


def _utf(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack(">H", len(raw)) + raw


def jks_key_protect(pkcs8: bytes, password: str) -> bytes:
    """Sun's KeyProtector: SHA-1 keystream XOR, then SHA-1(password + key) as a check."""
    secret = password.encode("utf-16-be")
    iv = hashlib.sha256(pkcs8).digest()[:20]  # any 20 bytes; fixed for reproducible files
    stream, block = b"", iv
    while len(stream) < len(pkcs8):
        block = hashlib.sha1(secret + block).digest()
        stream += block
    body = bytes(a ^ b for a, b in zip(pkcs8, stream, strict=False))
    return iv + body + hashlib.sha1(secret + pkcs8).digest()


def der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def encrypted_key_info(protected: bytes, *, parameters: bytes = b"\x05\x00") -> bytes:
    """EncryptedPrivateKeyInfo DER around a KeyProtector blob."""
    return der(0x30, der(0x30, _SUN_JKS_ALGORITHM + parameters) + der(0x04, protected))


def jks_file(entries: list[tuple[str, bytes, list[bytes]]], password: str) -> bytes:
    """A JKS (version 2) of private key entries: (alias, key blob, chain DER), with its hash."""
    body = struct.pack(">III", 0xFEEDFEED, 2, len(entries))
    for alias, blob, chain in entries:
        body += struct.pack(">I", 1) + _utf(alias) + struct.pack(">Q", 0)
        body += struct.pack(">I", len(blob)) + blob + struct.pack(">I", len(chain))
        for cert in chain:
            body += _utf("X.509") + struct.pack(">I", len(cert)) + cert
    digest = hashlib.sha1(password.encode("utf-16-be") + b"Mighty Aphrodite" + body).digest()
    return body + digest


def jks_with_key(key: rsa.RSAPrivateKey, password: str) -> bytes:
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert = self_signed(key).public_bytes(serialization.Encoding.DER)
    blob = encrypted_key_info(jks_key_protect(pkcs8, password))
    return jks_file([("big", blob, [cert])], password)


# --- hostile key blobs (issue 19, point 3): what pyasn1's BER decoder spent seconds on --------
def ber_fragment_blob(fragments: int) -> bytes:
    """An EncryptedPrivateKeyInfo whose encryptedData is a constructed, indefinite-length
    OCTET STRING of `fragments` empty pieces (BER allows it; Java never writes it)."""
    pieces = b"\x24\x80" + b"\x04\x00" * fragments + b"\x00\x00"
    return b"\x30\x80" + der(0x30, _SUN_JKS_ALGORITHM + b"\x05\x00") + pieces + b"\x00\x00"


def parameter_bomb_blob(elements: int) -> bytes:
    """An EncryptedPrivateKeyInfo whose algorithm parameters hold `elements` empty NULLs, in
    an indefinite length: a BER decoder must read every one to find where they end."""
    parameters = b"\x30\x80" + b"\x05\x00" * elements + b"\x00\x00"
    algorithm = b"\x30\x80" + _SUN_JKS_ALGORITHM + parameters + b"\x00\x00"
    return b"\x30\x80" + algorithm + der(0x04, bytes(60)) + b"\x00\x00"


def jks_with_blob(blob: bytes, password: str) -> bytes:
    """A JKS whose one key entry holds `blob`, with a valid integrity hash for `password`."""
    cert = self_signed(_small_key()).public_bytes(serialization.Encoding.DER)
    return jks_file([("mykey", blob, [cert])], password)


@functools.cache
def _small_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
