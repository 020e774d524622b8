"""Compare last year's truststore with the partner's certificates as they are now.

Partners renew their certificates before the old ones expire and switch over on a date of
their own. Until then both must be trusted, so nothing is dropped just because the server no
longer sends it; only expired certificates are. The result is a list the page can show,
each certificate with its class and a sentence saying what to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from webapp.pki.certs.chains import dedupe
from webapp.pki.java.aliases import alias_problem, suggest_alias
from webapp.pki.java.jks import build_truststore
from webapp.pki.java.opened import OpenedStore
from webapp.translation import N_, _

__all__ = [
    "RECOMMENDATIONS",
    "STATUS_LABELS",
    "TrustChange",
    "TrustComparison",
    "TrustStatus",
    "compare_truststore",
]

TrustStatus = Literal["new", "unchanged", "no_longer_sent", "expired"]

# The words for each status, for the page and the README alike: one place. Kept in English
# (N_); shown through _() (TrustChange.label, .recommendation; a view showing the tables
# directly calls _() on the value).
STATUS_LABELS: dict[TrustStatus, str] = {
    "new": N_("New"),
    "unchanged": N_("Unchanged"),
    "no_longer_sent": N_("No longer sent by the server"),
    "expired": N_("Expired"),
}
RECOMMENDATIONS: dict[TrustStatus, str] = {
    "new": N_("Add it: the partner now uses this certificate."),
    "unchanged": N_("Keep it: the partner still uses this certificate."),
    "no_longer_sent": N_(
        "Keep it until the partner has switched over to its new certificate, "
        "then remove it at the next update."
    ),
    "expired": N_("Remove it: it has expired and no longer secures anything."),
}


@dataclass(frozen=True)
class TrustChange:
    """One certificate in the comparison; `alias` as in the old store, or suggested if new."""

    certificate: x509.Certificate
    alias: str
    status: TrustStatus

    @property
    def label(self) -> str:
        """The status in words, in the reader's language."""
        return _(STATUS_LABELS[self.status])

    @property
    def recommendation(self) -> str:
        return _(RECOMMENDATIONS[self.status])

    @property
    def fingerprint(self) -> str:
        """SHA-256, colon-separated upper-case hex: how the saved state names a certificate."""
        return _fingerprint(self.certificate).hex(":").upper()

    @property
    def keep(self) -> bool:
        return self.status != "expired"


@dataclass(frozen=True)
class TrustComparison:
    """Every certificate of the old truststore and of the fresh ones, classified."""

    changes: tuple[TrustChange, ...]

    def with_status(self, status: TrustStatus) -> tuple[TrustChange, ...]:
        return tuple(change for change in self.changes if change.status == status)

    @property
    def entries_to_keep(self) -> list[tuple[str, x509.Certificate]]:
        """(alias, certificate) for build_truststore: everything but the expired ones."""
        return [(change.alias, change.certificate) for change in self.changes if change.keep]

    def build(self, password: str) -> bytes:
        """The updated truststore as JKS (only trusted-certificate entries)."""
        return build_truststore(entries=self.entries_to_keep, password=password)


def compare_truststore(
    old: OpenedStore, fresh: Sequence[x509.Certificate], *, now: dt.datetime | None = None
) -> TrustComparison:
    """Classify the old store's trusted certificates against `fresh` (fetched or uploaded).

    `fresh`: what the truststore would hold if built today, i.e. the partner's chain as
    completed with its root (partner.collect_partner_chain), not only what the server sent.
    """
    now = now or dt.datetime.now(dt.UTC)
    fresh_prints = {_fingerprint(cert) for cert in fresh}
    changes: list[TrustChange] = []
    seen: set[bytes] = set()
    taken: set[str] = set()
    for entry in old.trusted_entries:
        cert = entry.certificate
        if _fingerprint(cert) in seen:
            continue
        seen.add(_fingerprint(cert))
        alias = _unique(entry.alias.strip().lower(), cert, taken)
        status: TrustStatus = (
            "unchanged" if _fingerprint(cert) in fresh_prints else "no_longer_sent"
        )
        changes.append(TrustChange(cert, alias, "expired" if _expired(cert, now) else status))
    for cert in dedupe(fresh):
        if _fingerprint(cert) in seen:
            continue
        seen.add(_fingerprint(cert))
        alias = _unique("", cert, taken)
        changes.append(TrustChange(cert, alias, "expired" if _expired(cert, now) else "new"))
    return TrustComparison(tuple(changes))


def _unique(wanted: str, cert: x509.Certificate, taken: set[str]) -> str:
    # The old store's alias is kept only if the alias field would accept it (issue 19).
    usable = wanted and wanted not in taken and alias_problem(wanted) is None
    alias = wanted if usable else suggest_alias(cert, taken=taken)
    taken.add(alias)
    return alias


def _expired(cert: x509.Certificate, now: dt.datetime) -> bool:
    return cert.not_valid_after_utc < now


def _fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())
