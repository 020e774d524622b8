"""Saved certificates, parsed and described at most once per request, and only when asked.

Not cached across requests: a summary's validity ("expires in 3 days") depends on the time
of the request. Parsing (for a fingerprint or an alias) is cheap; describing is what costs,
so a summary is made only when a template shows it.
"""

from __future__ import annotations

from cryptography import x509
from flask import g

from ..pki.certs import CertificateSummary, certificates_from_pem, describe_certificate


def certificate(pem: str) -> x509.Certificate:
    cache = g.setdefault("parsed_certificates", {})
    if pem not in cache:
        cache[pem] = certificates_from_pem(pem)[0]
    return cache[pem]


def summary(pem: str) -> CertificateSummary:
    cache = g.setdefault("described_certificates", {})
    if pem not in cache:
        cache[pem] = describe_certificate(certificate(pem))
    return cache[pem]


def fingerprint(pem: str) -> str:
    """SHA-256 as CertificateSummary.sha256_fingerprint writes it (AA:BB:...)."""
    cache = g.setdefault("certificate_fingerprints", {})
    if pem not in cache:
        from cryptography.hazmat.primitives import hashes

        cache[pem] = certificate(pem).fingerprint(hashes.SHA256()).hex(":").upper()
    return cache[pem]
