"""What can go wrong when opening last year's files: each error names the field to ask for.

A page asks only for what is missing or wrong (issue 21: "asks for them only when they are
missing or wrong"), so every error carries `field`, the form field the view puts its sentence
beside, and str() is that sentence.
"""

from __future__ import annotations

from typing import Literal

from webapp.pki.java.rules import StoreError
from webapp.translation import N_, _

__all__ = [
    "FIELD_LABELS",
    "Field",
    "LastYearError",
    "LastYearFilesError",
    "NotRenewedError",
    "PasswordMissingError",
    "PasswordWrongError",
]

# The form fields a renewal can ask for. The values are the form field names (contracts with
# the browser tests); the labels say in the sentence which password is meant (marked with
# N_: translated where the sentence is made; the CLI prints them in English).
Field = Literal[
    "last_year_files",
    "keystore_password",
    "truststore_password",
    "key_password",
    "alias",
    "url",
    "new_key_file",
]
FIELD_LABELS: dict[str, str] = {
    "keystore_password": N_("keystore password"),
    "truststore_password": N_("truststore password"),
    "key_password": N_("key password"),
}


class LastYearError(StoreError):
    """Last year's files cannot be used as given; `field` says which input to fix."""

    def __init__(self, message: str, *, field: Field = "last_year_files") -> None:
        super().__init__(message)
        self.field: Field = field


class LastYearFilesError(LastYearError):
    """The files themselves: an unreadable or hostile zip, a missing or damaged store."""


class PasswordMissingError(LastYearError):
    """destination.json does not hold this password (or there is no destination.json)."""

    def __init__(self, field: Field, file_name: str, *, have_config: bool = True) -> None:
        self.file_name = file_name
        names = {"what": _(FIELD_LABELS[field]), "file": file_name}
        message = (
            _("Enter the {what} of {file}: destination.json does not hold it.", **names)
            if have_config
            else _("Enter the {what} of {file}: there is no destination.json.", **names)
        )
        super().__init__(message, field=field)


class PasswordWrongError(LastYearError):
    """The password (typed, or from destination.json) does not open the store."""

    def __init__(self, field: Field, file_name: str, *, typed: bool) -> None:
        self.file_name = file_name
        names = {"what": _(FIELD_LABELS[field]), "file": file_name}
        super().__init__(
            _("This {what} does not open {file}.", **names)
            if typed
            else _(
                "The password in destination.json does not open {file}. Enter its {what}.", **names
            ),
            field=field,
        )


class NotRenewedError(LastYearError):
    """The new key pair file holds last year's certificate (or one no newer): nothing renewed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="new_key_file")
