"""Checks on what users type that are not PKI: file names, field lengths."""

from __future__ import annotations

from ..pki.java import MAX_FILE_NAME, FileNameError
from ..pki.java import clean_file_name as _core_clean_file_name

__all__ = ["MAX_FIELD", "MAX_FILE_NAME", "FieldError", "clean_file_name", "field", "password_field"]
# A field longer than this is not a password or an alias anyone types.
MAX_FIELD = 1000


class FieldError(ValueError):
    """A value a user typed that we cannot use; str() is the sentence to show them."""


def clean_file_name(raw: str, *, default: str, extension: str) -> str:
    """Return a safe file name ending in `extension` (".jks"); empty means the default.
    The rule lives in the core (pki/java/file_names.py), shared with the CLI."""
    try:
        return _core_clean_file_name(raw, default=default, extension=extension)
    except FileNameError as exc:
        raise FieldError(str(exc)) from None


def password_field(form, name: str) -> str:
    """A password exactly as typed, never cut: the core refuses one over its documented cap
    (pki.java.MAX_PASSWORD_LENGTH, pki.keyimport.MAX_KEY_FILE_PASSWORD_LENGTH) in words.
    Its size is already bounded by the form limits (config.MAX_FORM_MEMORY_SIZE)."""
    return form.get(name, "")


def field(form, name: str) -> str:
    """A form field, capped in length (abuse is refused by the caller's validation).
    Not for passwords: a cut password is a different password (use password_field)."""
    value = form.get(name, "")
    return value if len(value) <= MAX_FIELD else value[: MAX_FIELD + 1]
