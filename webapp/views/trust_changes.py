"""What changed since last year's truststore (issue 13), from the saved state: the state's
side of `pki.java.truststore_update` (which classifies and words each certificate).

Kept apart from the /truststore/open view (views/truststore_update.py) because the view
models use it, and they sit below the blueprints."""

from __future__ import annotations

from ..pki.java import OpenedEntry, OpenedStore, StoreType, TrustChange, compare_truststore
from ..state import State, TrustChoice
from .certificates import certificate

OLD_SOURCE = "old truststore"  # TrustedCertificate.source of what the opened store held


def trust_changes(state: State) -> dict[str, TrustChange]:
    """fingerprint -> the certificate's change, once the partner's certificates were fetched
    or uploaded again; empty before that (everything would look "no longer sent")."""
    ts = state.truststore
    fresh = [c.pem for c in ts.certs if c.source != OLD_SOURCE]
    if ts.opened is None or not fresh:
        return {}
    store_type: StoreType = "PKCS12" if ts.opened.store_type == "PKCS12" else "JKS"
    old = OpenedStore(
        store_type,
        tuple(
            OpenedEntry(e.alias, "trustedCertEntry", (certificate(e.chain[0]),))
            for e in ts.opened.entries
            if e.chain
        ),
    )
    comparison = compare_truststore(old, [certificate(pem) for pem in fresh])
    return {change.fingerprint: change for change in comparison.changes}


def recommend_new(state: State) -> None:
    """Untick what the comparison says to drop (expired) among the certificates just fetched or
    uploaded; choices the user already made stay as they are."""
    for print_, change in trust_changes(state).items():
        if not change.keep and print_ not in state.truststore.choices:
            state.truststore.choices[print_] = TrustChoice(alias="", include=False)


__all__ = ["OLD_SOURCE", "recommend_new", "trust_changes"]
