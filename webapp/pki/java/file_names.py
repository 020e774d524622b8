"""File names for the stores, the certificate and the zip members: one rule, never raw input.

The names end up as zip member names, in Content-Disposition headers, in destination.json
and on the platform's file system (often Windows). Issue 10, hole 5: a typed alias became a
zip member ("../../x", "/etc/cron.d/evil", "..\\\\..\\\\windows\\\\evil"), "CON.jks" was
accepted, and the keystore and truststore could share one name (two zip members of that
name, a config whose keystoreFile equals its truststoreFile). The web app and the CLI both
use this module.
"""

from __future__ import annotations

import re

from webapp.translation import _

__all__ = [
    "MAX_FILE_NAME",
    "RESERVED_WINDOWS_NAMES",
    "FileNameError",
    "check_distinct",
    "clean_file_name",
    "safe_file_name",
]

# Short enough for any file system, long enough for a descriptive name.
MAX_FILE_NAME = 100
# Letters, digits and a few punctuation marks; it must start with a letter or digit, so no
# ".", "..", hidden files or leading spaces; no slash or backslash can ever appear.
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]*$")
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()-]+")
_DASH_RUNS = re.compile(r"[.-]*-[.-]*")  # what is left of "/../": one dash
_DOT_RUNS = re.compile(r"\.{2,}")
# Windows refuses these as a file's name whatever the extension ("CON.jks" is the console).
# https://learn.microsoft.com/windows/win32/fileio/naming-a-file
RESERVED_WINDOWS_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)


class FileNameError(ValueError):
    """A file name we cannot use; str() is the sentence to show beside the field."""


def clean_file_name(raw: str, *, default: str, extension: str) -> str:
    """A safe file name ending in `extension` (".jks") from what the user typed; empty means
    `default`. Refuses (FileNameError) rather than silently changing what was typed."""
    name = raw.strip()
    if not name:
        return default
    if len(name) > MAX_FILE_NAME:
        raise FileNameError(_("Use a file name of at most {max} characters.", max=MAX_FILE_NAME))
    if not _FILE_NAME.match(name):
        raise FileNameError(_("Use only letters, digits, spaces, dots, dashes and underscores."))
    if not name.lower().endswith(extension):
        name += extension
    if _reserved(name):
        raise FileNameError(
            _(
                "“{name}” is a name Windows reserves for a device. Choose another file name.",
                name=name,
            )
        )
    return name


def safe_file_name(raw: str, *, fallback: str, extension: str = "") -> str:
    """A safe name derived from anything (an alias, a saved value): never raises.

    Unsafe characters become "-", leading dots, dashes and spaces go, the length is capped,
    reserved Windows names get a "-file" suffix; nothing usable left gives `fallback`.
    """
    stem = raw[: -len(extension)] if extension and raw.lower().endswith(extension) else raw
    stem = _UNSAFE.sub("-", stem)
    stem = _DOT_RUNS.sub(".", _DASH_RUNS.sub("-", stem)).lstrip(" .-").rstrip(" .")
    stem = stem[: MAX_FILE_NAME - len(extension)].rstrip(" .")
    if not stem or not _FILE_NAME.match(stem):
        return fallback
    name = stem + extension
    return name if not _reserved(name) else f"{stem}-file{extension}"


def check_distinct(keystore_name: str, truststore_name: str) -> None:
    """The keystore and truststore need two files: refuse one name for both (ignoring case,
    as Windows and macOS file systems do)."""
    if keystore_name.strip().lower() == truststore_name.strip().lower():
        raise FileNameError(_("The keystore and the truststore need different file names."))


def _reserved(name: str) -> bool:
    # Windows ignores everything from the first dot, and trailing spaces, for this check.
    return name.split(".", 1)[0].rstrip(" ").upper() in RESERVED_WINDOWS_NAMES
