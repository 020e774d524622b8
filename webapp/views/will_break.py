"""The Finish step's "What will break when" list, from the stores opened for renewal."""

from __future__ import annotations

from ..pki.check.timeline import BreakDate, break_dates
from ..state import State
from .certificates import certificate

__all__ = ["will_break"]


def will_break(state: State) -> tuple[BreakDate, ...]:
    """Empty unless last year's keystore or truststore was opened in this session."""
    ks, ts = state.keystore, state.truststore
    if ks.opened is None and ts.opened is None:
        return ()
    chosen = ks.chosen
    own_chain = list(chosen.chain) if chosen and chosen.chain else []
    if not own_chain and ks.opened:
        own_chain = next((e.chain for e in ks.opened.entries if e.kind == "PrivateKeyEntry"), [])
    own_pems = set(own_chain)
    partner = [
        certificate(pem)
        for pem in ([e.chain[0] for e in ts.opened.entries if e.chain] if ts.opened else [])
        if pem not in own_pems
    ]
    return break_dates(certificate(own_chain[0]) if own_chain else None, partner)
