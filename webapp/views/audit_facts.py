"""What the audit trail says about the saved work: subjects and fingerprints, never secrets.

Views record an action in one line, e.g. ``audit("truststore.downloaded", file=name,
**audit_facts.truststore())``; the facts are read from the state this request already loaded.
"""

from __future__ import annotations

from typing import Any

from ..audit import certificate_facts
from ..pki.certs import certificates_from_pem
from ..sessions import load_state, update_state
from .wizard import keystore_view, parsed_certificate, truststore_view


def keystore() -> dict[str, Any]:
    """The chosen key pair's alias and certificate chain (leaf first)."""
    state = load_state()
    ks = keystore_view(state)
    if ks.chosen is None:
        return {}
    chain = state["keystore"]["candidates"][ks.chosen.index]["chain"]
    certs = [certificates_from_pem(pem)[0] for pem in chain]
    return {"alias": ks.alias, "certificates": certificate_facts(certs)}


def truststore() -> dict[str, Any]:
    """The partner host (if fetched) and the certificates included in the truststore."""
    ts = truststore_view(load_state())
    facts: dict[str, Any] = {"trusted": certificate_facts(parsed_certificate(e.pem)[0]
                                                          for e in ts.included)}
    if ts.fetch.get("host"):
        facts["partner_host"] = ts.fetch["host"]
    return facts


def everything() -> dict[str, Any]:
    return {**keystore(), **truststore()}


def first_bundle() -> bool:
    """True on the session's first bundle download (a procedure completed; counted once).

    Marks the session, so later downloads of the same bundle say False.
    """
    if load_state().get("bundle_downloaded"):
        return False
    update_state(lambda state: state.update(bundle_downloaded=True))
    return True
