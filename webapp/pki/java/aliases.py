"""Entry names (aliases) in Java keystores: suggesting one, and the rules one must follow.

One rule decides what Java can store (`fits_java_keystore`); the wizard's checks
(`validate_alias`, with a sentence per mistake) and the store builder's last check
(`stores.check_alias`) both apply it, so an alias accepted on the page is never refused
when the keystore is built.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from cryptography import x509
from cryptography.x509.oid import NameOID

from webapp.pki.certs.names import first_attribute

__all__ = [
    "ALIAS_MAX_LENGTH",
    "AliasError",
    "alias_from_store",
    "fits_java_keystore",
    "normalise_alias",
    "suggest_alias",
    "validate_alias",
]

# Long enough for any sensible name; keeps the keytool -list output and our UI readable.
ALIAS_MAX_LENGTH = 64


class AliasError(ValueError):
    """The alias the user typed cannot be used; str() is a sentence for the user."""


def normalise_alias(alias: str) -> str:
    """The alias as a JKS file holds it: trimmed and lower-case.

    Java's JKS looks entries up by alias.toLowerCase(Locale.ENGLISH) but does not lower-case
    what it reads, so a stored upper-case alias could never be found.
    """
    return alias.strip().lower()


def fits_java_keystore(alias: str) -> bool:
    """True if Java can store and read back this (normalised) alias.

    Java writes aliases in "modified UTF-8" (DataOutputStream.writeUTF), pyjks in plain UTF-8;
    they differ beyond U+FFFF (emoji), and Java's readUTF then rejects the file. Unprintable
    characters (controls, zero-width) would make keytool -list output misleading.
    """
    return all(ord(char) <= 0xFFFF and char.isprintable() for char in alias)


def suggest_alias(cert: x509.Certificate, *, taken: Iterable[str] = ()) -> str:
    """A readable keystore alias from the certificate's name, unique among `taken`."""
    name = (
        first_attribute(cert.subject, NameOID.COMMON_NAME)
        or first_attribute(cert.subject, NameOID.ORGANIZATION_NAME)
        or ""
    )
    # Keytool lower-cases aliases; transliterate accents so "Müller" stays readable.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9._-]+", "-", ascii_name.lower().strip())
    base = base[:ALIAS_MAX_LENGTH].strip("-") or "certificate"
    used = {normalise_alias(alias) for alias in taken}
    candidate, number = base, 1
    while candidate in used:
        number += 1
        suffix = f"-{number}"
        candidate = base[: ALIAS_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return candidate


def alias_from_store(alias: str | None, cert: x509.Certificate) -> str:
    """The alias an opened store gave this entry if validate_alias accepts it, else one
    suggested from the certificate. Issue 19: the raw alias (CR/LF, bidi controls, 300
    characters) went into the alias field and the request's file name."""
    try:
        return validate_alias(alias or "")
    except AliasError:
        return suggest_alias(cert)


def validate_alias(alias: str) -> str:
    """The alias as it will be stored (stripped, lower-case), or AliasError saying why not."""
    normalised = normalise_alias(alias)
    if not normalised:
        raise AliasError("Enter a name (alias) for this entry.")
    if len(normalised) > ALIAS_MAX_LENGTH:
        raise AliasError(f"The alias is too long. Use at most {ALIAS_MAX_LENGTH} characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in normalised):
        raise AliasError("The alias cannot contain tabs, line breaks or other control characters.")
    if not fits_java_keystore(normalised):
        raise AliasError("Use letters, digits, spaces and punctuation in the alias.")
    return normalised
