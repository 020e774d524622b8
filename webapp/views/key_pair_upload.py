"""The key pair file of the keystore step's Import, as uploaded (or as kept after a wrong
password): its bytes, and the key pairs it holds or the errors beside the fields.
Out of views/keystore.py for its size (tests/test_code_size.py)."""

from __future__ import annotations

from flask import current_app

from ..pki.keyimport import (
    KeyPair,
    KeyPairError,
    PasswordRequiredError,
    PasswordTooLongError,
    WrongPasswordError,
    load_key_pairs,
)
from ..state import PendingUpload
from ..translation import N_, _
from ..web.sessions import load_state

__all__ = ["NO_FILE", "read_key_pairs", "submitted_files"]

NO_FILE = N_("Choose your key pair file (.p12, .pfx or .pem).")


def submitted_files(upload, extra) -> tuple[str, bytes, bytes, PendingUpload | None]:
    """The file's name and bytes (and the extra file's), or the kept ones when none was chosen."""
    data = upload.read() if upload else b""
    extra_data = extra.read() if extra else b""
    name = (upload.filename or "")[:200] if upload else ""
    kept = load_state().keystore.pending_upload
    if not data and not (upload and upload.filename) and kept is not None:
        name, data, extra_data = kept.name, kept.file_bytes(), kept.extra_bytes() or extra_data
    return name, data, extra_data, kept


def read_key_pairs(
    name: str, data: bytes, extra_data: bytes, password: str, chosen_name: bool
) -> tuple[list[KeyPair], dict[str, str], PendingUpload | None]:
    """The key pairs, the errors beside the fields, and the upload to keep for a retry."""
    if not data:
        missing = _(NO_FILE) if not chosen_name else _("This file is empty.")
        return [], {"key_file": missing}, None
    try:
        return load_key_pairs(data, password or None, extra=extra_data or None), {}, None
    except (PasswordRequiredError, WrongPasswordError, PasswordTooLongError) as exc:
        fits = len(data) + len(extra_data) <= current_app.config["MAX_CONTENT_LENGTH"]
        pending = PendingUpload.of(name, data, extra_data) if fits else None
        return [], {"key_password": str(exc)}, pending
    except KeyPairError as exc:
        return [], {"key_file": str(exc)}, None
