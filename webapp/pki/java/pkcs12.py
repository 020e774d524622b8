"""Build PKCS#12 keystores and truststores Java reads, and read them back.

Encryption: PBES2 with AES-256-CBC, PBKDF2-HMAC-SHA256 and an HMAC-SHA256 MAC, the scheme
keytool itself writes since JDK 12 (JDK-8153005); Java 17 reads it, and so do OpenSSL 3 and
cryptography. The key is encrypted with the store password ("key password == store
password", as in our JKS files), and its friendly name is the alias, lower-case like JKS.

Truststore entries carry Oracle's "trusted key usage" attribute
(cryptography's `serialize_java_truststore`, OID 2.16.840.1.113894.746875.1.1): without it
Java's PKCS12 keystore loads the certificates but offers none of them as trusted.

Passwords: printable ASCII only. Java 17 decrypts PBES2 entries through a PBEKey, which
refuses anything else ("getSecretKey failed: Password is not ASCII", see
com.sun.crypto.provider.PBEKey), so a PKCS#12 with "pässwörd" would open in OpenSSL but never
in the JVM. JKS has no such limit.

Every file we write must open again in our own key import, which refuses files that ask for
too much password hashing (`keyimport.kdf_limits`); `PKCS12_KDF_ROUNDS` is chosen so that it
does with room to spare (tests/pki/java/test_pkcs12.py counts it the way the import does).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from webapp.pki.java.rules import (
    PasswordError,
    StoreError,
    check_key_entry,
    check_trusted_entries,
)
from webapp.translation import _

__all__ = [
    "PKCS12_KDF_ROUNDS",
    "build_pkcs12_keystore",
    "build_pkcs12_truststore",
    "require_pkcs12_password",
]

# PBKDF2 rounds for the key and the certificates. keytool writes 10,000; 100,000 is ten times
# that and still cheap (~25 ms to write). Our import counts a file we wrote as
# 3 x rounds (certificates, tried with up to 3 passwords) + rounds (key) + 3 x 2,048 (the MAC,
# whose count cryptography fixes at 2,048) = 406,144 steps: a fifth of MAX_TOTAL_WORK, so it
# opens even beside a second file in the same upload.
PKCS12_KDF_ROUNDS = 100_000

_NOT_PKCS12 = "This file is not a PKCS#12 store."


def require_pkcs12_password(password: str) -> None:
    """Refuse a password Java cannot use for a PKCS#12 store (see the module docstring)."""
    if not all(" " <= char <= "~" for char in password):
        raise PasswordError(
            _(
                "For a PKCS#12 store, use only letters a-z, digits, spaces and common "
                "punctuation (no accents or symbols such as €): Java cannot open PKCS#12 "
                "files protected with other characters. Or choose the JKS format."
            )
        )


def build_pkcs12_keystore(
    *, alias: str, private_key: PrivateKeyTypes, chain: Sequence[x509.Certificate], password: str
) -> bytes:
    """A PKCS#12 holding one key entry: the key (store password) and its full chain."""
    java_alias = check_key_entry(
        alias=alias, private_key=private_key, chain=chain, password=password
    )
    require_pkcs12_password(password)
    try:
        return pkcs12.serialize_key_and_certificates(
            java_alias.encode("utf-8"),
            private_key,  # type: ignore[arg-type]  # check_key_entry refused other key types
            chain[0],
            list(chain[1:]),
            _encryption(password),
        )
    except (TypeError, ValueError, UnsupportedAlgorithm):
        raise StoreError(_("This key cannot be stored in a PKCS#12 file.")) from None


def build_pkcs12_truststore(
    *, entries: Sequence[tuple[str, x509.Certificate]], password: str
) -> bytes:
    """A PKCS#12 holding only trusted-certificate entries Java recognises."""
    certs = [
        pkcs12.PKCS12Certificate(cert, java_alias.encode("utf-8"))
        for java_alias, cert in check_trusted_entries(entries, password)
    ]
    require_pkcs12_password(password)
    return pkcs12.serialize_java_truststore(certs, _encryption(password))


def _encryption(password: str) -> serialization.KeySerializationEncryption:
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(PKCS12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode("utf-8"))
    )


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)
