"""Put certificates in chain order: leaf, its issuer, that one's issuer... (RFC 5280 §6).

Java sends a keystore's chain as stored, so the order matters. Signatures are checked where
we can; the work is bounded because every step may verify a signature per candidate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes

__all__ = ["MAX_CHAIN_LENGTH", "dedupe", "is_issued_by", "order_chain"]

# Real chains are 2-4 certificates long; a longer "chain" is a hostile or broken upload, and
# each step costs up to one signature check per certificate in the file.
MAX_CHAIN_LENGTH = 10


def is_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True if `issuer` signed `cert` (names match and, where we can check, the signature)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError):
        return False
    except (TypeError, UnsupportedAlgorithm):
        # An algorithm we cannot verify: fall back to the key identifiers, if both are present.
        return _key_identifiers_match(cert, issuer)
    return True


def order_chain(leaf: x509.Certificate,
                others: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    """`leaf`, then its issuer, then that one's issuer... as far as `others` allow."""
    chain = [leaf]
    seen = {leaf.fingerprint(hashes.SHA256())}
    pool = [c for c in dedupe(others) if c.fingerprint(hashes.SHA256()) not in seen]
    current = leaf
    while len(chain) < MAX_CHAIN_LENGTH and not is_issued_by(current, current):
        issuers = [c for c in pool if c.fingerprint(hashes.SHA256()) not in seen
                   and is_issued_by(current, c)]
        if not issuers:
            break
        # Several candidates happen with renewed or cross-signed CAs: prefer one valid now.
        current = next((c for c in issuers if _valid_now(c)), issuers[0])
        seen.add(current.fingerprint(hashes.SHA256()))
        chain.append(current)
    return chain


def dedupe(certs: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    """`certs` without repeats (by SHA-256 fingerprint), in their first order."""
    seen: set[bytes] = set()
    unique = []
    for cert in certs:
        digest = cert.fingerprint(hashes.SHA256())
        if digest not in seen:
            seen.add(digest)
            unique.append(cert)
    return unique


def _key_identifiers_match(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except (x509.ExtensionNotFound, ValueError):
        return True
    return aki.key_identifier is None or aki.key_identifier == ski.digest


def _valid_now(cert: x509.Certificate) -> bool:
    now = dt.datetime.now(dt.timezone.utc)
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc
