"""One surface for both store formats: choose JKS or PKCS#12, name the file, read either back.

The web page and the command line call `build_keystore(..., format=...)` and
`build_truststore(..., format=...)`; without a format they write JKS exactly as before.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from enum import StrEnum
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from webapp.pki.java import jks
from webapp.pki.java.open_store import open_store
from webapp.pki.java.opened import KeyPasswordRequiredError
from webapp.pki.java.pkcs12 import (
    build_pkcs12_keystore,
    build_pkcs12_truststore,
    require_pkcs12_password,
)
from webapp.pki.java.rules import (
    StoreContents,
    StoreEntry,
    StoreError,
    require_same,
    require_usable_password,
)
from webapp.pki.sniff import JKS_MAGIC, looks_like_pkcs12
from webapp.translation import _

__all__ = [
    "STORE_FORMATS",
    "StoreFormat",
    "build_keystore",
    "build_truststore",
    "check_store_password",
    "default_file_name",
    "detect_format",
    "read_store",
    "store_format",
    "with_format_extension",
]

StoreKind = Literal["keystore", "truststore"]


class StoreFormat(StrEnum):
    """A store file format; the value is what forms and --format send."""

    JKS = "jks"
    PKCS12 = "pkcs12"

    @property
    def label(self) -> str:
        """As the page shows it: **JKS** or **PKCS#12**."""
        return "JKS" if self is StoreFormat.JKS else "PKCS#12"

    @property
    def java_type(self) -> str:
        """The name for KeyStore.getInstance, keytool -storetype and Spring's `type`."""
        return "JKS" if self is StoreFormat.JKS else "PKCS12"

    @property
    def extension(self) -> str:
        return ".jks" if self is StoreFormat.JKS else ".p12"


STORE_FORMATS = tuple(StoreFormat)
# Other spellings people use for PKCS#12 (file extensions, keytool's type name).
_ALIASES = {"p12": StoreFormat.PKCS12, "pfx": StoreFormat.PKCS12, "pkcs#12": StoreFormat.PKCS12}
_EXTENSIONS = (".jks", ".p12", ".pfx", ".keystore", ".truststore")


def store_format(value: str | StoreFormat) -> StoreFormat:
    """The format named by `value` ("jks", "pkcs12", "PKCS#12", "p12"...), or StoreError."""
    if isinstance(value, StoreFormat):
        return value
    cleaned = value.strip().lower()
    try:
        return _ALIASES.get(cleaned) or StoreFormat(cleaned)
    except ValueError:
        raise StoreError(_("Choose JKS or PKCS#12 as the store format.")) from None


def default_file_name(kind: StoreKind, format: str | StoreFormat = StoreFormat.JKS) -> str:
    """keystore.jks, keystore.p12, truststore.jks or truststore.p12."""
    return kind + store_format(format).extension


def with_format_extension(file_name: str, format: str | StoreFormat) -> str:
    """`file_name` with the format's extension (replacing .jks/.p12/.pfx if it has one)."""
    stem, extension = os.path.splitext(file_name.strip())
    if extension.lower() not in _EXTENSIONS:
        stem = file_name.strip()
    return stem + store_format(format).extension


def check_store_password(
    password: str, confirmation: str, format: str | StoreFormat = StoreFormat.JKS
) -> None:
    """The page's password rule for a new store of this format (PasswordError if refused;
    its `field` says beside which of the two fields)."""
    require_usable_password(password)
    if store_format(format) is StoreFormat.PKCS12:
        # Before the confirmation check: retyping the password would not help.
        require_pkcs12_password(password)
    require_same(password, confirmation)


def detect_format(data: bytes) -> StoreFormat | None:
    """The format of a store file from its first bytes, None when it is neither."""
    if data.startswith(JKS_MAGIC):
        return StoreFormat.JKS
    if looks_like_pkcs12(data):
        return StoreFormat.PKCS12
    return None


def build_keystore(
    *,
    alias: str,
    private_key: PrivateKeyTypes,
    chain: Sequence[x509.Certificate],
    password: str,
    format: str | StoreFormat = StoreFormat.JKS,
) -> bytes:
    """A keystore with one key entry (key password == store password) and its full chain."""
    builder = (
        jks.build_keystore if store_format(format) is StoreFormat.JKS else build_pkcs12_keystore
    )
    return builder(alias=alias, private_key=private_key, chain=chain, password=password)


def build_truststore(
    *,
    entries: Sequence[tuple[str, x509.Certificate]],
    password: str,
    format: str | StoreFormat = StoreFormat.JKS,
) -> bytes:
    """A truststore with one trusted-certificate entry per (alias, certificate) pair."""
    builder = (
        jks.build_truststore if store_format(format) is StoreFormat.JKS else build_pkcs12_truststore
    )
    return builder(entries=entries, password=password)


def read_store(data: bytes, password: str) -> StoreContents:
    """Open a JKS or PKCS#12 store with its password (the format is read from the file).

    The reading itself is `open_store`'s (one reader, with the size and hashing limits); this
    gives the entries as DER, and asks key passwords to equal the store password.
    """
    try:
        opened = open_store(data, password)
    except KeyPasswordRequiredError as error:
        raise StoreError(
            _(
                "The key “{alias}” has its own password; it must match the store password.",
                alias=error.alias,
            )
        ) from None
    return StoreContents(
        tuple(
            StoreEntry(
                entry.alias,
                entry.kind,
                tuple(c.public_bytes(serialization.Encoding.DER) for c in entry.chain),
                entry.private_key,
            )
            for entry in opened.entries
        )
    )
