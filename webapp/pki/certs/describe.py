"""Describe a certificate for a person: names, validity, key and fingerprint at a glance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from webapp.pki.certs.chains import is_issued_by
from webapp.pki.certs.names import first_attribute, plain_name
from webapp.translation import _

__all__ = [
    "EXPIRY_WARNING_DAYS",
    "CertificateStatus",
    "CertificateSummary",
    "describe_certificate",
    "describe_public_key",
    "fingerprint_sha256",
]

# A month gives people time to request and roll out a renewal before something breaks.
EXPIRY_WARNING_DAYS = 30

_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}

CertificateStatus = Literal["valid", "expired", "not_yet_valid", "expiring_soon"]


@dataclass(frozen=True)
class CertificateSummary:
    """What a person needs to recognise a certificate and judge whether it can be used."""

    subject: str  # the full distinguished name, for the details
    issuer: str
    common_name: str | None
    subject_name: str  # "Name (Organisation)", what the page shows first
    issuer_name: str
    not_before: dt.datetime
    not_after: dt.datetime
    status: CertificateStatus
    days_left: int  # whole days until expiry; negative once expired
    key_type: str
    key_size: int
    key_description: str
    sha256_fingerprint: str
    serial: str  # lower-case hex without separators, as `keytool -list -v` prints it
    is_ca: bool
    is_self_signed: bool
    dns_names: tuple[str, ...]


def describe_certificate(
    cert: x509.Certificate, *, now: dt.datetime | None = None
) -> CertificateSummary:
    """Summarise `cert` for display; `now` is injectable so tests can pin the clock."""
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:  # a naive time cannot be compared with the certificate's UTC dates
        now = now.replace(tzinfo=dt.UTC)
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    key_type, key_size, key_description = describe_public_key(cert.public_key())
    return CertificateSummary(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        common_name=first_attribute(cert.subject, NameOID.COMMON_NAME),
        subject_name=plain_name(cert.subject),
        issuer_name=plain_name(cert.issuer),
        not_before=not_before,
        not_after=not_after,
        status=_status(not_before, not_after, now),
        days_left=(not_after - now).days,
        key_type=key_type,
        key_size=key_size,
        key_description=key_description,
        sha256_fingerprint=fingerprint_sha256(cert),
        serial=format(cert.serial_number, "x"),
        is_ca=_is_ca(cert),
        is_self_signed=is_issued_by(cert, cert),
        dns_names=_dns_names(cert),
    )


def describe_public_key(public_key: object) -> tuple[str, int, str]:
    """(type, size in bits, description) such as ("EC", 256, "EC P-256"). The type is a code;
    the description is for the page, in the reader's language ("RSA 2048-bit")."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size, _("RSA {bits}-bit", bits=public_key.key_size)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        curve = public_key.curve
        return "EC", curve.key_size, f"EC {_CURVE_NAMES.get(curve.name, curve.name)}"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, "Ed25519"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448", 448, "Ed448"
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA", public_key.key_size, _("DSA {bits}-bit", bits=public_key.key_size)
    return "Unknown", 0, _("Unknown key type")


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """Colon-separated upper-case SHA-256, the form keytool and browsers display."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _status(not_before: dt.datetime, not_after: dt.datetime, now: dt.datetime) -> CertificateStatus:
    if now < not_before:
        return "not_yet_valid"
    if now > not_after:
        return "expired"
    if not_after - now <= dt.timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring_soon"
    return "valid"


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except (x509.ExtensionNotFound, ValueError):
        return False


def _dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return ()
    return tuple(san.get_values_for_type(x509.DNSName))
