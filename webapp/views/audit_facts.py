"""What the audit trail says about the saved work: subjects and fingerprints, never secrets.

Views record an action in one line, e.g. ``audit("truststore.downloaded", file=name,
**audit_facts.truststore())``; the facts are read from the state this request already loaded.
"""

from __future__ import annotations

from typing import Any

from ..state import State
from ..web.ops.audit import certificate_facts
from ..web.sessions import load_state, update_state
from .certificates import certificate
from .plans import trust_entries


def keystore() -> dict[str, Any]:
    """The chosen key pair's alias and certificate chain (leaf first)."""
    saved = load_state().keystore
    if saved.chosen is None:
        return {}
    return {
        "alias": saved.alias,
        "certificates": certificate_facts(certificate(pem) for pem in saved.chosen.chain),
    }


def truststore() -> dict[str, Any]:
    """The partner host (if fetched) and the certificates included in the truststore."""
    state = load_state()
    included = [e for e in trust_entries(state) if e.include]
    facts: dict[str, Any] = {"trusted": certificate_facts(certificate(e.pem) for e in included)}
    if state.truststore.fetch and state.truststore.fetch.host:
        facts["partner_host"] = state.truststore.fetch.host
    return facts


def everything() -> dict[str, Any]:
    return {**keystore(), **truststore()}


def first_bundle() -> bool:
    """True on the session's first bundle download (a procedure completed; counted once).

    Marks the session, so later downloads of the same bundle say False.
    """
    if load_state().bundle_downloaded:
        return False

    def mark(state: State) -> None:
        state.bundle_downloaded = True

    update_state(mark)
    return True
