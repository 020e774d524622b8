"""Distinguished names as people read them."""

from __future__ import annotations

from cryptography import x509

__all__ = ["first_attribute"]


def first_attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    """The first value of `oid` in `name` as text (bytes values decoded leniently)."""
    for attribute in name.get_attributes_for_oid(oid):
        value = attribute.value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return None
