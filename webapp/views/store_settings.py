"""What both settings forms ask of a store: its format, file name and one password.

The keystore and truststore steps read these fields by the same rules (issue 10: the two
files need different names; issue 14: the name follows the format, and PKCS#12 needs a
password Java 17 can use), so the rules are read here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Literal

from werkzeug.datastructures import MultiDict

from ..pki.java import StoreError, StoreFormat
from ..pki.java.file_names import FileNameError, check_distinct
from .passwords import password_errors
from .store_formats import saved_format, store_file_name, submitted_format
from .validation import FieldError, field, password_field

__all__ = ["StoreSettings", "read_store_settings"]


@dataclass
class StoreSettings:
    """The submitted format, file name and password of one store, with their errors."""

    fmt: StoreFormat
    filename: str | None  # None: refused (the error says why)
    password: str
    typed: bool  # a new password was typed (it replaces the saved one only if accepted)
    rejected: dict[str, str]  # password errors, by field
    errors: dict[str, str] = dataclass_field(default_factory=dict)  # all errors, by field


def read_store_settings(
    form: MultiDict[str, str],
    *,
    kind: Literal["keystore", "truststore"],
    saved_format_value: str,
    saved_password: str | None,
    other_file_name: str,
) -> StoreSettings:
    """Read `kind`'s format, file name and password fields; `other_file_name` is the other
    store's saved file name, which this one must not take."""
    errors: dict[str, str] = {}
    try:
        fmt = submitted_format(form.get(f"{kind}_format"), saved_format_value)
    except StoreError as exc:
        errors[f"{kind}_format"], fmt = str(exc), saved_format(saved_format_value)
    filename: str | None = None
    try:
        filename = store_file_name(field(form, f"{kind}_filename"), kind=kind, fmt=fmt)
    except FieldError as exc:
        errors[f"{kind}_filename"] = str(exc)
    try:  # issue 10, hole 5: two stores under one name would be one file on the platform
        if filename is not None:
            names = (
                (filename, other_file_name) if kind == "keystore" else (other_file_name, filename)
            )
            check_distinct(*names)
    except FileNameError as exc:
        errors[f"{kind}_filename"], filename = str(exc), None
    names_of = (f"{kind}_password", f"confirm_{kind}_password")
    password, confirm = (password_field(form, name) for name in names_of)
    typed = bool(password or confirm)
    rejected = password_errors(password, confirm, *names_of, required=not saved_password, fmt=fmt)
    if not typed and saved_password and not rejected:
        # PKCS#12 chosen over a saved password Java could not use with it (issue 14).
        rejected = password_errors(
            saved_password, saved_password, *names_of, required=False, fmt=fmt
        )
    errors.update(rejected)
    return StoreSettings(fmt, filename, password, typed, rejected, errors)
