"""Entry names (aliases) in Java keystores: suggesting one, and the rules one must follow.

One rule decides what an alias may be (`alias_problem`, a sentence per mistake); the wizard
(`validate_alias`), the command line and the store builders' last check (`rules.check_alias`)
all apply it, so an alias accepted on the page is never refused when the store is built.
`repeated_aliases` is the one "aliases must be unique" rule, for the page and the builders.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence

from cryptography import x509
from cryptography.x509.oid import NameOID

from webapp.pki.certs.names import first_attribute
from webapp.translation import N_, _

__all__ = [
    "ALIAS_MAX_LENGTH",
    "AliasError",
    "alias_from_store",
    "alias_problem",
    "alias_used_above",
    "fits_java_keystore",
    "normalise_alias",
    "repeated_aliases",
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


def alias_problem(alias: str) -> str | None:
    """Why `alias` cannot name an entry (a sentence for the user, in their language), or
    None if it can."""
    problem = _alias_problem(alias)
    return None if problem is None else _(problem, max=ALIAS_MAX_LENGTH)


@functools.lru_cache(maxsize=1024)
def _alias_problem(alias: str) -> str | None:
    """alias_problem's sentence in English (N_), translated by the caller.

    Cached: every request plans both stores, and the check walks the alias character by
    character. The cache holds no one's language: it is translated after.
    """
    normalised = normalise_alias(alias)
    if not normalised:
        return N_("Enter a name (alias) for this entry.")
    if len(normalised) > ALIAS_MAX_LENGTH:
        return N_("The alias is too long. Use at most {max} characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in normalised):
        return N_("The alias cannot contain tabs, line breaks or other control characters.")
    if not fits_java_keystore(normalised):
        return N_("Use letters, digits, spaces and punctuation in the alias.")
    return None


def validate_alias(alias: str) -> str:
    """The alias as it will be stored (stripped, lower-case), or AliasError saying why not."""
    problem = alias_problem(alias)
    if problem is not None:
        raise AliasError(problem)
    return normalise_alias(alias)


def repeated_aliases(aliases: Sequence[str]) -> list[int]:
    """The positions whose alias (as stored) an earlier position already has: one store
    cannot hold two entries of one name (keytool refuses, pyjks overwrites)."""
    seen: set[str] = set()
    repeated = []
    for position, alias in enumerate(aliases):
        stored = normalise_alias(alias)
        if stored in seen:
            repeated.append(position)
        seen.add(stored)
    return repeated


def alias_used_above(alias: str) -> str:
    """The sentence for an alias that `repeated_aliases` found."""
    return _(
        "The alias “{alias}” is already used above. Aliases must be unique.",
        alias=normalise_alias(alias),
    )
