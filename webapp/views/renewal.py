"""Issue 13, keystore side: open last year's keystore, renew its key with the CA's reply, or
make a new key and a certificate request; and the expiry reminder of the finished files.

An opened key entry becomes the keystore step's key pair with the old alias, password and file
name, so the platform's settings stay the same; the normal steps then build from it.
"""

from __future__ import annotations

from cryptography import x509
from flask import Blueprint, request

from ..pki.certs import CertificateParseError, certificate_pem, certificates_from_pem
from ..pki.java import (
    MIN_PASSWORD_LENGTH,
    CaReplyError,
    KeyPasswordRequiredError,
    NoKeyEntryError,
    OpenedEntry,
    OpenedStore,
    OpenStoreError,
    StorePasswordError,
    WrongKeyPasswordError,
    alias_from_store,
    apply_ca_reply,
    open_store,
    safe_file_name,
    suggest_alias,
)
from ..pki.keyimport import (
    KEY_TYPES,
    KeyPair,
    KeyPairError,
    RequestFieldError,
    generate_key_and_request,
)
from ..state import KeyPairCandidate, KeystoreState, OpenedStoreEntry, OpenedStoreState, State
from ..web.ops.audit import audit, certificate_facts
from ..web.outbound import root_store
from ..web.sessions import load_state, rotate_session, update_state
from . import audit_facts
from .files import attachment, reminder_file
from .rendering import done, render_wizard
from .validation import FieldError, clean_file_name, field

bp = Blueprint("renewal", __name__)

NO_STORE = "Choose last year's keystore (.jks, .p12 or .pfx)."
GENERATED_NAME = "your new key pair"


@bp.app_context_processor
def key_types() -> dict:
    return {"key_types": KEY_TYPES}


def candidate_of(pair: KeyPair) -> KeyPairCandidate:
    return KeyPairCandidate(
        bundle=pair.to_pem_bundle(),
        chain=[certificate_pem(c) for c in pair.chain],
        source_alias=pair.source_alias,
    )


def opened_state(name: str, store: OpenedStore) -> OpenedStoreState:
    return OpenedStoreState(
        name=name,
        store_type=store.store_type,
        entries=[
            OpenedStoreEntry(e.alias, e.kind, [certificate_pem(c) for c in e.chain])
            for e in store.entries
        ],
    )


def kept_file_name(uploaded: str, default: str) -> str:
    """The old store's file name, so the platform's config need not change; a .p12 name gets
    .jks instead (we write JKS), anything unusable the default."""
    name = uploaded.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name.lower().endswith((".p12", ".pfx")):
        name = name[:-4]
    try:
        return clean_file_name(name, default=default, extension=".jks")
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
        errors[file_field] = "This file is empty." if name else missing
    elif not password:
        errors[password_field] = "Type the password of this store."
    else:
        try:
            store = open_store(data, password, key_password=key_password or None)
        except (StorePasswordError, KeyPasswordRequiredError) as exc:
            errors[password_field] = str(exc)
        except WrongKeyPasswordError as exc:
            errors["existing_key_password"] = str(exc)
        except OpenStoreError as exc:
            errors[file_field] = str(exc)
    return store, name, password, errors


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
        ask = (
            bool(key_password)
            or "has its own password" in errors.get("existing_keystore_password", "")
            or "existing_key_password" in errors
        )
        return render_wizard(
            errors=errors,
            focus="step-keystore",
            values={"open_keystore": "1", "ask_key_password": "1" if ask else ""},
        )
    opened = opened_state(name, store)

    def keep(state: State) -> None:
        state.current = "keystore"
        state.keystore = KeystoreState(
            candidates=[candidate_of(pair) for pair in pairs],
            selected=0,
            source_name=name,
            alias=alias_from_store(pairs[0].source_alias, pairs[0].certificate),
            filename=kept_file_name(name, "keystore.jks"),
            password=kept_password(password),
            opened=opened,
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
    upload = request.files.get("ca_reply")
    data = upload.read() if upload else b""
    saved = load_state().keystore
    chosen = saved.chosen
    error = None
    renewed = None
    if chosen is None:
        error = "Open your keystore first, then import the CA's reply into it."
    elif not data:
        error = "Choose the certificate file the CA sent back (.pem, .crt, .cer, .der or .p7b)."
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
            renewed = apply_ca_reply(entry, data, roots=roots, extra_roots=_trusted(saved))
        except (CertificateParseError, CaReplyError, KeyPairError) as exc:
            error = str(exc)
    if error is not None or renewed is None:
        return render_wizard(errors={"ca_reply": error or "Try again."}, focus="step-keystore")

    def keep(state: State) -> None:
        ks = state.keystore
        ks.candidates = [candidate_of(renewed)]
        ks.selected = 0
        ks.request_pem = ""  # answered: the page stops offering the request
        ks.source_name = ks.source_name or "your keystore"
        state.current = "keystore"

    rotate_session()  # before the key is written: a planted token opens nothing (issue 19)
    update_state(keep)
    audit(
        "careply.imported",
        file=(upload.filename or "")[:200] if upload else "",
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


@bp.post("/keystore/generate")
def generate_key():
    """Make a key pair here and its certificate request for the CA."""
    form = request.form
    values = {
        name: field(form, name) for name in ("organisation", "common_name", "country", "key_type")
    }
    try:
        generated = generate_key_and_request(
            organisation=values["organisation"],
            common_name=values["common_name"],
            country=values["country"],
            key_type=values["key_type"] or "rsa3072",
        )
    except RequestFieldError as exc:
        return render_wizard(
            errors={exc.field: str(exc)}, values={**values, "generate": "1"}, focus="step-keystore"
        )
    pair = generated.key_pair
    csr = generated.csr_pem.decode()

    def keep(state: State) -> None:
        state.current = "keystore"
        old = state.keystore
        # A new key for last year's keystore keeps its alias, password and file name, like
        # a new key pair file does; the CA's reply is then imported into that keystore.
        renewing = old.opened is not None
        state.keystore = KeystoreState(
            candidates=[candidate_of(pair)],
            selected=0,
            source_name=GENERATED_NAME,
            alias=old.alias if renewing else suggest_alias(pair.certificate),
            filename=old.filename or "keystore.jks",
            password=old.password if renewing else None,
            request_pem=csr,
        )

    rotate_session()  # before the key is written: a planted token opens nothing (issue 19)
    update_state(keep)
    audit("keypair.generated", certificates=certificate_facts([pair.certificate]))
    return done("step-keystore")


@bp.get("/keystore/request.csr")
def download_request():
    """The certificate request (PKCS#10, PEM) to send to the certificate authority."""
    saved = load_state().keystore
    if not saved.request_pem:
        return render_wizard(
            errors={"request_download": "Generate a new key pair first."},
            focus="step-keystore",
            status=409,
        )
    audit("request.downloaded", **audit_facts.keystore())
    # The alias may be an opened store's: "../../evil", "con", CR/LF (issue 19).
    name = safe_file_name(saved.alias or "", fallback="request.csr", extension=".csr")
    return attachment((name, saved.request_pem.encode()), "application/pkcs10")


@bp.get("/finish/reminder.ics")
def download_reminder():
    """A calendar reminder 30 days before the first certificate expires."""
    built = reminder_file(load_state())
    if built is None:
        return render_wizard(
            errors={"finish": "Finish the keystore and truststore steps first."},
            focus="step-finish",
            status=409,
        )
    audit("reminder.downloaded", file=built[0])
    return attachment(built, "text/calendar")
