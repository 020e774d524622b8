"""Open last year's files: both stores, with the passwords destination.json holds.

`open_last_year` takes the zip of "Download all" or the files deployed on the platform (the
keystore, the truststore and destination.json) under any names, and gives back everything a
renewal needs: the stores as opened, their file names and formats (kept exactly: a JKS stays
JKS, a PKCS#12 stays PKCS#12), the alias, URL, method and folder, and what expires when.
A password that is missing or wrong is named by its field, so a page asks only for that one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from webapp.pki.certs.describe import CertificateSummary, describe_certificate
from webapp.pki.java.destination import DestinationConfig
from webapp.pki.java.open_store import open_store
from webapp.pki.java.opened import (
    KeyPasswordRequiredError,
    OpenedEntry,
    OpenedStore,
    OpenStoreError,
    StorePasswordError,
    WrongKeyPasswordError,
)
from webapp.pki.java.stores import StoreFormat, detect_format
from webapp.pki.renewal.errors import (
    Field,
    LastYearError,
    LastYearFilesError,
    PasswordMissingError,
    PasswordWrongError,
)
from webapp.pki.renewal.recognise import Recognised, base_name, recognise
from webapp.pki.renewal.roles import assign_roles
from webapp.translation import _

__all__ = ["Expiry", "LastYear", "LastYearStore", "open_last_year"]

File = tuple[str, bytes]
Role = Literal["keystore", "truststore"]
Owner = Literal["own", "own_ca", "partner"]


@dataclass(frozen=True)
class LastYearStore:
    """One of last year's stores: its name on the platform, its format, how it opened."""

    file_name: str
    format: StoreFormat
    opened: OpenedStore
    password: str = field(repr=False)


@dataclass(frozen=True)
class Expiry:
    """One certificate's end date, and who renews it: the user, their CA, or the partner."""

    owner: Owner
    summary: CertificateSummary


@dataclass(frozen=True)
class LastYear:
    """Last year's files, opened. Its keystore is last year's: never "ready" until renewed."""

    keystore: LastYearStore
    truststore: LastYearStore
    destination: DestinationConfig = field(repr=False)  # holds both passwords
    alias: str
    from_zip: bool
    bundle_name: str
    reminder_lead_days: int | None  # None: last year's files had no reminder.ics

    @property
    def key_entry(self) -> OpenedEntry:
        return self.keystore.opened.key_entry(self.alias)

    @property
    def own_chain(self) -> tuple[x509.Certificate, ...]:
        return self.key_entry.chain

    @property
    def folder(self) -> str:
        """The folder of the stores on the platform: keystoreFile without its file name."""
        path = self.destination.keystore_file.strip()
        return path[: len(path) - len(base_name(path))].rstrip("/\\")

    @property
    def partner_certificates(self) -> tuple[x509.Certificate, ...]:
        """The truststore's certificates that are not the user's own chain."""
        ours = {_print(c) for c in self.own_chain}
        return tuple(
            e.certificate
            for e in self.truststore.opened.trusted_entries
            if _print(e.certificate) not in ours
        )

    @property
    def expiries(self) -> tuple[Expiry, ...]:
        """The user's certificate, their CA's and the partner's, soonest first."""
        own = self.own_chain
        found = [Expiry("own", describe_certificate(own[0]))]
        found += [Expiry("own_ca", describe_certificate(c)) for c in own[1:]]
        found += [Expiry("partner", describe_certificate(c)) for c in self.partner_certificates]
        return tuple(sorted(found, key=lambda e: e.summary.not_after))


def open_last_year(
    files: Sequence[File],
    *,
    keystore_password: str | None = None,
    truststore_password: str | None = None,
    key_password: str | None = None,
    alias: str | None = None,
) -> LastYear:
    """Open last year's zip, or its loose files, with destination.json's passwords.

    A typed password (after a PasswordMissingError or PasswordWrongError for its field) is
    tried before destination.json's. Raises LastYearError subclasses, each with `field`.
    """
    found = recognise(files)
    keystore_file, truststore_file = assign_roles(
        found.stores, found.destination, typed=(keystore_password, truststore_password)
    )
    configured = found.destination
    keystore = _open(
        keystore_file,
        "keystore",
        typed=keystore_password,
        configured=configured.keystore_pass if configured else None,
        key_password=key_password,
    )
    truststore = _open(
        truststore_file,
        "truststore",
        typed=truststore_password,
        configured=configured.truststore_pass if configured else None,
    )
    if configured is not None:  # the names the platform knows them by
        keystore = replace(
            keystore, file_name=base_name(configured.keystore_file) or keystore.file_name
        )
        truststore = replace(
            truststore, file_name=base_name(configured.truststore_file) or truststore.file_name
        )
    chosen = _key_entry(keystore, alias)
    if not truststore.opened.trusted_entries:
        raise LastYearFilesError(
            _(
                "{file} holds no trusted certificate: it is not a truststore.",
                file=truststore.file_name,
            )
        )
    return LastYear(
        keystore=keystore,
        truststore=truststore,
        destination=_destination(found, keystore, truststore),
        alias=chosen.alias,
        from_zip=found.from_zip,
        bundle_name=found.bundle_name,
        reminder_lead_days=found.reminder_lead_days,
    )


def _open(
    file: File,
    role: Role,
    *,
    typed: str | None,
    configured: str | None,
    key_password: str | None = None,
) -> LastYearStore:
    name, data = file
    password_field: Field = "keystore_password" if role == "keystore" else "truststore_password"
    attempts = [p for p in (typed, configured or None) if p is not None]
    if not attempts:
        raise PasswordMissingError(password_field, name, have_config=configured is not None)
    for password in attempts:
        try:
            opened = open_store(data, password, key_password=key_password)
        except StorePasswordError:
            continue
        except KeyPasswordRequiredError:
            raise PasswordMissingError("key_password", name) from None
        except WrongKeyPasswordError:
            raise PasswordWrongError("key_password", name, typed=True) from None
        except OpenStoreError as error:
            raise LastYearFilesError(_("{file}: {error}", file=name, error=error)) from None
        fmt = detect_format(data) or StoreFormat.JKS  # open_store read it: one of the two
        return LastYearStore(name, fmt, opened, password)
    raise PasswordWrongError(password_field, name, typed=typed is not None)


def _key_entry(keystore: LastYearStore, alias: str | None) -> OpenedEntry:
    try:
        return keystore.opened.key_entry(alias)
    except OpenStoreError as error:  # no key entry, or several and none chosen
        raise LastYearError(
            _("{file}: {error}", file=keystore.file_name, error=error),
            field="alias" if keystore.opened.key_entries else "last_year_files",
        ) from None


def _destination(
    found: Recognised, keystore: LastYearStore, truststore: LastYearStore
) -> DestinationConfig:
    """Last year's destination.json with the passwords that opened the stores (typed ones
    replace a wrong or missing one); without one, the stores' own names and no URL."""
    old = found.destination
    return DestinationConfig(
        url=old.url if old else "",
        method=old.method if old else "POST",
        keystore_file=old.keystore_file if old and old.keystore_file else keystore.file_name,
        keystore_pass=keystore.password,
        truststore_file=(
            old.truststore_file if old and old.truststore_file else truststore.file_name
        ),
        truststore_pass=truststore.password,
    )


def _print(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())
