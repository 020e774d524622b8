"""Saved certificates, parsed and described at most once per request, and only when asked;
and the certificates of uploaded files, read by one rule for every upload field.

Not cached across requests: a summary's validity ("expires in 3 days") depends on the time
of the request. Parsing (for a fingerprint or an alias) is cheap; describing is what costs,
so a summary is made only when a template shows it.
"""

from __future__ import annotations

from cryptography import x509
from flask import g, request
from werkzeug.datastructures import FileStorage

from ..pki.certs import (
    CertificateParseError,
    CertificateSummary,
    certificates_from_pem,
    describe_certificate,
    parse_certificates,
)
from ..translation import _


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


def chosen_files(field: str) -> list[FileStorage]:
    """The files the user chose in `field` (a form without a choice sends one empty part)."""
    return [f for f in request.files.getlist(field) if f and f.filename]


def uploaded_certificates(field: str, *, at_most: int | None = None) -> list[x509.Certificate]:
    """Every certificate in the files chosen in `field` (PEM, DER, PKCS#7), in order; the
    first `at_most` files only. CertificateParseError, naming the file, for one it cannot read."""
    files = chosen_files(field)[:at_most]
    found: list[x509.Certificate] = []
    for upload in files:
        try:
            found.extend(parse_certificates(upload.read()))
        except CertificateParseError as exc:
            name = (upload.filename or "")[:100]
            raise CertificateParseError(_("{file}: {problem}", file=name, problem=exc)) from None
    return found
