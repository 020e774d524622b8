"""Issue 11: prove the connection before the user leaves.

- POST /connection/test: mutual TLS to the Destination URL with exactly what the user will
  deploy (the keystore plan's key pair, only the truststore plan's certificates as anchors),
  through the outbound policy, timeouts and rate limit of the fetch. The result is saved in
  the state (it survives a reload and goes into the zip's README).
- GET /connection/partner-kit: the user's certificate chain, its details and an email text,
  for the partner's administrator.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, request

from ..pki.java.destination_url import DestinationUrlError, check_destination_url
from ..pki.keyimport import KeyPair, KeyPairError
from ..pki.partner import (
    ConnectionTestResult,
    FetchError,
    build_partner_kit,
    parse_target,
    partner_email,
    test_connection,
)
from ..pki.partner.wording import SENT_REQUEST
from ..state import ConnectionTest, State
from ..translation import N_, _
from ..web.limits import limit_outbound
from ..web.ops.audit import audit
from ..web.outbound import settings
from ..web.sessions import load_state, update_state
from .certificates import certificate
from .files import attachment
from .plans import NO_KEY_PAIR, sendable_chain
from .rendering import done, render_wizard
from .validation import field
from .wizard import Wizard

bp = Blueprint("connection", __name__, url_prefix="/connection")
log = logging.getLogger(__name__)

NOT_READY = N_("Finish the keystore and truststore steps first, then test the connection.")
NO_URL = N_("Type the partner's address (for example https://partner.example/in) first.")


@bp.app_context_processor
def sent_request() -> dict:
    """What the test sends, said beside Test connection (the words live in the PKI core)."""
    return {"sent_request": _(SENT_REQUEST)}


@bp.post("/test")
@limit_outbound("dest_url", "step-finish")
def run_test():
    """Test mutual TLS against the Destination URL (typed in the form, else the saved one)."""
    typed = field(request.form, "dest_url").strip() if "dest_url" in request.form else None
    if typed is not None:
        try:
            typed = check_destination_url(typed)  # the one URL rule (issue 20)
        except DestinationUrlError as exc:
            return _beside_url(str(exc), typed)
    # The state is written once, after the test (issue 18): with the typed URL, and the
    # result when there is one. What the test used is judged on the state as it will be.
    wizard = Wizard(_with_url(load_state(), typed))
    url = wizard.fin.url.strip()
    ks, ts = wizard.ks.plan, wizard.ts.plan
    if ks is None or ts is None:
        return _keep_url(typed, render_wizard, errors={"finish": _(NOT_READY)}, status=409)
    if not url:
        return _keep_url(typed, _beside_url, _(NO_URL), "")
    try:
        key_pair = KeyPair.from_pem_bundle(ks.candidate.bundle)
    except KeyPairError:
        log.warning("connection test: saved key pair unreadable")
        return _keep_url(typed, render_wizard, errors={"finish": _(NOT_READY)}, status=409)
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
    saved = saved_test(result, wizard.connection.basis)

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


@bp.app_template_global("partner_email")
def partner_email_text(wizard: Wizard) -> str:
    """The partner kit's e-mail, for the page (issue 21: shown with a Copy button too)."""
    # Only from the finish view model: what it shows is what decides its redraw (issue 18).
    fin = wizard.fin
    if not fin.partner_chain:
        return ""
    return partner_email([certificate(pem) for pem in fin.partner_chain], fin.url)


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
    sendable = sendable_chain(state)  # none while the certificate is a placeholder (issue 20)
    if not sendable:
        # Beside the key pair file field: without an import there is no result area yet.
        return render_wizard(errors={"key_file": _(NO_KEY_PAIR)}, focus="step-keystore", status=409)
    chain = [certificate(pem) for pem in sendable]
    data = build_partner_kit(chain, destination_url=Wizard(state).fin.url)
    return attachment(("partner-kit.zip", data), "application/zip")


def _beside_url(message: str, typed: str):
    return render_wizard(
        errors={"dest_url": message}, values={"dest_url": typed}, focus="step-finish"
    )


def saved_test(result: ConnectionTestResult, basis: str) -> ConnectionTest:
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
