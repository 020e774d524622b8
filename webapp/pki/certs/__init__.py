"""Certificates: find PEM blocks, parse PEM/DER/PKCS#7, describe one, order a chain."""

from webapp.pki.certs.chains import (
    MAX_CHAIN_LENGTH,
    dedupe,
    is_issued_by,
    is_self_signed,
    order_chain,
)
from webapp.pki.certs.describe import (
    EXPIRY_WARNING_DAYS,
    CertificateStatus,
    CertificateSummary,
    describe_certificate,
    describe_public_key,
    fingerprint_sha256,
)
from webapp.pki.certs.names import first_attribute, plain_name
from webapp.pki.certs.parse import (
    MAX_CERTIFICATES,
    CertificateParseError,
    certificate_pem,
    certificates_from_pem,
    check_readable,
    parse_certificates,
    tolerating_old_serials,
)
from webapp.pki.certs.pem import (
    MAX_PEM_BLOCKS,
    PemBlock,
    TooManyBlocksError,
    pem_blocks,
)
from webapp.pki.certs.readable import (
    READ_FAILURES,
    UnreadableSummary,
    describe_or_placeholder,
    load_der_certificate,
)

__all__ = [
    "EXPIRY_WARNING_DAYS",
    "MAX_CERTIFICATES",
    "MAX_CHAIN_LENGTH",
    "MAX_PEM_BLOCKS",
    "CertificateParseError",
    "CertificateStatus",
    "CertificateSummary",
    "READ_FAILURES",
    "UnreadableSummary",
    "describe_or_placeholder",
    "load_der_certificate",
    "PemBlock",
    "TooManyBlocksError",
    "certificate_pem",
    "certificates_from_pem",
    "check_readable",
    "dedupe",
    "describe_certificate",
    "describe_public_key",
    "fingerprint_sha256",
    "first_attribute",
    "is_issued_by",
    "is_self_signed",
    "order_chain",
    "parse_certificates",
    "pem_blocks",
    "plain_name",
    "tolerating_old_serials",
]
