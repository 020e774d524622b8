"""Complete a server's chain with a root from the trusted root stores, and report its problems.

Servers usually send their leaf and intermediates but not the root; the user building a
truststore needs to see which root closes the chain and where it came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from webapp.pki.certs.chains import SignatureChecks, build_path
from webapp.pki.partner.roots import RootStore, TrustedRoot

__all__ = ["SOURCE_ROOT_STORE", "SOURCE_SERVER", "ChainEntry", "ChainReport", "complete_chain"]

SOURCE_SERVER = "server"
SOURCE_ROOT_STORE = "root store"


@dataclass(frozen=True)
class ChainEntry:
    certificate: x509.Certificate
    source: str  # SOURCE_SERVER or SOURCE_ROOT_STORE
    store: str | None  # which root store, for SOURCE_ROOT_STORE entries
    sent_position: int | None  # index in what the server sent (0 = first), None for roots
    self_signed: bool
    expired: bool
    not_yet_valid: bool

    @property
    def origin(self) -> str:
        """Where the certificate came from, in words for the page."""
        return self.store if self.store is not None else "sent by the server"


@dataclass(frozen=True)
class ChainReport:
    entries: tuple[ChainEntry, ...]  # leaf first, then each issuer in turn
    extra_certificates: tuple[ChainEntry, ...]  # sent but not part of the chain
    out_of_order: bool  # the server sent chain certificates in a different order
    incomplete: bool  # no issuer found for the last entry: a gap in the chain
    self_signed_leaf: bool
    root_in_store: bool  # the chain ends at a certificate from a trusted root store

    @property
    def root_from_store(self) -> bool:
        return bool(self.entries) and self.entries[-1].source == SOURCE_ROOT_STORE

    @property
    def any_expired(self) -> bool:
        return any(entry.expired for entry in self.entries)

    @property
    def any_not_yet_valid(self) -> bool:
        return any(entry.not_yet_valid for entry in self.entries)


# More than a server may send (see fetch.MAX_SERVER_CERTIFICATES); the rest are only listed.
MAX_SENT = 20

# One step of a chain: (certificate, position in what was sent, or the root store entry).
_Link = tuple[x509.Certificate, int | None, TrustedRoot | None]


def complete_chain(
    sent: Sequence[x509.Certificate], *, roots: RootStore, now: dt.datetime | None = None
) -> ChainReport:
    """Order what the server sent from its leaf (the first certificate) up to a root.

    Issuers are matched by name AND signature; the key identifiers only decide which
    candidate to try first. A chain that reaches a trusted root beats one that uses more of
    the sent certificates, the way a client would build it (e.g. a server still sending a
    cross-signed root whose old issuer left the store). The search is the one bounded
    chain builder, certs.chains.build_path, whatever the server sent.
    """
    if not sent:
        raise ValueError("complete_chain needs at least the server's leaf certificate")
    when = now or dt.datetime.now(dt.UTC)
    checks = SignatureChecks()
    by_subject: dict[x509.Name, list[_Link]] = {}
    for position, cert in enumerate(sent[:MAX_SENT]):
        by_subject.setdefault(cert.subject, []).append((cert, position, None))

    def issuers(cert: x509.Certificate) -> list[_Link]:
        # The server's own certificates first, then the root stores' (same name).
        from_store: list[_Link] = [
            (trusted.certificate, None, trusted) for trusted in roots.with_subject(cert.issuer)
        ]
        return [*by_subject.get(cert.issuer, []), *from_store]

    start: _Link = (sent[0], 0, None)
    path = build_path(
        start,
        certificate=lambda link: link[0],
        issuers=issuers,
        is_anchor=lambda link: link[2] is not None,
        checks=checks,
        prefer=lambda link: link[2] is not None,
    )
    links = list(path.links)
    used = {position for _, position, _ in links if position is not None}
    sent_order = [position for _, position, _ in links if position is not None]
    last_cert, _, last_root = links[-1]
    return ChainReport(
        entries=tuple(_entry(cert, position, root, when, checks) for cert, position, root in links),
        extra_certificates=tuple(
            _entry(cert, position, None, when, checks)
            for position, cert in enumerate(sent)
            if position not in used
        ),
        out_of_order=sent_order != sorted(sent_order),
        incomplete=not path.anchored,
        self_signed_leaf=checks.self_signed(sent[0]),
        root_in_store=last_root is not None or roots.find(last_cert) is not None,
    )


def _entry(
    cert: x509.Certificate,
    position: int | None,
    root: TrustedRoot | None,
    now: dt.datetime,
    checks: SignatureChecks,
) -> ChainEntry:
    return ChainEntry(
        certificate=cert,
        source=SOURCE_SERVER if root is None else SOURCE_ROOT_STORE,
        store=None if root is None else root.store,
        sent_position=position,
        self_signed=checks.self_signed(cert),
        expired=now > cert.not_valid_after_utc,
        not_yet_valid=now < cert.not_valid_before_utc,
    )
