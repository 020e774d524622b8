"""The rules every Java store we write must follow, whatever its format (JKS or PKCS#12).

JKS and PKCS#12 writers both call `check_key_entry` / `check_trusted_entries`, so a password,
alias or chain accepted for one format is never refused for the other, and the command line
applies exactly what the web page applies.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from webapp.pki.java.aliases import AliasError as _AnyAliasError
from webapp.pki.java.aliases import alias_used_above, repeated_aliases, validate_alias
from webapp.pki.keys import spki_der, unsupported_key_reason
from webapp.translation import N_, _

__all__ = [
    "CHOOSE_PASSWORD",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "PASSWORDS_DIFFER",
    "AliasError",
    "EntryKind",
    "PasswordError",
    "StoreContents",
    "StoreEntry",
    "StoreError",
    "check_alias",
    "check_key_entry",
    "check_password",
    "check_trusted_entries",
    "require_same",
    "require_usable_password",
]

# keytool refuses to create a store with a shorter password ("must be at least 6 characters").
MIN_PASSWORD_LENGTH = 6
# Java has no upper limit, but the password goes into destination.json and is typed or pasted
# by people: 1000 characters is far beyond any real one. Longer is refused in words, never cut
# (issue 10, hole 6: a cut password made a store that opened only with its first 1001).
MAX_PASSWORD_LENGTH = 1000
# Kept in English (N_), translated where shown: a view showing one calls _() on it. The 6 is
# MIN_PASSWORD_LENGTH: change both together (one whole sentence to translate).
CHOOSE_PASSWORD = N_("Choose a password of at least 6 characters.")
PASSWORDS_DIFFER = N_("The two passwords do not match.")

EntryKind = Literal["PrivateKeyEntry", "trustedCertEntry"]  # keytool's own spelling


class StoreError(ValueError):
    """A keystore or truststore cannot be built or read; str() is a sentence for the user."""


class PasswordError(StoreError):
    """The chosen store password cannot be used; `field` says which of the two fields the
    sentence belongs beside ("confirmation" when only the retyped one is wrong)."""

    def __init__(
        self, message: str, *, field: Literal["password", "confirmation"] = "password"
    ) -> None:
        super().__init__(message)
        self.field = field


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
    """What a store file holds, in file order."""

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
    """The alias exactly as the store will hold it (trimmed, lower-case), or AliasError:
    the wizard's own rule (`aliases.alias_problem`), raised as a StoreError."""
    try:
        return validate_alias(alias)
    except _AnyAliasError as exc:
        raise AliasError(str(exc)) from None


def check_password(password: str, confirmation: str) -> None:
    """Refuse a store password that Java tools would reject or that was mistyped."""
    require_usable_password(password)
    require_same(password, confirmation)


def require_same(password: str, confirmation: str) -> None:
    """The retyped password must be the password (PasswordError beside the confirmation)."""
    if password != confirmation:
        raise PasswordError(_(PASSWORDS_DIFFER), field="confirmation")


def require_usable_password(password: str) -> None:
    """Refuse a store password keytool would refuse or Java could not hash."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(_("Use at least {n} characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(_("Use at most {n} characters.", n=MAX_PASSWORD_LENGTH))
    try:
        password.encode("utf-16-be")  # what Java hashes; lone surrogates cannot be encoded
    except UnicodeEncodeError:
        raise PasswordError(_("The password contains characters that cannot be used.")) from None


def check_key_entry(
    *, alias: str, private_key: PrivateKeyTypes, chain: Sequence[x509.Certificate], password: str
) -> str:
    """Everything a key entry must satisfy; returns the alias as it will be stored."""
    require_usable_password(password)
    java_alias = check_alias(alias)
    if not chain:
        raise StoreError(_("Add the certificate that belongs to this key."))
    reason = unsupported_key_reason(private_key)
    if reason is not None:
        raise StoreError(reason)
    if spki_der(private_key.public_key()) != spki_der(chain[0].public_key()):
        raise StoreError(_("The first certificate does not belong to this private key."))
    _require_ordered_chain(chain)
    return java_alias


def check_trusted_entries(
    entries: Sequence[tuple[str, x509.Certificate]], password: str
) -> list[tuple[str, x509.Certificate]]:
    """The (alias as stored, certificate) pairs of a truststore, or StoreError saying why not."""
    require_usable_password(password)
    if not entries:
        raise StoreError(_("Add at least one certificate to trust."))
    checked = [(check_alias(alias), cert) for alias, cert in entries]
    if repeated := repeated_aliases([alias for alias, _unused in checked]):
        raise AliasError(alias_used_above(checked[repeated[0]][0]))
    return checked


def _require_ordered_chain(chain: Sequence[x509.Certificate]) -> None:
    """Each certificate must be signed by the next: Java sends the chain as stored."""
    for cert, issuer in itertools.pairwise(chain):
        try:
            cert.verify_directly_issued_by(issuer)
        except UnsupportedAlgorithm:
            if cert.issuer == issuer.subject:  # cannot check the signature; names agree
                continue
            raise StoreError(_(_CHAIN_ORDER_MESSAGE)) from None
        except (InvalidSignature, ValueError, TypeError):
            raise StoreError(_(_CHAIN_ORDER_MESSAGE)) from None


_CHAIN_ORDER_MESSAGE = N_(
    "The certificates are not in order: each one must be followed by the one that issued it."
)
