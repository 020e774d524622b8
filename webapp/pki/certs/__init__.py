"""Certificates: find PEM blocks, parse PEM/DER/PKCS#7, describe one, order a chain."""

from webapp.pki.certs.chains import (
    dedupe,
    is_self_signed,
)
from webapp.pki.certs.describe import (
    CertificateSummary,
    describe_certificate,
)
from webapp.pki.certs.parse import (
    CertificateParseError,
    certificate_pem,
    certificates_from_pem,
    parse_certificates,
)

__all__ = [
    "CertificateParseError",
    "CertificateSummary",
    "certificate_pem",
    "certificates_from_pem",
    "dedupe",
    "describe_certificate",
    "is_self_signed",
    "parse_certificates",
]
