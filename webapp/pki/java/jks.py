"""Build Java KeyStore (JKS) keystores and truststores as bytes, and read them back.

pyjks writes the files. Three of its habits decide how this module calls it (read
jks/jks.py in pyjks 20.0.0):

* ``PrivateKeyEntry.new(..., key_format="pkcs8")`` wants a PKCS#8 ``PrivateKeyInfo`` (DER).
  It copies the algorithm OID out of it, and Java later picks its ``KeyFactory`` from that
  OID, which is how RSA, EC and Ed25519 keys all come back out in the JDK.
* ``KeyStore.saves(password)`` encrypts every still-plain key entry with the *store*
  password, so building the entry unencrypted is exactly what gives "key password ==
  store password", the pairing Java applications assume. (An entry encrypted beforehand
  keeps its own password; we never do that.) ``saves`` also leaves the entry encrypted.
* pyjks lower-cases aliases in ``new()`` and keys its entry table by them: Java's JKS looks
  entries up by ``alias.toLowerCase(Locale.ENGLISH)`` but does not lower-case what it reads,
  so a stored upper-case alias could never be found.

Passwords: both pyjks and the JDK turn a password into bytes as UTF-16BE code units
(sun.security.provider.KeyProtector, JavaKeyStore.getPreKeyedHash), so non-ASCII passwords
agree; the interop tests prove it with keytool. They still only work where the password
reaches the JVM intact (for example a command line under a UTF-8 locale).
"""

from __future__ import annotations

from collections.abc import Sequence

import jks
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from webapp.pki.java.rules import (
    MIN_PASSWORD_LENGTH,
    AliasError,
    PasswordError,
    StoreContents,
    StoreEntry,
    StoreError,
    check_alias,
    check_key_entry,
    check_password,
    check_trusted_entries,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "AliasError",
    "PasswordError",
    "StoreContents",
    "StoreEntry",
    "StoreError",
    "build_keystore",
    "build_truststore",
    "check_alias",
    "check_password",
]


def build_keystore(
    *,
    alias: str,
    private_key: PrivateKeyTypes,
    chain: Sequence[x509.Certificate],
    password: str,
) -> bytes:
    """A JKS holding one PrivateKeyEntry: the key (store password) and its full chain."""
    java_alias = check_key_entry(
        alias=alias, private_key=private_key, chain=chain, password=password
    )
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # saves() encrypts it with the store password
    )
    entry = jks.PrivateKeyEntry.new(
        java_alias, [_der(cert) for cert in chain], pkcs8, key_format="pkcs8"
    )
    return _save(jks.KeyStore.new("jks", [entry]), password)


def build_truststore(*, entries: Sequence[tuple[str, x509.Certificate]], password: str) -> bytes:
    """A JKS holding only trusted certificates, one per (alias, certificate) pair."""
    trusted = [
        jks.TrustedCertEntry.new(java_alias, _der(cert))
        for java_alias, cert in check_trusted_entries(entries, password)
    ]
    return _save(jks.KeyStore.new("jks", trusted), password)


def _save(store: jks.KeyStore, password: str) -> bytes:
    """Serialise the store; saves() also encrypts still-plain keys with this password."""
    data: bytes = store.saves(password)
    return data


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)
