"""Step 1: import the user's key pair and build the keystore (JKS) from it."""

from __future__ import annotations

from flask import Blueprint, request

from ..audit import audit, certificate_facts
from ..pki.certs import certificates_from_pem
from ..pki.java import AliasError, suggest_alias, validate_alias
from ..pki.java.file_names import FileNameError, check_distinct
from ..pki.keyimport import (
    KeyPair,
    KeyPairError,
    PasswordRequiredError,
    PasswordTooLongError,
    WrongPasswordError,
    load_key_pairs,
)
from ..sessions import load_state, rotate_session, update_state
from ..state import KeystoreState, State
from . import audit_facts
from ._htmx import done, render_wizard
from .files import attachment, certificate_file, keystore_file
from .live import render_live
from .own_chain import completed_candidate
from .passwords import password_errors
from .validation import FieldError, clean_file_name, field, password_field

bp = Blueprint("keystore", __name__, url_prefix="/keystore")

NO_FILE = "Choose your key pair file (.p12, .pfx or .pem)."


@bp.post("/import")
def import_key_pair():
    """Read the uploaded key pair file with its password and keep what it holds."""
    upload = request.files.get("key_file")
    extra = request.files.get("key_file_extra")
    password = password_field(request.form, "key_password")
    data = upload.read() if upload else b""
    extra_data = extra.read() if extra else b""
    errors: dict[str, str] = {}
    pairs: list[KeyPair] = []
    if not data:
        errors["key_file"] = NO_FILE if not (upload and upload.filename) else "This file is empty."
    else:
        try:
            pairs = load_key_pairs(data, password or None, extra=extra_data or None)
        except (PasswordRequiredError, WrongPasswordError, PasswordTooLongError) as exc:
            errors["key_password"] = str(exc)
        except KeyPairError as exc:
            errors["key_file"] = str(exc)
    if errors:
        return render_wizard(errors=errors, focus="step-keystore")

    # Each chain completed as far as we can (issue 11): a leaf alone is no keystore to ship.
    candidates = [completed_candidate(pair) for pair in pairs]

    def keep(state: State) -> None:
        state.current = "keystore"
        state.keystore = KeystoreState(
            candidates=candidates,
            selected=0,
            source_name=(upload.filename or "")[:200] if upload else "",
            alias=suggest_alias(pairs[0].certificate),
            filename=state.keystore.filename or "keystore.jks",
        )

    update_state(keep)
    rotate_session()  # a new token once a key is held: a planted one opens nothing (issue 10)
    audit("keypair.imported", file=(upload.filename or "")[:200] if upload else "",
          certificates=certificate_facts(pair.certificate for pair in pairs))
    return done("step-keystore")


@bp.post("/select")
def select_key_pair():
    """Choose which of several key entries in the file goes into the keystore."""
    try:
        index = int(request.form.get("candidate", "0"))
    except ValueError:
        index = 0

    def choose(state: State) -> None:
        saved = state.keystore
        if 0 <= index < len(saved.candidates):
            saved.selected = index
            saved.alias = suggest_alias(certificates_from_pem(saved.candidates[index].chain[0])[0])

    update_state(choose)
    return done("step-keystore")


@bp.post("/reset")
def reset_key_pair():
    """Forget the imported key pair so another file can be imported."""
    def forget(state: State) -> None:
        state.keystore = KeystoreState()
        state.current = "keystore"

    update_state(forget)
    return done("step-keystore")


@bp.post("/settings")
def save_settings():
    """Alias, one password and file name; live=1 while the user types (no error noise)."""
    live = request.args.get("live") == "1"
    form = request.form
    errors: dict[str, str] = {}
    alias = filename = None
    try:
        alias = validate_alias(field(form, "alias"))
    except AliasError as exc:
        errors["alias"] = str(exc)
    try:
        filename = clean_file_name(field(form, "keystore_filename"), default="keystore.jks", extension=".jks")
    except FieldError as exc:
        errors["keystore_filename"] = str(exc)
    try:  # issue 10, hole 5: two stores under one name would be one file on the platform
        if filename is not None:
            check_distinct(filename, load_state().truststore.filename or "truststore.jks")
    except FileNameError as exc:
        errors["keystore_filename"], filename = str(exc), None
    password = password_field(form, "keystore_password")
    confirm = password_field(form, "confirm_keystore_password")
    saved = load_state().keystore
    typed = bool(password or confirm)
    rejected = password_errors(password, confirm, "keystore_password", "confirm_keystore_password",
                               required=not saved.password)
    errors.update(rejected)

    def keep(state: State) -> None:
        ks = state.keystore
        if alias is not None:
            ks.alias = alias
        if filename is not None:
            ks.filename = filename
        if typed and not rejected:
            # A new password replaces the old one only once it is valid and confirmed; until
            # then the saved one stays, so a typo (or a half-typed live preview) never
            # throws away a finished keystore.
            ks.password = password

    if not live and not saved.candidates:
        errors["key_file"] = "Import your key pair file first."
    update_state(keep)
    if live:
        return render_live("keystore")
    if errors:
        values = {"alias": field(form, "alias"), "keystore_filename": field(form, "keystore_filename")}
        return render_wizard(errors=errors, values=values, focus="step-keystore")
    return done("step-keystore")


@bp.get("/download")
def download_keystore():
    """The keystore (JKS): one private-key entry with the full chain, one password."""
    built = keystore_file(load_state())
    if built is None:
        return _not_ready("Set an alias and a keystore password first, then download the keystore.")
    audit("keystore.downloaded", file=built[0], **audit_facts.keystore())
    return attachment(built, "application/octet-stream")


@bp.get("/certificate")
def download_certificate():
    """The user's own certificate (public part only), to mail to the partner's administrator."""
    built = certificate_file(load_state())
    if built is None:
        return _not_ready("Import your key pair file first.")
    audit("certificate.downloaded", file=built[0], **audit_facts.keystore())
    return attachment(built, "application/x-pem-file")


def _not_ready(message: str):
    # 409 for a plain link (the page explains); htmx swaps any status in htmx 4.
    return render_wizard(errors={"keystore_download": message}, focus="step-keystore", status=409)
