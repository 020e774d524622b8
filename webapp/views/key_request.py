"""Issue 13: make a new key pair here and its certificate request (CSR) for the CA.

The key stays in the keystore step with a placeholder certificate until the CA's reply is
imported (views/renewal.py); a new key for last year's opened keystore keeps its alias,
password, file name and format, so the platform's settings stay the same.
"""

from __future__ import annotations

from flask import Blueprint, request

from ..pki.java import safe_file_name, suggest_alias
from ..pki.keyimport import KEY_TYPES, RequestFieldError, generate_key_and_request
from ..state import KeystoreState, State
from ..translation import N_, _
from ..web.ops.audit import audit, certificate_facts
from ..web.sessions import load_state, rotate_session, update_state
from . import audit_facts
from .files import attachment
from .own_chain import candidate_of
from .rendering import done, render_wizard
from .validation import field

bp = Blueprint("key_request", __name__)

GENERATED_NAME = N_("your new key pair")


@bp.app_context_processor
def key_types() -> dict:
    return {"key_types": KEY_TYPES}


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
            source_name=_(GENERATED_NAME),
            alias=old.alias if renewing else suggest_alias(pair.certificate),
            filename=old.filename or "keystore.jks",
            password=old.password if renewing else None,
            request_pem=csr,
            # Renewing keeps what the platform reads (issue 20): last year's store, its format.
            opened=old.opened,
            format=old.format,
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
            errors={"request_download": _("Generate a new key pair first.")},
            focus="step-keystore",
            status=409,
        )
    audit("request.downloaded", **audit_facts.keystore())
    # The alias may be an opened store's: "../../evil", "con", CR/LF (issue 19).
    name = safe_file_name(saved.alias or "", fallback="request.csr", extension=".csr")
    return attachment((name, saved.request_pem.encode()), "application/pkcs10")
