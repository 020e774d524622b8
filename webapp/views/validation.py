"""Checks on what users type that are not PKI: file names, field lengths."""

from __future__ import annotations

import re

# Short enough for any file system, long enough for a descriptive name.
MAX_FILE_NAME = 100
# Letters, digits and a few punctuation marks: the name ends up in a Content-Disposition
# header and on the platform's file system.
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]*$")
# A field longer than this is not a password or an alias anyone types.
MAX_FIELD = 1000


class FieldError(ValueError):
    """A value a user typed that we cannot use; str() is the sentence to show them."""


def clean_file_name(raw: str, *, default: str, extension: str) -> str:
    """Return a safe file name ending in `extension` (".jks"); empty means the default."""
    name = raw.strip()
    if not name:
        return default
    if len(name) > MAX_FILE_NAME:
        raise FieldError(f"Use a file name of at most {MAX_FILE_NAME} characters.")
    if not _FILE_NAME.match(name):
        raise FieldError("Use only letters, digits, spaces, dots, dashes and underscores.")
    if not name.lower().endswith(extension):
        name += extension
    return name


def field(form, name: str) -> str:
    """A form field, capped in length (abuse is refused by the caller's validation)."""
    value = form.get(name, "")
    return value if len(value) <= MAX_FIELD else value[:MAX_FIELD + 1]
