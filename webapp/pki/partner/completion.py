"""Complete a server's chain with a root from the trusted root stores, and report its problems.

Servers usually send their leaf and intermediates but not the root; the user building a
truststore needs to see which root closes the chain and where it came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from webapp.pki.certs.chains import MAX_CHAIN_LENGTH
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


# One step of a chain: (certificate, position in what was sent, or the root store entry).
_Link = tuple[x509.Certificate, int | None, TrustedRoot | None]


def complete_chain(
    sent: Sequence[x509.Certificate], *, roots: RootStore, now: dt.datetime | None = None
) -> ChainReport:
    """Order what the server sent from its leaf (the first certificate) up to a root.

    Issuers are matched by name AND signature; the key identifiers only decide which
    candidate to try first. A chain that reaches a trusted root beats one that uses more of
    the sent certificates, the way a client would build it (e.g. a server still sending a
    cross-signed root whose old issuer left the store).
    """
    if not sent:
        raise ValueError("complete_chain needs at least the server's leaf certificate")
    when = now or dt.datetime.now(dt.timezone.utc)
    complete, links = _best_path(sent, roots, [(sent[0], 0, None)])
    used = {position for _, position, _ in links if position is not None}
    sent_order = [position for _, position, _ in links if position is not None]
    last_cert, _, last_root = links[-1]
    return ChainReport(
        entries=tuple(_entry(cert, position, root, when) for cert, position, root in links),
        extra_certificates=tuple(
            _entry(cert, position, None, when)
            for position, cert in enumerate(sent)
            if position not in used
        ),
        out_of_order=sent_order != sorted(sent_order),
        incomplete=not complete,
        self_signed_leaf=_is_self_signed(sent[0]),
        root_in_store=last_root is not None or roots.find(last_cert) is not None,
    )


def _best_path(
    sent: Sequence[x509.Certificate], roots: RootStore, path: list[_Link]
) -> tuple[bool, list[_Link]]:
    """Depth-first: (True, path) for the first path ending at a self-signed or store root,
    else (False, the longest path found). Chains are tiny, so the search is cheap."""
    current, _, root = path[-1]
    anchored = root is not None or _is_self_signed(current)
    if anchored or len(path) >= MAX_CHAIN_LENGTH:
        return anchored, path
    used = {position for _, position, _ in path}
    best: tuple[bool, list[_Link]] = (False, path)
    from_server: list[_Link] = [
        (cert, position, None)
        for position, cert in enumerate(sent)
        if position not in used and cert.subject == current.issuer
    ]
    from_store: list[_Link] = [
        (trusted.certificate, None, trusted) for trusted in roots.with_subject(current.issuer)
    ]
    for link in [*_by_key_id_hint(current, from_server), *_by_key_id_hint(current, from_store)]:
        if not _signed_by(current, link[0]):
            continue
        found = _best_path(sent, roots, [*path, link])
        if found[0]:
            return found
        if len(found[1]) > len(best[1]):
            best = found
    return best


def _by_key_id_hint(cert: x509.Certificate, links: Sequence[_Link]) -> list[_Link]:
    # AKI/SKI are only a hint (they can be missing or wrong); try the matching ones first.
    try:
        wanted = cert.extensions.get_extension_for_class(
            x509.AuthorityKeyIdentifier
        ).value.key_identifier
    except (x509.ExtensionNotFound, ValueError):
        return list(links)

    def mismatch(link: _Link) -> bool:
        try:
            ski = link[0].extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        except (x509.ExtensionNotFound, ValueError):
            return True
        return ski.value.digest != wanted

    return sorted(links, key=mismatch)


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _is_self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject and _signed_by(cert, cert)


def _entry(
    cert: x509.Certificate, position: int | None, root: TrustedRoot | None, now: dt.datetime
) -> ChainEntry:
    return ChainEntry(
        certificate=cert,
        source=SOURCE_SERVER if root is None else SOURCE_ROOT_STORE,
        store=None if root is None else root.store,
        sent_position=position,
        self_signed=_is_self_signed(cert),
        expired=now > cert.not_valid_after_utc,
        not_yet_valid=now < cert.not_valid_before_utc,
    )
