"""Issue 13, keystore side: open last year's keystore, renew its key with the CA's reply.

A new key and its certificate request for the CA are made in views/key_request.py; reading
the uploaded store, and what is kept of it, is views/opened_store.py.

An opened key entry becomes the keystore step's key pair with the old alias, password and file
name, so the platform's settings stay the same; the normal steps then build from it.
"""

from __future__ import annotations

from cryptography import x509
from flask import Blueprint, request

from ..pki.certs import CertificateParseError, certificates_from_pem
from ..pki.java import (
    CaReplyError,
    NoKeyEntryError,
    OpenedEntry,
    OpenStoreError,
    alias_from_store,
    apply_ca_reply,
)
from ..pki.keyimport import KeyPair, KeyPairError
from ..state import KeystoreState, State
from ..translation import N_, _
from ..web.ops.audit import audit, certificate_facts
from ..web.outbound import root_store
from ..web.sessions import load_state, rotate_session, update_state
from .opened_store import (
    ASK_KEY_PASSWORD,
    kept_file_name,
    kept_format,
    kept_password,
    opened_state,
    read_store,
)
from .own_chain import completed_candidate
from .rendering import done, render_wizard
from .validation import field

bp = Blueprint("renewal", __name__)

NO_STORE = N_("Choose last year's keystore (.jks, .p12 or .pfx).")
MAX_REPLY_FILES = 10  # a reply and its chain; more is a mistake


@bp.post("/keystore/open")
def open_keystore():
    """Open last year's keystore; its key entry becomes the key pair, alias and password kept."""
    key_password = field(request.form, "existing_key_password")
    store, name, password, errors = read_store(
        "existing_keystore",
        "existing_keystore_password",
        missing=NO_STORE,
        key_password=key_password,
    )
    own_key_password = errors.pop(ASK_KEY_PASSWORD, None) is not None
    pairs: list[KeyPair] = []
    if store is not None:
        try:
            if not store.key_entries:
                raise NoKeyEntryError()
            pairs = [
                KeyPair(e.private_key, e.certificate, e.chain, e.alias)
                for e in store.key_entries
                if e.private_key is not None
            ]
        except OpenStoreError as exc:
            errors["existing_keystore"] = str(exc)
        except KeyPairError as exc:
            errors["existing_keystore"] = str(exc)
    if errors or store is None:
        ask = bool(key_password) or own_key_password or "existing_key_password" in errors
        return render_wizard(
            errors=errors,
            focus="step-keystore",
            values={"open_keystore": "1", "ask_key_password": "1" if ask else ""},
        )
    opened = opened_state(name, store)
    # The same chain completion as an import (issue 20: one rule for every path); outside
    # the state update, as it may download an issuer.
    candidates = [completed_candidate(pair) for pair in pairs]

    def keep(state: State) -> None:
        state.current = "keystore"
        state.keystore = KeystoreState(
            candidates=candidates,
            selected=0,
            source_name=name,
            alias=alias_from_store(pairs[0].source_alias, pairs[0].certificate),
            filename=kept_file_name(name, "keystore", kept_format(store)),
            password=kept_password(password),
            opened=opened,
            format=kept_format(store).value,
        )

    rotate_session()  # before the key is written: a planted token opens nothing (issue 19)
    update_state(keep)
    audit(
        "keystore.opened", file=name, certificates=certificate_facts(p.certificate for p in pairs)
    )
    return done("step-keystore")


@bp.post("/keystore/ca-reply")
def import_ca_reply():
    """Put the CA's signed certificate (and chain) into the key entry, as keytool does."""
    # Several files at once (issue 20): the signed certificate and its chain, as CAs send them.
    uploads = [f for f in request.files.getlist("ca_reply") if f][:MAX_REPLY_FILES]
    files = [data for data in (f.read() for f in uploads) if data]
    saved = load_state().keystore
    chosen = saved.chosen
    error = None
    renewed = None
    if chosen is None:
        error = _("Open your keystore first, then import the CA's reply into it.")
    elif not files:
        error = _("Choose the certificate file the CA sent back (.pem, .crt, .cer, .der or .p7b).")
    else:
        try:
            pair = KeyPair.from_pem_bundle(chosen.bundle)
            entry = OpenedEntry(
                chosen.source_alias or saved.alias,
                "PrivateKeyEntry",
                tuple(pair.chain),
                pair.private_key,
            )
            roots = root_store()
            renewed = apply_ca_reply(
                entry, files, roots=roots, extra_roots=_trusted(saved), partial=True
            )
        except (CertificateParseError, CaReplyError, KeyPairError) as exc:
            error = str(exc)
    if error is not None or renewed is None:
        return render_wizard(errors={"ca_reply": error or _("Try again.")}, focus="step-keystore")
    # A reply without the certificates above it is completed the way an imported key pair is
    # (issue 20): the files, the roots, AIA; if its issuer stays missing, the user may choose
    # to send it alone.
    candidate = completed_candidate(renewed)

    def keep(state: State) -> None:
        ks = state.keystore
        ks.candidates = [candidate]
        ks.alone_confirmed = False
        ks.validity_confirmed = False
        ks.selected = 0
        ks.request_pem = ""  # answered: the page stops offering the request
        ks.source_name = ks.source_name or _("your keystore")
        state.current = "keystore"

    rotate_session()  # before the key is written: a planted token opens nothing (issue 19)
    update_state(keep)
    audit(
        "careply.imported",
        file=", ".join((f.filename or "")[:200] for f in uploads),
        certificates=certificate_facts(renewed.chain),
    )
    return done("step-keystore")


def _trusted(saved: KeystoreState) -> list[x509.Certificate]:
    """The opened keystore's trusted certificates: keytool completes a reply's chain from them."""
    if saved.opened is None:
        return []
    return [
        certificates_from_pem(e.chain[0])[0]
        for e in saved.opened.entries
        if e.kind == "trustedCertEntry" and e.chain
    ]
