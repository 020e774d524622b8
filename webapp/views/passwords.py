"""The store password fields of the keystore and truststore steps, checked by the core's rule.

The rule (lengths, what PKCS#12 allows, the retyped copy) lives in `pki.java`; here its
field-keyed `PasswordError` becomes a sentence beside the form field it names.
"""

from __future__ import annotations

from ..pki.java import CHOOSE_PASSWORD, PasswordError, StoreFormat, check_store_password
from ..translation import _


def password_errors(
    password: str,
    confirmation: str,
    field: str,
    confirm_field: str,
    *,
    required: bool,
    fmt: StoreFormat = StoreFormat.JKS,
) -> dict[str, str]:
    """Plain-language errors keyed by field; empty when the pair is usable (or not needed)."""
    if not password and not confirmation:
        return {field: _(CHOOSE_PASSWORD)} if required else {}
    try:
        check_store_password(password, confirmation, fmt)
    except PasswordError as exc:
        return {confirm_field if exc.field == "confirmation" else field: str(exc)}
    return {}
