"""An existing keystore or truststore as opened with its password, and what can go wrong.

Issue 13: certificates expire, so people come back with last year's store. Every reader
(`open_store`: JKS via pyjks, PKCS#12 via cryptography) returns an `OpenedStore`; every
problem a user can cause is an `OpenStoreError` subclass whose str() is a sentence to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cryptography import x509

from webapp.pki.certs.parse import CertificateParseError, check_readable, tolerating_old_serials
from webapp.pki.java.rules import EntryKind, StoreError
from webapp.pki.keyimport.scan import MAX_KEY_ENTRIES
from webapp.pki.keys import PrivateKey
from webapp.translation import _

__all__ = [
    "MAX_STORE_CERTIFICATES",
    "MAX_STORE_ENTRIES",
    "MAX_STORE_KEYS",
    "MAX_STORE_SIZE",
    "READABLE_FORMATS",
    "ChooseKeyEntryError",
    "DamagedStoreError",
    "KeyPasswordRequiredError",
    "NoKeyEntryError",
    "NotAStoreError",
    "OpenStoreError",
    "OpenedEntry",
    "OpenedStore",
    "StorePasswordError",
    "StoreTooCostlyError",
    "StoreTooLargeError",
    "StoreType",
    "UnsupportedStoreFormatError",
    "WrongKeyPasswordError",
    "store_certificate",
    "too_many",
    "too_many_keys",
]

# The upload limit of the app (webapp/config.py MAX_CONTENT_LENGTH): a client keystore is a
# few KB, a truststore with every public root ~200 KB.
MAX_STORE_SIZE = 1024 * 1024
# A client keystore holds a handful of entries, Java's cacerts ~150; each entry costs parsing
# (and, for keys, a decryption), so a hostile store is refused before that work.
MAX_STORE_ENTRIES = 200
MAX_STORE_CERTIFICATES = 500
# Every key is decrypted (its KDF is priced) but its RSA consistency check (~200 ms for RSA
# 3072 on the loaded 2-core dev box; 10 keys took 2.2 s) is left to the one key that is
# renewed (renew.apply_ca_reply). The cap is the key pair upload's.
MAX_STORE_KEYS = MAX_KEY_ENTRIES
READABLE_FORMATS = "Java keystores (.jks) and PKCS#12 files (.p12, .pfx)"

StoreType = Literal["JKS", "PKCS12"]


class OpenStoreError(StoreError):
    """An existing store cannot be opened; str() is a sentence for the user."""


class StorePasswordError(OpenStoreError):
    def __init__(self) -> None:
        super().__init__(_("The password does not open this store."))


class NotAStoreError(OpenStoreError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "This file is not a Java keystore or truststore. We read Java keystores "
                "(.jks) and PKCS#12 files (.p12, .pfx)."
            )
        )


class DamagedStoreError(OpenStoreError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "This store is damaged or incomplete. Copy the file from the "
                "platform again and upload that copy."
            )
        )


class UnsupportedStoreFormatError(OpenStoreError):
    """JCEKS, BKS...: a keystore format we do not read; the message names it."""

    def __init__(self, kind: str) -> None:
        super().__init__(
            _(
                "This is a {kind} keystore, which we cannot read. We read Java keystores "
                "(.jks) and PKCS#12 files (.p12, .pfx): convert it with keytool "
                "-importkeystore -deststoretype PKCS12 and upload that.",
                kind=kind,
            )
        )


class KeyPasswordRequiredError(OpenStoreError):
    """A JKS key entry is protected by a password other than the store password."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        super().__init__(
            _(
                "The key “{alias}” has its own password, different from the store "
                "password. Enter the key password as well.",
                alias=alias,
            )
        )


class WrongKeyPasswordError(OpenStoreError):
    def __init__(self, alias: str) -> None:
        self.alias = alias
        super().__init__(_("The key password does not open the key “{alias}”.", alias=alias))


class StoreTooLargeError(OpenStoreError):
    """More entries, certificates or bytes than any real keystore or truststore has."""


def too_many(what: Literal["entries", "certificates"]) -> StoreTooLargeError:
    """The one sentence for a store with more entries or certificates than the caps above."""
    if what == "entries":
        return StoreTooLargeError(
            _(
                "This store holds more than {limit} entries, far more than a "
                "keystore or truststore for one connection needs.",
                limit=MAX_STORE_ENTRIES,
            )
        )
    return StoreTooLargeError(
        _(
            "This store holds more than {limit} certificates, far more than a "
            "keystore or truststore for one connection needs.",
            limit=MAX_STORE_CERTIFICATES,
        )
    )


def too_many_keys() -> StoreTooLargeError:
    return StoreTooLargeError(
        _(
            "This store holds more than {limit} private keys. "
            "Export only the key entry you need (keytool -importkeystore "
            "-srcalias) and upload that.",
            limit=MAX_STORE_KEYS,
        )
    )


class StoreTooCostlyError(OpenStoreError):
    """A PKCS#12 store asks for more password hashing than we spend (an iteration bomb)."""


class NoKeyEntryError(OpenStoreError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "This store holds no private key, only trusted certificates. "
                "Choose the keystore (the file with your own key), not the truststore."
            )
        )


class ChooseKeyEntryError(OpenStoreError):
    """Several key entries: the caller must say which one (`aliases` lists them)."""

    def __init__(self, aliases: tuple[str, ...]) -> None:
        self.aliases = aliases
        names = ", ".join(f"“{alias}”" for alias in aliases)
        super().__init__(
            _("This store holds several keys ({names}). Choose the one to renew.", names=names)
        )


@dataclass(frozen=True)
class OpenedEntry:
    """One entry: alias (as stored, lower-case for JKS), kind, chain leaf first, key."""

    alias: str
    kind: EntryKind
    chain: tuple[x509.Certificate, ...]
    # Only for PrivateKeyEntry. Kept out of repr and comparisons. An RSA key's consistency
    # check is skipped when opening (see MAX_STORE_KEYS); renew.apply_ca_reply runs it.
    private_key: PrivateKey | None = field(default=None, repr=False, compare=False)

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]


@dataclass(frozen=True)
class OpenedStore:
    """A keystore or truststore as opened, entries in file order."""

    store_type: StoreType
    entries: tuple[OpenedEntry, ...]

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(entry.alias for entry in self.entries)

    @property
    def key_entries(self) -> tuple[OpenedEntry, ...]:
        return tuple(e for e in self.entries if e.kind == "PrivateKeyEntry")

    @property
    def trusted_entries(self) -> tuple[OpenedEntry, ...]:
        return tuple(e for e in self.entries if e.kind == "trustedCertEntry")

    def entry(self, alias: str) -> OpenedEntry:
        """The entry named `alias` (case-insensitive, as Java looks it up); KeyError if none."""
        wanted = alias.strip().lower()
        for entry in self.entries:
            if entry.alias.lower() == wanted:
                return entry
        raise KeyError(alias)

    def key_entry(self, alias: str | None = None) -> OpenedEntry:
        """The key entry to renew: the only one, or the one named `alias`."""
        keys = self.key_entries
        if not keys:
            raise NoKeyEntryError()
        if alias is None:
            if len(keys) > 1:
                raise ChooseKeyEntryError(tuple(k.alias for k in keys))
            return keys[0]
        wanted = alias.strip().lower()
        for entry in keys:
            if entry.alias.lower() == wanted:
                return entry
        raise ChooseKeyEntryError(tuple(k.alias for k in keys))


def store_certificate(der: bytes) -> x509.Certificate:
    """A certificate from an opened store (JKS or PKCS#12), held to the gate every
    certificate passes (certs.parse.check_readable); DamagedStoreError if it fails."""
    try:
        with tolerating_old_serials():
            cert = x509.load_der_x509_certificate(der)
        check_readable(cert)
    except (ValueError, CertificateParseError):
        raise DamagedStoreError() from None
    return cert
