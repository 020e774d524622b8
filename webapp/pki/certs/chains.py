"""Put certificates in chain order: leaf, its issuer, that one's issuer... (RFC 5280 §6).

Java sends a keystore's chain as stored, so the order matters. This is the ONE chain builder
(issue 18): the key pair import and the store openers (`order_chain`), the partner chain
completion (with the root stores as extra issuers), the user's own chain completion
(partner/client_chain.py, with CA Issuers downloads), the verdict on the partner's server
(partner/server_trust.py, truststore entries as anchors) and the CA reply (java/renew.py)
all build their paths with `build_path`.

The search is bounded by construction (issue 10, hole 1): a hostile server can send two
groups of certificates that all sign each other under the same names, and an unbounded
depth-first search then tries every ordering. Here each step looks at no more than
MAX_CANDIDATES issuers, each (certificate, issuer) signature is checked at most once per
search (memoised), the whole search spends at most SIGNATURE_BUDGET checks and
STEP_BUDGET path extensions, and no path is longer than MAX_CHAIN_LENGTH. Whatever the input,
the answer comes back in milliseconds; when the budget runs out we return the best path so far.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes

__all__ = [
    "MAX_CANDIDATES",
    "MAX_CHAIN_LENGTH",
    "SIGNATURE_BUDGET",
    "STEP_BUDGET",
    "ChainPath",
    "SignatureChecks",
    "build_path",
    "by_subject_name",
    "dedupe",
    "is_issued_by",
    "is_self_signed",
    "order_chain",
    "valid_now",
]

# Real chains are 2-4 certificates long; a longer "chain" is a hostile or broken upload.
MAX_CHAIN_LENGTH = 10
# Issuers tried per step: a renewed plus a cross-signed CA make 2-3; more is an attack.
MAX_CANDIDATES = 4
# Signature checks per search (each ~0.05-1 ms): a real chain needs fewer than 20.
SIGNATURE_BUDGET = 200
# Path extensions per search (cheap once signatures are memoised, but still bounded).
STEP_BUDGET = 1000

T = TypeVar("T")


@dataclass
class SignatureChecks:
    """Signature checks memoised per (certificate, issuer) pair, with a budget.

    When the budget is spent, unchecked pairs count as "not issued by": the search ends with
    the best path found so far instead of running on.
    """

    budget: int = SIGNATURE_BUDGET
    performed: int = 0
    _memo: dict[tuple[bytes, bytes], bool] = field(default_factory=dict)

    @property
    def exhausted(self) -> bool:
        return self.performed >= self.budget

    def issued_by(self, cert: x509.Certificate, issuer: x509.Certificate) -> bool:
        """True if `issuer` signed `cert` (names match and, where we can check, the signature)."""
        if cert.issuer != issuer.subject:
            return False
        pair = (_fingerprint(cert), _fingerprint(issuer))
        known = self._memo.get(pair)
        if known is not None:
            return known
        if self.exhausted:
            return False
        self.performed += 1
        self._memo[pair] = verdict = _verify(cert, issuer)
        return verdict

    def self_signed(self, cert: x509.Certificate) -> bool:
        return self.issued_by(cert, cert)


@dataclass(frozen=True)
class ChainPath(Generic[T]):
    links: tuple[T, ...]  # the start first, then each issuer in turn
    anchored: bool  # ends at a self-signed certificate or an anchor (a trusted root)


def build_path(
    start: T,
    *,
    certificate: Callable[[T], x509.Certificate],
    issuers: Callable[[x509.Certificate], Sequence[T]],
    is_anchor: Callable[[T], bool] = lambda link: False,
    checks: SignatureChecks | None = None,
    prefer: Callable[[T], object] | None = None,
) -> ChainPath[T]:
    """The first path from `start` that ends at a self-signed certificate or an anchor, else
    the longest path found, within the budgets above.

    `issuers(cert)` names the candidates for cert's issuer (same subject name); the search
    skips ones already on the path, tries those whose key identifier matches first (then by
    `prefer`, lowest first), and keeps at most MAX_CANDIDATES per step.
    """
    checks = checks if checks is not None else SignatureChecks()
    steps = 0
    best: list[T] = [start]

    def search(path: list[T], on_path: set[bytes]) -> bool:
        nonlocal steps, best
        current = path[-1]
        cert = certificate(current)
        if is_anchor(current) or checks.self_signed(cert):
            best = list(path)
            return True
        if len(path) > len(best):
            best = list(path)
        if len(path) >= MAX_CHAIN_LENGTH:
            return False
        fresh = [c for c in issuers(cert) if _fingerprint(certificate(c)) not in on_path]
        fresh.sort(
            key=lambda c: (
                not _key_ids_match(cert, certificate(c)),
                prefer(c) if prefer is not None else 0,
            )
        )
        for candidate in fresh[:MAX_CANDIDATES]:
            if steps >= STEP_BUDGET:
                return False
            steps += 1
            issuer_cert = certificate(candidate)
            if not checks.issued_by(cert, issuer_cert):
                continue
            digest = _fingerprint(issuer_cert)
            path.append(candidate)
            on_path.add(digest)
            if search(path, on_path):
                return True
            path.pop()
            on_path.discard(digest)
        return False

    anchored = search([start], {_fingerprint(certificate(start))})
    return ChainPath(links=tuple(best), anchored=anchored)


def is_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True if `issuer` signed `cert` (names match and, where we can check, the signature)."""
    return SignatureChecks(budget=1).issued_by(cert, issuer)


def is_self_signed(cert: x509.Certificate) -> bool:
    """A root: it names itself as its issuer and its own key verifies its signature."""
    return is_issued_by(cert, cert)


def order_chain(
    leaf: x509.Certificate, others: Iterable[x509.Certificate]
) -> list[x509.Certificate]:
    """`leaf`, then its issuer, then that one's issuer... as far as `others` allow."""
    pool = [c for c in dedupe(others) if _fingerprint(c) != _fingerprint(leaf)]
    by_subject = by_subject_name(pool, certificate=lambda c: c)
    path = build_path(
        leaf,
        certificate=lambda c: c,
        issuers=lambda c: by_subject.get(c.issuer, []),
        # Several candidates happen with renewed or cross-signed CAs: prefer one valid now.
        prefer=lambda c: not valid_now(c),
    )
    return list(path.links)


def by_subject_name(
    links: Iterable[T], *, certificate: Callable[[T], x509.Certificate]
) -> dict[x509.Name, list[T]]:
    """`links` grouped by their certificate's subject, in order: the candidates build_path's
    `issuers` callback names for a certificate are `groups.get(cert.issuer, [])`."""
    groups: dict[x509.Name, list[T]] = {}
    for link in links:
        groups.setdefault(certificate(link).subject, []).append(link)
    return groups


def dedupe(certs: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    """`certs` without repeats (by SHA-256 fingerprint), in their first order."""
    seen: set[bytes] = set()
    unique = []
    for cert in certs:
        digest = _fingerprint(cert)
        if digest not in seen:
            seen.add(digest)
            unique.append(cert)
    return unique


def _fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def _verify(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError):
        return False
    except (TypeError, UnsupportedAlgorithm):
        # An algorithm we cannot verify: fall back to the key identifiers, if both are present.
        return _key_identifiers_agree(cert, issuer)
    return True


def _key_identifiers_agree(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except (x509.ExtensionNotFound, ValueError):
        return True
    return aki.key_identifier is None or aki.key_identifier == ski.digest


def _key_ids_match(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    # AKI/SKI are only a hint for the order of the search (they can be missing or wrong).
    try:
        wanted = cert.extensions.get_extension_for_class(
            x509.AuthorityKeyIdentifier
        ).value.key_identifier
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return wanted is not None and ski.digest == wanted


def valid_now(cert: x509.Certificate) -> bool:
    """Within its validity period now: among several issuers, the one to prefer."""
    now = dt.datetime.now(dt.UTC)
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc
