"""The one rule for store passwords, shared by the keystore and truststore steps."""

from __future__ import annotations

from ..pki.java import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, StoreFormat
from .store_formats import format_password_problem


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
        return (
            {field: f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."}
            if required
            else {}
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        # keytool refuses shorter store passwords, and so does the platform's Java.
        return {field: f"Use at least {MIN_PASSWORD_LENGTH} characters."}
    if len(password) > MAX_PASSWORD_LENGTH:
        return {field: f"Use at most {MAX_PASSWORD_LENGTH} characters."}
    if (problem := format_password_problem(password, fmt)) is not None:
        # Beside the password, before the confirmation check: retyping it would not help.
        return {field: problem}
    if password != confirmation:
        return {confirm_field: "The two passwords do not match. Type the same password twice."}
    return {}
