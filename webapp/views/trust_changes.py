"""What changed since last year's truststore (issue 13), from the saved state: the state's
side of `pki.java.truststore_update` (which classifies and words each certificate).

Kept apart from the /truststore/open view (views/truststore_update.py) because the view
models use it, and they sit below the blueprints."""

from __future__ import annotations

from ..pki.java import OpenedEntry, OpenedStore, StoreType, TrustChange, compare_truststore
from ..state import State, TrustChoice
from ..translation import N_
from .certificates import certificate, fingerprint

OLD_SOURCE = "old truststore"  # TrustedCertificate.source of what the opened store held
OWN_LABEL = N_("Yours")
OWN_ADVICE = N_(
    "Your own certificate (or the authority that issued it), not the partner's: keep it, "
    "so the platform trusts your own chain too."
)


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
    own = own_fingerprints(state)
    # The user's own chain is no partner certificate: "No longer sent by the server" would
    # tell them to drop it (issue 20); the page labels it as theirs instead.
    return {
        print_: change for change in comparison.changes if (print_ := change.fingerprint) not in own
    }


def own_fingerprints(state: State) -> frozenset[str]:
    """The truststore's certificates that are the user's own, while updating last year's
    truststore: the keystore's chain, and last year's copies of its authorities (same name)."""
    ts = state.truststore
    chosen = state.keystore.chosen
    if ts.opened is None or chosen is None:
        return frozenset()
    mine = [certificate(pem) for pem in chosen.chain]
    names = {cert.subject for cert in mine}
    prints = {fingerprint(pem) for pem in chosen.chain}
    for saved in ts.certs:
        if saved.source == OLD_SOURCE and certificate(saved.pem).subject in names:
            prints.add(fingerprint(saved.pem))
    return frozenset(prints)


def recommend_new(state: State) -> None:
    """Untick what the comparison says to drop (expired) among the certificates just fetched or
    uploaded; choices the user already made stay as they are."""
    for print_, change in trust_changes(state).items():
        if not change.keep and print_ not in state.truststore.choices:
            state.truststore.choices[print_] = TrustChoice(alias="", include=False)


__all__ = [
    "OLD_SOURCE",
    "OWN_ADVICE",
    "OWN_LABEL",
    "own_fingerprints",
    "recommend_new",
    "trust_changes",
]
