"""Certificates: find PEM blocks, parse PEM/DER/PKCS#7, describe one, order a chain.

The facade holds what the views, the web glue and the command line use (issue 18: a small
surface); everything else stays in its module, for the package and the tests.
"""

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
