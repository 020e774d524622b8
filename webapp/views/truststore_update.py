"""Issue 13, truststore side: open last year's truststore so its certificates, with their old
aliases, join the ones fetched or uploaded now; the page then shows what changed."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint

from ..pki.certs import certificate_pem
from ..pki.java import RECOMMENDATIONS, STATUS_LABELS, alias_problem
from ..state import State, TrustChoice, TrustedCertificate
from ..translation import N_, _
from ..web.ops.audit import audit, certificate_facts
from ..web.sessions import load_state, update_state
from .certificates import certificate, fingerprint
from .opened_store import (
    ASK_KEY_PASSWORD,
    kept_file_name,
    kept_format,
    kept_password,
    opened_state,
    read_store,
)
from .rendering import done, render_wizard
from .trust_changes import OLD_SOURCE, OWN_ADVICE, OWN_LABEL
from .truststore import MAX_CERTIFICATES

bp = Blueprint("truststore_update", __name__, url_prefix="/truststore")

NO_STORE = N_("Choose last year's truststore (.jks, .p12 or .pfx).")
NO_CERTIFICATES = N_(
    "This store holds no trusted certificates. Choose last year's truststore, not the keystore."
)


@bp.app_context_processor
def change_labels() -> dict:
    return {
        "status_labels": {status: _(label) for status, label in STATUS_LABELS.items()},
        "recommendations": {status: _(text) for status, text in RECOMMENDATIONS.items()},
        "own_label": _(OWN_LABEL),
        "own_advice": _(OWN_ADVICE),
    }


@bp.post("/open")
def open_truststore():
    """Open last year's truststore; keep its certificates' aliases, file name and password."""
    store, name, password, errors = read_store(
        "existing_truststore", "existing_truststore_password", missing=NO_STORE
    )
    errors.pop(ASK_KEY_PASSWORD, None)
    if store is not None and not store.trusted_entries:
        errors["existing_truststore"] = _(NO_CERTIFICATES)
    current = [c for c in load_state().truststore.certs if c.source != OLD_SOURCE]
    if store is not None and len(current) + len(store.trusted_entries) > MAX_CERTIFICATES:
        errors["existing_truststore"] = _(
            "This store holds {count} certificates; a truststore here can hold at most "
            "{limit}. Choose the truststore for this partner.",
            count=len(store.trusted_entries),
            limit=MAX_CERTIFICATES,
        )
    if errors or store is None:
        return render_wizard(
            errors=errors, focus="step-truststore", values={"open_truststore": "1"}
        )
    opened = opened_state(name, store)
    now = dt.datetime.now(dt.UTC)
    old = []
    for entry in store.trusted_entries:
        old.append((certificate_pem(entry.certificate), entry.alias.strip().lower()))

    def keep(state: State) -> None:
        ts = state.truststore
        ts.certs = [c for c in ts.certs if c.source != OLD_SOURCE]
        ts.certs += [TrustedCertificate(pem, OLD_SOURCE) for pem, _alias in old]
        taken = {c.alias for c in ts.choices.values()}
        for pem, alias in old:
            print_ = fingerprint(pem)
            if print_ in ts.choices:
                continue
            expired = certificate(pem).not_valid_after_utc < now
            # Expired ones are left out (they secure nothing); the rest is kept until the
            # partner has switched over. Duplicate aliases get a fresh suggestion.
            usable = alias not in taken and alias_problem(alias) is None
            ts.choices[print_] = TrustChoice(alias=alias if usable else "", include=not expired)
            taken.add(alias)
        ts.opened = opened
        ts.filename = kept_file_name(name, "truststore", kept_format(store))
        ts.format = kept_format(store).value  # the platform reads this format (issue 20)
        ts.password = kept_password(password) or ts.password
        state.current = "truststore"

    update_state(keep)
    audit(
        "truststore.opened",
        file=name,
        certificates=certificate_facts(e.certificate for e in store.trusted_entries),
    )
    return done("step-truststore")
