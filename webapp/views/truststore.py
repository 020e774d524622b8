"""Step 2: collect the partner's certificate chain (fetched or uploaded) into a truststore."""

from __future__ import annotations

import logging

from flask import Blueprint, request

from ..pki.certs import CertificateParseError, certificate_pem
from ..pki.java import AliasError, alias_used_above, validate_alias
from ..pki.partner import (
    FetchError,
    collect_partner_chain,
)
from ..state import FetchReport, State, TrustChoice, TrustedCertificate
from ..translation import _
from ..web.limits import limit_fetches
from ..web.ops.audit import audit, certificate_facts, outcome_code
from ..web.outbound import settings
from ..web.sessions import load_state, update_state
from . import audit_facts
from .certificates import chosen_files, uploaded_certificates
from .files import attachment, truststore_file
from .live_preview import render_live
from .plan_cache import truststore_plan
from .plans import NO_PARTNER_CERTIFICATES, NONE_INCLUDED, TruststorePlan
from .rendering import done, render_wizard
from .store_formats import file_name_for
from .store_settings import StoreSettings, read_store_settings
from .trust_changes import recommend_new
from .truststore_refusal import refusal
from .validation import field
from .view_models import TruststoreView, truststore_view

bp = Blueprint("truststore", __name__, url_prefix="/truststore")
log = logging.getLogger(__name__)

# A truststore for one partner holds a handful of certificates; hundreds means a mistake
# (or abuse), and every one of them is parsed on each page view.
MAX_CERTIFICATES = 50


@bp.post("/fetch")
@limit_fetches  # per client address and per session (issue 10, hole 8)
def fetch_certificates():
    """Connect to the partner's server and collect the certificates it presents."""
    raw = field(request.form, "server_url")
    error = None
    chain = None
    try:
        outbound = settings()  # the same Settings mtls-kit reads (issue 20, item 9)
        chain = collect_partner_chain(
            raw,
            policy=outbound.policy,
            extra_roots=outbound.extra_roots,
            connect_timeout=outbound.timeout,
            handshake_timeout=outbound.timeout,
        )
    except FetchError as exc:
        # The detail (an OpenSSL or socket message) is for operators, never the page.
        log.info("fetch failed: %s", type(exc).__name__)
        error = str(exc)
        audit("partner.fetched", partner=raw.strip()[:200], outcome=outcome_code(exc))
    if error is not None or chain is None:
        return render_wizard(
            errors={"server_url": refusal(error, raw)},
            values={"server_url": raw},
            focus="step-truststore",
        )
    certs = [
        TrustedCertificate(certificate_pem(c.certificate), c.source) for c in chain.certificates
    ]

    def keep(state: State) -> None:
        ts = state.truststore
        # Uploads and last year's truststore (issue 13) stay: a fetch replaces only what the
        # server sent before.
        uploaded = [c for c in ts.certs if c.source in ("upload", "old truststore")]
        ts.certs = (certs + uploaded)[:MAX_CERTIFICATES]
        ts.fetch = FetchReport(
            url=chain.url,
            host=chain.host,
            port=chain.port,
            address=chain.address,
            sent=chain.sent,
            warnings=list(chain.warnings),
        )
        recommend_new(state)  # after opening last year's truststore (issue 13)
        state.current = "truststore"

    update_state(keep)
    audit(
        "partner.fetched",
        partner=raw.strip()[:200],
        partner_host=chain.host,
        partner_port=chain.port,
        outcome="ok",
        certificates=certificate_facts(c.certificate for c in chain.certificates),
    )
    return done("step-truststore")


@bp.post("/upload")
def upload_certificates():
    """Add every certificate of the uploaded files (PEM, DER, PKCS#7), without duplicates."""
    error, found = None, []
    try:
        found = uploaded_certificates("cert_files")
    except CertificateParseError as exc:
        error = str(exc)
    if not chosen_files("cert_files"):
        error = _("Choose one or more certificate files (.pem, .crt, .cer, .der or .p7b).")
    saved = load_state().truststore.certs
    if error is None and len(saved) + len(found) > MAX_CERTIFICATES:
        error = _(
            "A truststore can hold at most {limit} certificates here.", limit=MAX_CERTIFICATES
        )
    if error is not None:
        return render_wizard(errors={"cert_files": error}, focus="step-truststore")
    pems = [certificate_pem(c) for c in found]

    def keep(state: State) -> None:
        ts = state.truststore
        ts.certs = [*ts.certs, *(TrustedCertificate(p, "upload") for p in pems)]
        recommend_new(state)  # after opening last year's truststore (issue 13)
        state.current = "truststore"

    update_state(keep)
    return done("step-truststore")


@bp.post("/settings")
def save_settings():
    """Which certificates, their aliases, the password and file name; live=1 while typing."""
    live = request.args.get("live") == "1"
    form = request.form
    view = truststore_view(load_state())
    choices, seen, errors = _read_choices(form, view)
    saved = load_state().truststore
    chosen = read_store_settings(
        form,
        kind="truststore",
        saved_format_value=saved.format,
        saved_password=saved.password if view.has_password else None,
        other_file_name=load_state().keystore.filename or "keystore.jks",
    )
    errors.update(chosen.errors)
    if view.entries and not seen:
        errors["certificates"] = _(NONE_INCLUDED)
    keep = _keep_settings(choices, chosen, errors, live)
    if not live and not view.entries:
        errors["server_url"] = _(NO_PARTNER_CERTIFICATES)
    state = update_state(keep)
    if live:
        return render_live("truststore")
    if not errors and isinstance(plan := truststore_plan(state), list):
        # e.g. only the user's own chain included (issue 20): said beside the certificates.
        errors.update({p.field: p.message for p in plan if p.field == "certificates"})
    if errors:
        return _show_settings_errors(form, view, choices, chosen, errors)
    return done("step-truststore")


def _read_choices(
    form, view: TruststoreView
) -> tuple[dict[str, TrustChoice], dict[str, str], dict[str, str]]:
    """Each certificate's alias and include box as submitted: the choices by fingerprint, the
    included aliases (alias -> fingerprint) and the errors beside the aliases."""
    errors: dict[str, str] = {}
    choices: dict[str, TrustChoice] = {}
    seen: dict[str, str] = {}
    for entry in view.entries:
        key = entry.key
        include = form.get(f"include-{key}") == "on"
        raw_alias = field(form, f"alias-{key}")
        try:
            alias = validate_alias(raw_alias) if raw_alias.strip() else entry.alias
        except AliasError as exc:
            errors[f"alias-{key}"] = str(exc)
            alias = entry.alias
        if include and alias in seen:
            errors[f"alias-{key}"] = alias_used_above(alias)
        if include:
            seen[alias] = entry.fingerprint
        choices[entry.fingerprint] = TrustChoice(alias=alias, include=include)
    return choices, seen, errors


def _keep_settings(
    choices: dict[str, TrustChoice], chosen: StoreSettings, errors: dict[str, str], live: bool
):
    """The state change for the truststore's settings; it reads `errors` when it runs, so the
    ones the caller adds before update_state count too."""
    fmt, filename, password = chosen.fmt, chosen.filename, chosen.password
    typed, rejected = chosen.typed, chosen.rejected

    def keep(state: State) -> None:
        ts = state.truststore
        if not any(k.startswith("alias-") for k in errors):
            ts.choices = choices
        if "truststore_format" not in errors:
            ts.format = fmt.value
        # The name follows the format even when the typed one was refused (issue 14).
        ts.filename = filename or file_name_for(ts.filename, kind="truststore", fmt=fmt)
        if typed and not rejected:
            # As in the keystore step: an invalid new password keeps the saved one.
            ts.password = password
        if not live:
            # "Create truststore" worked: fold it (its summary keeps the download) and bring
            # the Finish step into view; with a problem the step stays open to show it.
            done_ = not errors and isinstance(truststore_plan(state), TruststorePlan)
            state.current = "finish" if done_ else "truststore"

    return keep


def _show_settings_errors(
    form,
    view: TruststoreView,
    choices: dict[str, TrustChoice],
    chosen: StoreSettings,
    errors: dict[str, str],
):
    """The truststore step again, with the errors and the choices as typed."""
    # Show the choices as typed: an error about "x" beside a field showing "y" confuses.
    shown = {
        f"alias-{e.key}": field(form, f"alias-{e.key}")
        for e in view.entries
        if f"alias-{e.key}" in form
    }
    shown.update(
        {f"include-{e.key}": "on" if choices[e.fingerprint].include else "" for e in view.entries}
    )
    filename = chosen.filename
    shown_name = filename if filename is not None else field(form, "truststore_filename")
    return render_wizard(
        errors=errors,
        focus="step-truststore",
        values={**shown, "truststore_filename": shown_name, "truststore_format": chosen.fmt.value},
    )


@bp.get("/download")
def download_truststore():
    """The truststore (JKS or PKCS#12): only trusted-certificate entries."""
    built = truststore_file(load_state())
    if built is None:
        return render_wizard(
            errors={
                "truststore_download": _("Choose the certificates and a truststore password first.")
            },
            focus="step-truststore",
            status=409,
        )
    audit("truststore.downloaded", file=built[0], **audit_facts.truststore())
    return attachment(built, "application/octet-stream")
