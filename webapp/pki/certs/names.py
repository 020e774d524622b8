"""Distinguished names as people read them."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

from webapp.translation import _

__all__ = ["first_attribute", "plain_name"]


def first_attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    """The first value of `oid` in `name` as text (bytes values decoded leniently)."""
    for attribute in name.get_attributes_for_oid(oid):
        value = attribute.value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return None


def plain_name(name: x509.Name) -> str:
    """ "Name (Organisation)" as people say it; the full distinguished name goes in details.

    Falls back on the organisation, then the organisational unit, then the distinguished name
    itself, so every certificate gets some readable label (issue 12).
    """
    common = first_attribute(name, NameOID.COMMON_NAME)
    organisation = first_attribute(name, NameOID.ORGANIZATION_NAME)
    if common and organisation and organisation != common:
        return f"{common} ({organisation})"
    return (
        common
        or organisation
        or first_attribute(name, NameOID.ORGANIZATIONAL_UNIT_NAME)
        or name.rfc4514_string()
        or _("(no name)")
    )
