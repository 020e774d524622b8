"""The truststore after a renewal: the partner's certificates as they are now, and yours.

The procedure puts the user's own chain in the truststore too. A renewal therefore adds the
new certificate and removes the old one it replaces; for the partner's certificates the rules
of truststore_update hold (issue 13): new ones in, expired ones out, and the ones the server
no longer sends kept until the partner has switched over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from webapp.pki.java.opened import OpenedStore
from webapp.pki.java.truststore_update import compare_truststore
from webapp.translation import N_, _

__all__ = ["TrustAction", "TrustUpdate", "TrustUpdateEntry", "update_truststore"]

TrustAction = Literal["added", "kept", "kept_no_longer_sent", "replaced", "expired"]

# What each action is called in the renewal's details (translated in `words`).
_WORDS: dict[TrustAction, str] = {
    "added": N_("added"),
    "kept": N_("kept"),
    "kept_no_longer_sent": N_("kept (the partner no longer sends it; remove it next year)"),
    "replaced": N_("removed (replaced by your new certificate)"),
    "expired": N_("removed (expired)"),
}


@dataclass(frozen=True)
class TrustUpdateEntry:
    certificate: x509.Certificate
    alias: str
    action: TrustAction
    own: bool  # the user's own chain (old or new), not the partner's

    @property
    def in_new_store(self) -> bool:
        return self.action in ("added", "kept", "kept_no_longer_sent")

    @property
    def words(self) -> str:
        return _(_WORDS[self.action])


@dataclass(frozen=True)
class TrustUpdate:
    entries: tuple[TrustUpdateEntry, ...]

    @property
    def kept_entries(self) -> list[tuple[str, x509.Certificate]]:
        """(alias, certificate) of the new truststore, for build_truststore."""
        return [(e.alias, e.certificate) for e in self.entries if e.in_new_store]

    @property
    def partner_certificates(self) -> list[x509.Certificate]:
        return [e.certificate for e in self.entries if e.in_new_store and not e.own]

    def count(self, *actions: TrustAction) -> int:
        return sum(e.action in actions for e in self.entries)

    @property
    def counts_line(self) -> str:
        """ "1 added, 1 removed, 3 kept": the truststore part of the one-line summary."""
        return _(
            "{added} added, {removed} removed, {kept} kept",
            added=self.count("added"),
            removed=self.count("replaced", "expired"),
            kept=self.count("kept", "kept_no_longer_sent"),
        )


def update_truststore(
    old: OpenedStore,
    *,
    partner: Sequence[x509.Certificate],
    old_own: Sequence[x509.Certificate],
    new_own: Sequence[x509.Certificate],
    now: dt.datetime | None = None,
) -> TrustUpdate:
    """Classify last year's truststore against the partner's chain now and the new own chain."""
    new_prints = {_print(c) for c in new_own}
    old_prints = {_print(c) for c in old_own}
    comparison = compare_truststore(old, [*partner, *new_own], now=now)
    entries = []
    for change in comparison.changes:
        print_ = _print(change.certificate)
        own = print_ in new_prints or print_ in old_prints
        action: TrustAction
        if change.status == "expired":
            action = "expired"
        elif change.status == "new":
            action = "added"
        elif change.status == "unchanged":
            action = "kept"
        elif print_ in old_prints:  # an old own certificate the new chain does not hold
            action = "replaced"
        else:
            action = "kept_no_longer_sent"
        entries.append(TrustUpdateEntry(change.certificate, change.alias, action, own))
    return TrustUpdate(tuple(_reuse_alias(entries, old_own[0], new_own[0])))


def _reuse_alias(
    entries: list[TrustUpdateEntry], old_leaf: x509.Certificate, new_leaf: x509.Certificate
) -> list[TrustUpdateEntry]:
    """The new certificate takes the alias of the old one it replaces ("renewal-client",
    not "renewal-client-2"): the alias is free, and names what the entry is for."""
    old = next(
        (e for e in entries if e.certificate == old_leaf and e.action in ("replaced", "expired")),
        None,
    )
    if old is None:
        return entries
    return [
        replace(e, alias=old.alias) if e.certificate == new_leaf and e.action == "added" else e
        for e in entries
    ]


def _print(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())
