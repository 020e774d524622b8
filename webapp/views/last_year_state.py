"""Issue 21: a renewal (pki.renewal.Renewal) written into the wizard's state.

After **Renew** the steps hold what the renewal made, so the normal downloads ("Download
all", each store) build the same files from the state: the new key pair under last year's
alias, password, file name and format; last year's truststore updated (the partner's new
certificates in, the user's replaced ones out) with its aliases; the connection test's
result, marked as a test of exactly these stores and this URL.
"""

from __future__ import annotations

from ..pki.certs import certificate_pem
from ..pki.partner import parse_target
from ..pki.renewal import Renewal
from ..state import FetchReport, State, TrustChoice, TrustedCertificate
from ..translation import _
from .certificates import fingerprint
from .connection import saved_test
from .connection_panel import test_basis
from .own_chain import candidate_of
from .plans import KeystorePlan, TruststorePlan, plan_keystore, plan_truststore
from .wizard import Wizard


def renewed_state(state: State, renewal: Renewal, *, source_name: str) -> None:
    """Put the renewed keystore, the updated truststore and the test result into `state`."""
    ks = state.keystore
    ks.candidates = [candidate_of(renewal.key_pair)]
    ks.selected = 0
    ks.source_name = source_name or _("your new key pair file")
    ks.request_pem = ""
    ks.validity_confirmed = False
    ks.pending_upload = None
    ts = state.truststore
    kept = [e for e in renewal.trust.entries if e.in_new_store]
    ts.certs = [
        TrustedCertificate(
            certificate_pem(e.certificate), "server" if e.action == "added" else "old truststore"
        )
        for e in kept
        if not e.own
    ]
    ts.choices = {
        fingerprint(certificate_pem(e.certificate)): TrustChoice(alias=e.alias) for e in kept
    }
    target = parse_target(renewal.connection.url)
    ts.fetch = FetchReport(
        url=renewal.connection.url,
        host=target.host,
        port=target.port,
        sent=len(renewal.trust.partner_certificates),
        warnings=list(renewal.partner_warnings),
    )
    state.destination.url = renewal.destination.url
    state.connection_test = _tested(state, renewal)
    state.current = "finish"
    if state.last_year is not None:
        state.last_year.validity = renewal.validity
        state.last_year.summary = renewal.summary
        state.last_year.details = list(renewal.details)


def _tested(state: State, renewal: Renewal):
    """The renewal's connection test, marked as a test of what the state now builds (the
    finish step shows it as current, and the zip's README says so)."""
    ks, ts = plan_keystore(state), plan_truststore(state)
    if not (isinstance(ks, KeystorePlan) and isinstance(ts, TruststorePlan)):
        return None
    return saved_test(renewal.connection, test_basis(Wizard(state).fin.url, ks, ts))
