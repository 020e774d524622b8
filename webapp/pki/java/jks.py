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
from dataclasses import dataclass, field
from typing import Literal

import jks
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
    PublicKeyTypes,
)

from webapp.pki.java.aliases import AliasError as _AnyAliasError
from webapp.pki.java.aliases import fits_java_keystore, normalise_alias
from webapp.pki.keys import unsupported_key_reason

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
    "read_store",
]

# keytool refuses to create a store with a shorter password ("must be at least 6 characters").
MIN_PASSWORD_LENGTH = 6

EntryKind = Literal["PrivateKeyEntry", "trustedCertEntry"]  # keytool's own spelling


class StoreError(ValueError):
    """A keystore or truststore cannot be built or read; str() is a sentence for the user."""


class PasswordError(StoreError):
    """The chosen store password cannot be used."""


class AliasError(StoreError, _AnyAliasError):
    """The chosen entry name (alias) cannot be used (also an `aliases.AliasError`)."""


@dataclass(frozen=True)
class StoreEntry:
    """One entry as read back from a store: alias, kind, certificates (leaf first, DER)."""

    alias: str
    kind: EntryKind
    chain_der: tuple[bytes, ...] = field(repr=False)
    # Only for PrivateKeyEntry; decrypted with the store password. Kept out of repr/compare.
    private_key: PrivateKeyTypes | None = field(default=None, repr=False, compare=False)

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        return tuple(x509.load_der_x509_certificate(der) for der in self.chain_der)


@dataclass(frozen=True)
class StoreContents:
    """What a JKS file holds, in file order."""

    entries: tuple[StoreEntry, ...]

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(entry.alias for entry in self.entries)

    def entry(self, alias: str) -> StoreEntry:
        wanted = alias.lower()
        for entry in self.entries:
            if entry.alias == wanted:
                return entry
        raise KeyError(alias)


def check_alias(alias: str) -> str:
    """The alias exactly as the JKS file will hold it (trimmed, lower-case), or AliasError."""
    cleaned = normalise_alias(alias)
    if not cleaned:
        raise AliasError("Give the entry a name.")
    if not fits_java_keystore(cleaned):  # the rule the wizard applies too
        raise AliasError("Use letters, digits, spaces and punctuation in the name.")
    return cleaned


def check_password(password: str, confirmation: str) -> None:
    """Refuse a store password that Java tools would reject or that was mistyped."""
    _require_usable_password(password)
    if password != confirmation:
        raise PasswordError("The two passwords do not match.")


def build_keystore(
    *,
    alias: str,
    private_key: PrivateKeyTypes,
    chain: Sequence[x509.Certificate],
    password: str,
) -> bytes:
    """A JKS holding one PrivateKeyEntry: the key (store password) and its full chain."""
    _require_usable_password(password)
    java_alias = check_alias(alias)
    if not chain:
        raise StoreError("Add the certificate that belongs to this key.")
    _require_supported_key(private_key)
    _require_matching_leaf(private_key, chain[0])
    _require_ordered_chain(chain)
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # saves() encrypts it with the store password
    )
    entry = jks.PrivateKeyEntry.new(
        java_alias, [_der(cert) for cert in chain], pkcs8, key_format="pkcs8"
    )
    return _save(jks.KeyStore.new("jks", [entry]), password)


def build_truststore(
    *, entries: Sequence[tuple[str, x509.Certificate]], password: str
) -> bytes:
    """A JKS holding only trusted certificates, one per (alias, certificate) pair."""
    _require_usable_password(password)
    if not entries:
        raise StoreError("Add at least one certificate to trust.")
    trusted: list[jks.TrustedCertEntry] = []
    seen: set[str] = set()
    for alias, cert in entries:
        java_alias = check_alias(alias)
        if java_alias in seen:
            raise StoreError(
                f"The name “{java_alias}” is used twice; give each certificate its own name."
            )
        seen.add(java_alias)
        trusted.append(jks.TrustedCertEntry.new(java_alias, _der(cert)))
    return _save(jks.KeyStore.new("jks", trusted), password)


def read_store(data: bytes, password: str) -> StoreContents:
    """Open a JKS with its password; private keys must open with that same password.

    Kept for callers that want DER; the reading itself lives in `open_store` (one home).
    """
    from webapp.pki.java.open_store import open_store  # it builds on this module's errors
    from webapp.pki.java.opened import KeyPasswordRequiredError, StorePasswordError

    try:
        opened = open_store(data, password)
    except StorePasswordError:
        raise
    except KeyPasswordRequiredError as error:
        raise StoreError(
            f"The key “{error.alias}” has its own password; it must match the store password."
        ) from None
    except StoreError:
        raise StoreError("This file is not a Java keystore (JKS).") from None
    if opened.store_type != "JKS":
        raise StoreError("This file is not a Java keystore (JKS).")
    return StoreContents(tuple(
        StoreEntry(entry.alias, entry.kind, tuple(_der(c) for c in entry.chain),
                   entry.private_key)
        for entry in opened.entries))


# --- helpers ---------------------------------------------------------------------------


def _require_usable_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    try:
        password.encode("utf-16-be")  # what Java hashes; lone surrogates cannot be encoded
    except UnicodeEncodeError:
        raise PasswordError("The password contains characters that cannot be used.") from None


def _require_supported_key(private_key: PrivateKeyTypes) -> None:
    reason = unsupported_key_reason(private_key)
    if reason is not None:
        raise StoreError(reason)


def _require_matching_leaf(private_key: PrivateKeyTypes, leaf: x509.Certificate) -> None:
    if _public_der(private_key.public_key()) != _public_der(leaf.public_key()):
        raise StoreError("The first certificate does not belong to this private key.")


def _require_ordered_chain(chain: Sequence[x509.Certificate]) -> None:
    """Each certificate must be signed by the next: Java sends the chain as stored."""
    for cert, issuer in zip(chain, chain[1:]):
        try:
            cert.verify_directly_issued_by(issuer)
        except UnsupportedAlgorithm:
            if cert.issuer == issuer.subject:  # cannot check the signature; names agree
                continue
            raise StoreError(_CHAIN_ORDER_MESSAGE) from None
        except (InvalidSignature, ValueError, TypeError):
            raise StoreError(_CHAIN_ORDER_MESSAGE) from None


_CHAIN_ORDER_MESSAGE = (
    "The certificates are not in order: each one must be followed by the one that issued it."
)


def _save(store: jks.KeyStore, password: str) -> bytes:
    """Serialise the store; saves() also encrypts still-plain keys with this password."""
    data: bytes = store.saves(password)
    return data


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _public_der(public_key: PublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
