"""What the connection-test panel shows (issue 11), made from the state like the rest of the
wizard's view model.

The last result is saved in the state with a `basis`: a digest of what was tested (the URL,
the keystore's chain, the truststore's certificates). When any of those changes the saved
result is "stale": the panel says so, and the zip's README leaves it out.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass

from ..pki.java import ConnectionTestNote
from ..pki.partner import FORBIDDEN, ISSUER_NOT_ACCEPTED, REJECTED
from ..state import ConnectionTest
from ..translation import long_datetime
from .plans import KeystorePlan, TruststorePlan

__all__ = ["KIT_OUTCOMES", "ConnectionPanel", "connection_panel", "readme_note", "test_basis"]

# Outcomes where the partner has to act on the user's certificate: offer the partner kit.
KIT_OUTCOMES = (ISSUER_NOT_ACCEPTED, REJECTED, FORBIDDEN)


@dataclass(frozen=True)
class ConnectionPanel:
    can_test: bool  # both stores are ready
    url: str  # the address a test would use
    result: ConnectionTest | None
    stale: bool  # the stores or the URL changed since `result`
    basis: str = ""  # test_basis of what a test now would use ("" until both stores are ready)

    @property
    def offer_kit(self) -> bool:
        return self.result is not None and self.result.outcome in KIT_OUTCOMES

    @property
    def tested_at(self) -> str:
        """The test time for people: "30 November 2026, 19:40 UTC"."""
        if self.result is None:
            return ""
        try:
            when = dt.datetime.fromisoformat(self.result.tested_at)
        except ValueError:
            return self.result.tested_at
        return long_datetime(when)


def test_basis(url: str, keystore: KeystorePlan, truststore: TruststorePlan) -> str:
    """A digest of what a test with these plans proves (no secret goes into it)."""
    return _basis(
        url.strip(), tuple(keystore.candidate.chain), tuple(e.pem for e in truststore.entries)
    )


@functools.lru_cache(maxsize=256)
def _basis(url: str, chain: tuple[str, ...], trusted: tuple[str, ...]) -> str:
    # Cached: the test saves it and the panel drawn right after compares against it (public
    # certificates and the URL only, never a key or password).
    text = "\n".join([url, *chain, "--", *trusted])
    return hashlib.sha256(text.encode()).hexdigest()


def connection_panel(
    ks: KeystorePlan | None, ts: TruststorePlan | None, url: str, saved: ConnectionTest | None
) -> ConnectionPanel:
    """The panel for these plans and the Destination URL a test would use."""
    if ks is None or ts is None:
        return ConnectionPanel(False, url, saved, saved is not None)
    basis = test_basis(url, ks, ts)
    return ConnectionPanel(True, url, saved, saved is not None and saved.basis != basis, basis)


def readme_note(panel: ConnectionPanel) -> ConnectionTestNote | None:
    """The test for the zip's README: only a result that still holds for these files."""
    if panel.result is None or panel.stale:
        return None
    saved = panel.result
    return ConnectionTestNote(
        tested_at=panel.tested_at, url=saved.url, outcome=saved.outcome, headline=saved.headline
    )
