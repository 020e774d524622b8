"""Open last year's keystore or truststore: JKS (pyjks) or PKCS#12 (cryptography).

The one place a user's existing store is read. The format is told by its first bytes; a
JKS is checked against the store password (its integrity hash) before any key is
decrypted, and a PKCS#12 is priced (iteration counts) before anything is decrypted.

Anything the libraries raise on hostile input (pyjks, pyasn1, cryptography, our DER
reader) ends here as an `OpenStoreError` with a plain sentence: the fuzz suite
(tests/fuzz/test_stores.py) holds this module to that.
"""

from __future__ import annotations

import hashlib
import struct

import jks
from cryptography.exceptions import UnsupportedAlgorithm

from webapp.pki.certs.chains import order_chain
from webapp.pki.java.jks_key_blob import KeyBlobError, try_passwords
from webapp.pki.java.opened import (
    MAX_STORE_CERTIFICATES,
    MAX_STORE_ENTRIES,
    MAX_STORE_KEYS,
    MAX_STORE_SIZE,
    DamagedStoreError,
    KeyPasswordRequiredError,
    NotAStoreError,
    OpenedEntry,
    OpenedStore,
    OpenStoreError,
    StorePasswordError,
    StoreTooLargeError,
    UnsupportedStoreFormatError,
    WrongKeyPasswordError,
    store_certificate,
    too_many,
    too_many_keys,
)
from webapp.pki.java.pkcs12_store import open_pkcs12_store
from webapp.pki.key_checks import KeyCheckBudget, load_der_key
from webapp.pki.keys import KeyRefusedError, PrivateKey, unsupported_key_reason
from webapp.pki.sniff import JCEKS_MAGIC, JKS_MAGIC, looks_like_pkcs12
from webapp.translation import N_, _

__all__ = ["open_store"]

_JKS_HEADER = struct.Struct(">III")  # magic, version (1 or 2), entry count
_MAX_JKS_CHAIN = 10  # certificates in one key entry's chain (certs.chains.MAX_CHAIN_LENGTH)
# {reason}: the key rule's own sentence (webapp.pki.keys), already in the reader's language.
_KEY_REFUSED = N_("The key “{alias}” cannot be used. {reason}")


def open_store(data: bytes, password: str, *, key_password: str | None = None) -> OpenedStore:
    """Every entry of the JKS or PKCS#12 store `data`, opened with its password.

    `key_password`: for a JKS whose key entry has a password of its own (the error
    `KeyPasswordRequiredError` asks for it). Raises an `OpenStoreError` subclass, never
    anything else, for any input.
    """
    if len(data) > MAX_STORE_SIZE:
        raise StoreTooLargeError(
            _(
                "This file is larger than {size} KB, far more than a keystore or truststore needs.",
                size=MAX_STORE_SIZE // 1024,
            )
        )
    if not data.strip():
        raise NotAStoreError()
    try:
        if data.startswith(JKS_MAGIC):
            return _open_jks(data, password, key_password)
        if data.startswith(JCEKS_MAGIC):
            raise UnsupportedStoreFormatError("JCEKS")
        if looks_like_pkcs12(data):
            return open_pkcs12_store(data, password)
        if _looks_like_bks(data):
            raise UnsupportedStoreFormatError("Bouncy Castle (BKS or UBER)")
    except OpenStoreError:
        raise
    except KeyRefusedError as error:  # more large keys than one upload may check
        raise OpenStoreError(str(error)) from None
    except Exception:
        raise DamagedStoreError() from None
    raise NotAStoreError()


def _open_jks(data: bytes, password: str, key_password: str | None) -> OpenedStore:
    if len(data) < _JKS_HEADER.size + 20:
        raise DamagedStoreError()
    _magic, _version, count = _JKS_HEADER.unpack_from(data)
    if count > MAX_STORE_ENTRIES:
        raise too_many("entries")
    _check_jks_integrity(data, password)
    try:
        store = jks.KeyStore.loads(data, password, try_decrypt_keys=False)
    except jks.util.KeystoreSignatureException:
        raise StorePasswordError() from None
    if store.store_type != "jks":
        raise UnsupportedStoreFormatError(store.store_type.upper())
    if (
        sum(len(getattr(e, "cert_chain", ())) or 1 for e in store.entries.values())
        > MAX_STORE_CERTIFICATES
    ):
        raise too_many("certificates")
    if sum(isinstance(e, jks.PrivateKeyEntry) for e in store.entries.values()) > MAX_STORE_KEYS:
        raise too_many_keys()
    budget = KeyCheckBudget()
    entries = [
        _jks_entry(alias, item, (password, key_password), budget)
        for alias, item in store.entries.items()
    ]
    return OpenedStore("JKS", tuple(e for e in entries if e is not None))


def _check_jks_integrity(data: bytes, password: str) -> None:
    """JKS ends with SHA-1(password as UTF-16BE + "Mighty Aphrodite" + body): checked first,
    so a wrong password is named as such even when the body would not parse."""
    try:
        secret = password.encode("utf-16-be")
    except UnicodeEncodeError:
        raise StorePasswordError() from None
    body, stored = data[:-20], data[-20:]
    if hashlib.sha1(secret + b"Mighty Aphrodite" + body).digest() != stored:
        raise StorePasswordError()


def _jks_entry(
    alias: str, item: object, passwords: tuple[str, str | None], budget: KeyCheckBudget
) -> OpenedEntry | None:
    if isinstance(item, jks.TrustedCertEntry):
        return OpenedEntry(alias, "trustedCertEntry", (store_certificate(item.cert),))
    if isinstance(item, jks.PrivateKeyEntry):
        key = _decrypt_key(alias, item, passwords, budget)
        certs = [store_certificate(der) for _, der in item.cert_chain[:_MAX_JKS_CHAIN]]
        if not certs:
            raise DamagedStoreError()
        return OpenedEntry(alias, "PrivateKeyEntry", tuple(order_chain(certs[0], certs[1:])), key)
    if isinstance(item, jks.SecretKeyEntry):
        return None  # JKS cannot hold these; JCEKS is refused before this point
    raise DamagedStoreError()


def _decrypt_key(
    alias: str,
    item: jks.PrivateKeyEntry,
    passwords: tuple[str, str | None],
    budget: KeyCheckBudget,
) -> PrivateKey:
    # pyjks keeps the blob as read (loads(try_decrypt_keys=False) decodes nothing); its own
    # decrypt() would hand it to pyasn1's BER decoder, so ours reads it (jks_key_blob).
    blob: bytes = item.__dict__["_encrypted"]
    try:
        pkcs8 = try_passwords(blob, passwords)
    except KeyBlobError:
        raise DamagedStoreError() from None
    if pkcs8 is None:
        if passwords[1] is None:
            raise KeyPasswordRequiredError(alias)
        raise WrongKeyPasswordError(alias)
    try:
        # The size and type rule from the DER, then OpenSSL's key check, once (issue 19).
        key = load_der_key(pkcs8, None, budget=budget)
    except KeyRefusedError as error:
        raise OpenStoreError(_(_KEY_REFUSED, alias=alias, reason=error)) from None
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise DamagedStoreError() from None
    reason = unsupported_key_reason(key)
    if reason is not None:
        raise OpenStoreError(_(_KEY_REFUSED, alias=alias, reason=reason))
    return key  # type: ignore[return-value]  # unsupported_key_reason narrowed it


def _looks_like_bks(data: bytes) -> bool:
    """BKS/UBER: version 1 or 2, then a salt length (20 for Bouncy Castle) and the salt."""
    if len(data) < 8:
        return False
    version, salt_length = struct.unpack_from(">II", data)
    return version in (1, 2) and 1 <= salt_length <= 64
