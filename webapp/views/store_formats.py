"""The store format choice of issue 14 (JKS or PKCS#12), shared by the keystore and
truststore steps: which format a form asked for, the file name that goes with it, and the
password rule PKCS#12 adds.

The saved file name always ends in its format's extension: a platform (or a person) that
finds "keystore.jks" holding PKCS#12 bytes is misled, and strict Java setups refuse it.
"""

from __future__ import annotations

from ..pki.java import (
    PasswordError,
    StoreError,
    StoreFormat,
    check_store_password,
    default_file_name,
    safe_file_name,
    store_format,
    with_format_extension,
)
from ..pki.java.stores import StoreKind
from ..translation import N_, _
from .validation import clean_file_name

__all__ = [
    "file_name_for",
    "format_password_problem",
    "saved_format",
    "store_file_name",
    "submitted_format",
]

# The extensions a store name may have; PKCS#12 files are also called .pfx (Windows).
_STORE_EXTENSIONS = (".jks", ".p12", ".pfx")
BAD_FORMAT = N_("Choose JKS or PKCS#12.")


def saved_format(value: str) -> StoreFormat:
    """The saved format; never raises (a value this code does not know reads as JKS)."""
    try:
        return store_format(value or "jks")
    except StoreError:
        return StoreFormat.JKS


def submitted_format(raw: str | None, saved: str) -> StoreFormat:
    """The format a form chose; a form without the field (an older page) keeps the saved one.
    StoreError for anything else, whose str() is the sentence to show."""
    if raw is None or not raw.strip():
        return saved_format(saved)
    if raw.strip().lower() not in {f.value for f in StoreFormat}:
        raise StoreError(_(BAD_FORMAT))
    return store_format(raw)


def _fits(name: str, fmt: StoreFormat) -> bool:
    lowered = name.lower()
    return lowered.endswith(fmt.extension) or (
        fmt is StoreFormat.PKCS12 and lowered.endswith(".pfx")
    )


def store_file_name(raw: str, *, kind: StoreKind, fmt: StoreFormat) -> str:
    """What the user typed as a file name, for a store of format `fmt` (FieldError if unusable).

    Empty gives the format's default; a name ending in the other format's extension (the
    default, or the name we suggested, before the user switched format) takes this one's.
    """
    name = raw.strip()
    if name and not _fits(name, fmt) and name.lower().endswith(_STORE_EXTENSIONS):
        name = with_format_extension(name, fmt)
    extension = (
        ".pfx" if fmt is StoreFormat.PKCS12 and name.lower().endswith(".pfx") else fmt.extension
    )
    return clean_file_name(name, default=default_file_name(kind, fmt), extension=extension)


def file_name_for(saved: str, *, kind: StoreKind, fmt: StoreFormat) -> str:
    """The saved name if it fits the format, else the same name with the format's extension.
    Never raises: the plan and the page use it on whatever was saved."""
    name = saved or default_file_name(kind, fmt)
    if _fits(name, fmt):
        return name
    return safe_file_name(
        with_format_extension(name, fmt),
        fallback=default_file_name(kind, fmt),
        extension=fmt.extension,
    )


def format_password_problem(password: str, fmt: StoreFormat) -> str | None:
    """Why a (length-checked) password cannot protect a store of this format, or None."""
    try:
        check_store_password(password, password, fmt)
    except PasswordError as exc:
        return str(exc)
    return None
