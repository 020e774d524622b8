"""Step 1: import the user's key pair, build the keystore, download it and the certificate.

Completing the chain with the user's own files ("Chain files") is views/chain_files.py."""

from __future__ import annotations

from flask import Blueprint, request

from ..pki.certs import certificates_from_pem
from ..pki.java import AliasError, alias_from_store, readiness, suggest_alias, validate_alias
from ..pki.keyimport import KeyPair
from ..state import KeystoreState, PendingUpload, State
from ..translation import N_, _
from ..web.ops.audit import audit, certificate_facts
from ..web.sessions import load_state, rotate_session, update_state
from . import audit_facts
from .files import attachment, certificate_chain_file, certificate_file, keystore_file
from .key_pair_upload import read_key_pairs, submitted_files
from .live_preview import render_live
from .own_chain import completed_candidate
from .plan_cache import keystore_plan, truststore_plan
from .plans import (
    NO_KEY_PAIR,
    KeystorePlan,
    TruststorePlan,
    alone_problem,
    is_placeholder,
    validity_problem,
)
from .rendering import done, render_wizard
from .store_formats import file_name_for
from .store_settings import StoreSettings, read_store_settings
from .validation import field, password_field

bp = Blueprint("keystore", __name__, url_prefix="/keystore")

NOT_SET = N_("Set an alias and a keystore password first, then download the keystore.")
NOT_SENDABLE = N_("Your certificate is a placeholder: import the CA's reply before you send it.")


@bp.post("/import")
def import_key_pair():
    """Read the uploaded key pair file with its password and keep what it holds.

    A file that failed only on its password is kept (encrypted, in the vault), so the retry
    is "type the right password, click Import" without choosing the file again.
    """
    upload = request.files.get("key_file")
    chosen_name = bool(upload and upload.filename)
    name, data, extra_data, kept = submitted_files(upload, request.files.get("key_file_extra"))
    password = password_field(request.form, "key_password")
    pairs, errors, pending = read_key_pairs(name, data, extra_data, password, chosen_name)
    if errors:
        return _refuse_import(errors, pending, kept)
    # Each chain completed as far as we can (issue 11): a leaf alone is no keystore to ship.
    candidates = [completed_candidate(pair) for pair in pairs]
    # A new token before the key is written: a planted one opens nothing (issues 10, 19).
    rotate_session()
    update_state(_keep_imported(candidates, pairs, name))
    audit(
        "keypair.imported",
        file=name,
        certificates=certificate_facts(pair.certificate for pair in pairs),
    )
    return done("step-keystore")


def _refuse_import(
    errors: dict[str, str], pending: PendingUpload | None, kept: PendingUpload | None
):
    """Keep (or forget) the file that failed on its password, then show the errors."""

    def remember(state: State) -> None:
        if not state.keystore.candidates:  # an imported key pair is never replaced here
            state.keystore.pending_upload = pending

    if pending is not None:
        rotate_session()  # the kept file holds the key: never under a planted token
    if pending is not None or kept is not None:
        update_state(remember)
    return render_wizard(errors=errors, focus="step-keystore")


def _keep_imported(candidates, pairs: list[KeyPair], name: str):
    """The state change that makes the imported key pairs the keystore's candidates."""

    def keep(state: State) -> None:
        state.current = "keystore"
        # Renewing an opened keystore (issue 13): the new key pair replaces its entry under
        # the old alias, password and file name, so the platform's settings stay the same.
        opened = state.keystore.opened
        state.keystore = KeystoreState(
            candidates=candidates,
            selected=0,
            source_name=name,
            alias=state.keystore.alias if opened else suggest_alias(pairs[0].certificate),
            filename=state.keystore.filename or "keystore.jks",
            password=state.keystore.password if opened else None,
            opened=opened,
            format=state.keystore.format,  # a new key pair, the same platform
        )

    return keep


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
            saved.validity_confirmed = False  # confirmed for the other certificate, not this one
            saved.alone_confirmed = False
            chosen = saved.candidates[index]
            leaf = certificates_from_pem(chosen.chain[0])[0]
            if saved.opened and chosen.source_alias:  # an opened keystore keeps its aliases
                saved.alias = alias_from_store(chosen.source_alias, leaf)
            else:
                saved.alias = suggest_alias(leaf)

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
    """Alias, one password, format and file name; live=1 while the user types (no error noise)."""
    live = request.args.get("live") == "1"
    form = request.form
    errors: dict[str, str] = {}
    alias = None
    saved = load_state().keystore
    try:
        alias = validate_alias(field(form, "alias"))
    except AliasError as exc:
        errors["alias"] = str(exc)
    chosen = read_store_settings(
        form,
        kind="keystore",
        saved_format_value=saved.format,
        saved_password=saved.password,
        other_file_name=load_state().truststore.filename or "truststore.jks",
    )
    errors.update(chosen.errors)
    keep = _keep_settings(form, chosen, alias, errors, live)
    if not live and not saved.candidates:
        errors["key_file"] = _(NO_KEY_PAIR)
    state = update_state(keep)
    if not live and (problem := validity_problem(state)) is not None:
        errors["validity_confirmed"] = _(
            "{problem} Tick the box to create the keystore anyway.", problem=problem
        )
    if not live and alone_problem(state) is not None:  # explained above the Chain files
        errors[readiness.ALONE_FIELD] = _(readiness.ALONE_NOT_CHOSEN)
    if live:
        return render_live("keystore")
    if errors:
        return _show_settings_errors(form, chosen, errors)
    return done("step-keystore")


def _keep_settings(
    form, chosen: StoreSettings, alias: str | None, errors: dict[str, str], live: bool
):
    """The state change for the keystore's settings; it reads `errors` when it runs, so the
    ones the caller adds before update_state count too."""
    fmt, filename, password = chosen.fmt, chosen.filename, chosen.password
    typed, rejected = chosen.typed, chosen.rejected
    asked = form.get("validity_asked") == "1"
    confirmed = form.get("validity_confirmed") == "on"
    alone_asked = form.get("chain_alone_asked") == "1"
    alone = form.get(readiness.ALONE_FIELD) == "on"

    def keep(state: State) -> None:
        ks = state.keystore
        if asked:
            ks.validity_confirmed = confirmed
        if alone_asked:
            ks.alone_confirmed = alone
        if alias is not None:
            ks.alias = alias
        if "keystore_format" not in errors:
            ks.format = fmt.value
        # The name follows the format even when the typed one was refused (issue 14).
        ks.filename = filename or file_name_for(ks.filename, kind="keystore", fmt=fmt)
        if typed and not rejected:
            # A new password replaces the old one only once it is valid and confirmed; until
            # then the saved one stays, so a typo (or a half-typed live preview) never
            # throws away a finished keystore.
            ks.password = password
        if not live and not errors and isinstance(keystore_plan(state), KeystorePlan):
            # "Create keystore" worked: the step folds into its summary (downloads included)
            # and the next unfinished step is the next thing in view.
            done_ = isinstance(truststore_plan(state), TruststorePlan)
            state.current = "finish" if done_ else "truststore"

    return keep


def _show_settings_errors(form, chosen: StoreSettings, errors: dict[str, str]):
    """The keystore step again, with the errors and the values as typed."""
    filename = chosen.filename
    shown_name = filename if filename is not None else field(form, "keystore_filename")
    values = {
        "alias": field(form, "alias"),
        "keystore_filename": shown_name,
        "keystore_format": chosen.fmt.value,
    }
    return render_wizard(errors=errors, values=values, focus="step-keystore")


@bp.get("/download")
def download_keystore():
    """The keystore (JKS or PKCS#12): one private-key entry with the full chain, one password."""
    # The keystore that keeps a generated key until the CA answers may be downloaded
    # (issue 20): it is the only copy of the new key, but it is never "ready".
    built = keystore_file(load_state(), keep_placeholder=True)
    if built is None:
        return _not_ready(NOT_SET)
    audit("keystore.downloaded", file=built[0], **audit_facts.keystore())
    return attachment(built, "application/octet-stream")


@bp.get("/certificate-chain.pem")
def download_certificate_chain():
    """What the partner needs from the user: their certificate and the ones above it, one PEM.
    Public only: safe to mail."""
    state = load_state()
    built = certificate_chain_file(state)
    if built is None:
        return _not_ready(NOT_SENDABLE if is_placeholder(state) else NO_KEY_PAIR)
    audit("certificate.downloaded", file=built[0], **audit_facts.keystore())
    return attachment(built, "application/x-pem-file")


@bp.get("/certificate")
def download_certificate():
    """The user's own certificate (public part only), to mail to the partner's administrator."""
    state = load_state()
    built = certificate_file(state)
    if built is None:
        return _not_ready(NOT_SENDABLE if is_placeholder(state) else NO_KEY_PAIR)
    audit("certificate.downloaded", file=built[0], **audit_facts.keystore())
    return attachment(built, "application/x-pem-file")


def _not_ready(message: str):
    # 409 for a plain link (the page explains); htmx swaps any status in htmx 4.
    return render_wizard(
        errors={"keystore_download": _(message)}, focus="step-keystore", status=409
    )
