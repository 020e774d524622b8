"""Issue 11: prove the connection before the user leaves.

- POST /connection/test: mutual TLS to the Destination URL with exactly what the user will
  deploy (the keystore plan's key pair, only the truststore plan's certificates as anchors),
  through the outbound policy, timeouts and rate limit of the fetch. The result is saved in
  the state (it survives a reload and goes into the zip's README).
- GET /connection/partner-kit: the user's certificate chain, its details and an email text,
  for the partner's administrator.
- POST /connection/chain-files: the intermediate certificates of a key pair imported
  without them ("Chain files").
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, request

from ..pki.certs import CertificateParseError, certificates_from_pem, parse_certificates
from ..pki.keyimport import KeyPair, KeyPairError
from ..pki.partner import (
    ConnectionTestResult,
    FetchError,
    build_partner_kit,
    parse_target,
    test_connection,
)
from ..pki.partner.wording import SENT_REQUEST
from ..state import ConnectionTest, State
from ..web.limits import limit_outbound
from ..web.ops.audit import audit
from ..web.outbound import settings
from ..web.sessions import load_state, update_state
from .certificates import certificate
from .files import attachment
from .own_chain import completed_candidate
from .rendering import done, render_wizard
from .validation import MAX_FIELD, field
from .wizard import Wizard

bp = Blueprint("connection", __name__, url_prefix="/connection")
log = logging.getLogger(__name__)

NOT_READY = "Finish the keystore and truststore steps first, then test the connection."
NO_URL = "Type the partner's address (for example https://partner.example/in) first."
NO_KEY_PAIR = "Import your key pair file first."
NO_CHAIN_FILES = "Choose the certificate files of your certificate authority (.pem, .crt or .cer)."
MAX_CHAIN_FILES = 10


@bp.app_context_processor
def sent_request() -> dict:
    """What the test sends, said beside Test connection (the words live in the PKI core)."""
    return {"sent_request": SENT_REQUEST}


@bp.post("/test")
@limit_outbound("dest_url", "step-finish")
def run_test():
    """Test mutual TLS against the Destination URL (typed in the form, else the saved one)."""
    typed = field(request.form, "dest_url").strip() if "dest_url" in request.form else None
    if typed is not None and (len(typed) > MAX_FIELD or any(ord(ch) < 32 for ch in typed)):
        return _beside_url("This address is too long or contains invalid characters.", typed)
    # The state is written once, after the test (issue 18): with the typed URL, and the
    # result when there is one. What the test used is judged on the state as it will be.
    wizard = Wizard(_with_url(load_state(), typed))
    url = wizard.fin.url.strip()
    ks, ts = wizard.ks.plan, wizard.ts.plan
    if ks is None or ts is None:
        return _keep_url(typed, render_wizard, errors={"finish": NOT_READY}, status=409)
    if not url:
        return _keep_url(typed, _beside_url, NO_URL, "")
    try:
        key_pair = KeyPair.from_pem_bundle(ks.candidate.bundle)
    except KeyPairError:
        log.warning("connection test: saved key pair unreadable")
        return _keep_url(typed, render_wizard, errors={"finish": NOT_READY}, status=409)
    outbound = settings()  # the same Settings mtls-kit reads (issue 20, item 9)
    try:
        result = test_connection(
            url,
            key_pair=key_pair,
            trust_anchors=[certificate(e.pem) for e in ts.entries],
            policy=outbound.policy,
            connect_timeout=outbound.timeout,
            handshake_timeout=outbound.timeout,
        )
    except FetchError as exc:  # not a server address: the plain sentence beside the field
        return _keep_url(typed, _beside_url, str(exc), url)
    if result.log_detail:
        log.info("connection test %s: %s", result.outcome, result.log_detail)
    saved = _saved(result, wizard.connection.basis)

    def keep(state: State) -> None:
        _with_url(state, typed)
        state.connection_test = saved
        state.current = "finish"

    update_state(keep)
    target = parse_target(result.url)
    audit(
        "connection.tested",
        partner_host=target.host,
        partner_port=target.port,
        outcome=result.outcome,
    )
    return done("step-finish")


def _with_url(state: State, typed: str | None) -> State:
    """`state` with the typed Destination URL (on the state the request works on)."""
    if typed is not None:
        state.destination.url = typed
    return state


def _keep_url(typed: str | None, answer, *args, **kwargs):
    """Save a typed URL even when the test cannot run, then answer."""
    if typed is not None:

        def keep(state: State) -> None:
            _with_url(state, typed)
            state.current = "finish"

        update_state(keep)
    if answer is render_wizard:
        return render_wizard(focus="step-finish", **kwargs)
    return answer(*args, **kwargs)


@bp.get("/partner-kit")
def partner_kit():
    """What the partner's administrator needs to accept the user's certificate (no key)."""
    state = load_state()
    chosen = state.keystore.chosen
    if chosen is None or not chosen.chain:
        # Beside the key pair file field: without an import there is no result area yet.
        return render_wizard(errors={"key_file": NO_KEY_PAIR}, focus="step-keystore", status=409)
    chain = [certificate(pem) for pem in chosen.chain]
    data = build_partner_kit(chain, destination_url=Wizard(state).fin.url)
    return attachment(("partner-kit.zip", data), "application/zip")


@bp.post("/chain-files")
def add_chain_files():
    """Complete the imported key pair's chain with the certificates the user uploads."""
    files = [f for f in request.files.getlist("chain_files") if f and f.filename]
    state = load_state()
    chosen = state.keystore.chosen
    if chosen is None:
        return render_wizard(errors={"key_file": NO_KEY_PAIR}, focus="step-keystore")
    error = NO_CHAIN_FILES if not files else None
    found = []
    for upload in files[:MAX_CHAIN_FILES]:
        try:
            found.extend(parse_certificates(upload.read()))
        except CertificateParseError as exc:
            error = f"{(upload.filename or '')[:100]}: {exc}"
            break
    if error is not None:
        return render_wizard(errors={"chain_files": error}, focus="step-keystore")
    try:
        pair = KeyPair.from_pem_bundle(chosen.bundle)
    except KeyPairError:
        return render_wizard(errors={"chain_files": NO_KEY_PAIR}, focus="step-keystore")
    already = [c for pem in chosen.chain[1:] for c in certificates_from_pem(pem)]
    completed = completed_candidate(pair, chain_files=[*already, *found])
    if completed.chain_problem:
        return render_wizard(
            errors={
                "chain_files": "None of these certificates issued yours. " + completed.chain_problem
            },
            focus="step-keystore",
        )
    index = state.keystore.candidates.index(chosen)

    def keep(state: State) -> None:
        candidates = state.keystore.candidates
        if index < len(candidates) and candidates[index].bundle == chosen.bundle:
            candidates[index] = completed
        state.current = "keystore"

    update_state(keep)
    return done("step-keystore")


def _beside_url(message: str, typed: str):
    return render_wizard(
        errors={"dest_url": message}, values={"dest_url": typed}, focus="step-finish"
    )


def _saved(result: ConnectionTestResult, basis: str) -> ConnectionTest:
    return ConnectionTest(
        tested_at=result.tested_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        url=result.url,
        outcome=result.outcome,
        headline=result.headline,
        next_step=result.next_step,
        detail=result.detail,
        acceptable_issuers=list(result.acceptable_issuers),
        your_issuer=result.your_issuer or "",
        alert=result.alert or "",
        missing_certificate=result.missing_certificate or "",
        tls_version=result.tls_version or "",
        basis=basis,
    )
