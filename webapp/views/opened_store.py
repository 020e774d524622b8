"""Last year's store, uploaded and opened (issues 13 and 20): read the upload with its
password, save what it holds, and keep what the platform reads of it — its format, its exact
file name and its password — so the renewed store drops in without a config change.

Used by both sides of renewal: the keystore (views/renewal.py) and the truststore
(views/truststore_update.py), and by the renewal from last year's files (views/last_year.py).
"""

from __future__ import annotations

from flask import request

from ..pki.certs import certificate_pem
from ..pki.java import (
    MIN_PASSWORD_LENGTH,
    KeyPasswordRequiredError,
    OpenedStore,
    OpenStoreError,
    StoreFormat,
    StorePasswordError,
    WrongKeyPasswordError,
    default_file_name,
    open_store,
)
from ..pki.java.stores import StoreKind
from ..state import OpenedStoreEntry, OpenedStoreState
from ..translation import _
from .validation import FieldError, clean_file_name, field

# In read_store's errors when the key has its own password: the form then asks for it
# (a code, not the sentence: that is in the user's language).
ASK_KEY_PASSWORD = "ask_key_password"


def opened_state(name: str, store: OpenedStore) -> OpenedStoreState:
    """What is saved of the opened store: its entries' aliases, kinds and certificates."""
    return OpenedStoreState(
        name=name,
        store_type=store.store_type,
        entries=[
            OpenedStoreEntry(e.alias, e.kind, [certificate_pem(c) for c in e.chain])
            for e in store.entries
        ],
    )


def kept_format(store: OpenedStore) -> StoreFormat:
    """The opened store's format: the platform reads that one (issue 20)."""
    return StoreFormat.PKCS12 if store.store_type == "PKCS12" else StoreFormat.JKS


def kept_file_name(uploaded: str, kind: StoreKind, fmt: StoreFormat) -> str:
    """The old store's exact file name, so the platform's config need not change (issue 20:
    last-year.p12 stays last-year.p12, in PKCS#12); a name that cannot be used (or one whose
    extension does not fit the format) gives the format's default name."""
    name = uploaded.replace("\\", "/").rsplit("/", 1)[-1].strip()
    default = default_file_name(kind, fmt)
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    allowed = (".jks",) if fmt is StoreFormat.JKS else (".p12", ".pfx")
    try:
        return clean_file_name(
            name, default=default, extension=extension if extension in allowed else fmt.extension
        )
    except FieldError:
        return default


def kept_password(password: str) -> str | None:
    return password if len(password) >= MIN_PASSWORD_LENGTH else None


def read_store(file_field: str, password_field: str, *, missing: str, key_password: str = ""):
    """(store, file name, password, errors) for the uploaded store; errors keyed by field."""
    upload = request.files.get(file_field)
    data = upload.read() if upload else b""
    name = (upload.filename or "")[:200] if upload else ""
    password = field(request.form, password_field)
    errors: dict[str, str] = {}
    store = None
    if not data:
        errors[file_field] = _("This file is empty.") if name else _(missing)
    elif not password:
        errors[password_field] = _("Type the password of this store.")
    else:
        try:
            store = open_store(data, password, key_password=key_password or None)
        except KeyPasswordRequiredError as exc:
            errors[password_field] = str(exc)
            errors[ASK_KEY_PASSWORD] = ""  # renewal.py asks for it; no field shows this key
        except StorePasswordError as exc:
            errors[password_field] = str(exc)
        except WrongKeyPasswordError as exc:
            errors["existing_key_password"] = str(exc)
        except OpenStoreError as exc:
            errors[file_field] = str(exc)
    return store, name, password, errors
