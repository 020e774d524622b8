"""The one gate a certificate passes before we keep it: read it completely, or refuse it.

cryptography reads a certificate lazily: a damaged name, key or extension only fails when
first used — in the middle of rendering a page, on every page, until the user starts over
(issue 10, hole 2). And it fails with exceptions that are not ValueError (InvalidVersion,
UnsupportedAlgorithm, DuplicateExtension, UnsupportedGeneralNameType), which slipped past
handlers. Uploads, fetches and key pair files all go through `load_der_certificate` /
`check_readable`, which read everything the app will ever read and turn any failure into a
`CertificateParseError` whose str() is a sentence for the user.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.utils import CryptographyDeprecationWarning

from webapp.pki.certs.describe import CertificateSummary, describe_certificate
from webapp.translation import N_, _

__all__ = [
    "READ_FAILURES",
    "CertificateParseError",
    "UnreadableSummary",
    "check_readable",
    "describe_or_placeholder",
    "load_der_certificate",
]

# Everything cryptography (and our DER readers, whose DerError is a ValueError) raises for a
# certificate it cannot read. IndexError/KeyError/OverflowError: defensive, for odd structures.
READ_FAILURES: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    OverflowError,
    UnsupportedAlgorithm,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)

# What describing a certificate that slipped past (saved by an older version) may raise.
_DESCRIBE_FAILURES: tuple[type[Exception], ...] = (*READ_FAILURES, CryptographyDeprecationWarning)

# Sentences for CertificateParseError, shown through _() where they are raised.
DAMAGED = N_("A certificate in this file is damaged or incomplete. Download or export it again.")
_KEY_TYPE = N_(
    "A certificate in this file uses a key type we cannot read. Use certificates "
    "with RSA, EC or Ed25519 keys."
)
_EXTENSIONS = N_(
    "A certificate in this file has extensions we cannot read (a duplicate or an "
    "unsupported name type). Ask its issuer for a standard certificate."
)
_VERSION = N_("A certificate in this file has an invalid version number. It cannot be used.")
_SERIAL = N_(
    "A certificate in this file has a zero or negative serial number, which newer "
    "software refuses. Ask its issuer for a corrected certificate."
)


class CertificateParseError(ValueError):
    """The file holds no readable certificate; str() is a sentence for the user."""


def load_der_certificate(der: bytes) -> x509.Certificate:
    """A DER certificate, read completely (`check_readable`), or CertificateParseError."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore",
                message="Parsed a serial number which wasn't",
                category=CryptographyDeprecationWarning,
            )
            cert = x509.load_der_x509_certificate(der)
    except x509.InvalidVersion:
        raise CertificateParseError(_(_VERSION)) from None
    except READ_FAILURES:
        raise CertificateParseError(_(DAMAGED)) from None
    check_readable(cert)
    return cert


def check_readable(cert: x509.Certificate) -> None:
    """Refuse a certificate any part of which cannot be read: version, serial, names, dates,
    public key, signature algorithm, every extension and name in it, its encoding; and make
    sure `describe_certificate` works on it (the pages call it for every certificate)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", CryptographyDeprecationWarning)
            cert.serial_number  # noqa: B018 - zero or negative warns here on every use
        cert.version  # noqa: B018
        cert.subject.rfc4514_string()
        cert.issuer.rfc4514_string()
        cert.not_valid_before_utc  # noqa: B018
        cert.not_valid_after_utc  # noqa: B018
        cert.public_key()
        cert.signature_algorithm_oid  # noqa: B018
        for extension in cert.extensions:
            _touch(extension.value)
        cert.fingerprint(hashes.SHA256())
        cert.public_bytes(serialization.Encoding.PEM)
        describe_certificate(cert)
    except CryptographyDeprecationWarning:
        raise CertificateParseError(_(_SERIAL)) from None
    except x509.InvalidVersion:
        raise CertificateParseError(_(_VERSION)) from None
    except (x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        raise CertificateParseError(_(_EXTENSIONS)) from None
    except UnsupportedAlgorithm:
        raise CertificateParseError(_(_KEY_TYPE)) from None
    except READ_FAILURES:
        raise CertificateParseError(_(DAMAGED)) from None


@dataclass(frozen=True)
class UnreadableSummary:
    """Stands in for a CertificateSummary when a saved certificate can no longer be read
    (saved by an older version, or a library update reads it differently)."""

    sha256_fingerprint: str
    reason: str = "unreadable certificate"
    readable: bool = False


def describe_or_placeholder(cert: x509.Certificate) -> CertificateSummary | UnreadableSummary:
    """`describe_certificate(cert)`, or a placeholder the page can flag: never raises."""
    try:
        return describe_certificate(cert)
    except _DESCRIBE_FAILURES:
        try:
            digest = cert.fingerprint(hashes.SHA256()).hex(":").upper()
        except _DESCRIBE_FAILURES:
            digest = ""
        return UnreadableSummary(sha256_fingerprint=digest)


def _touch(value: object) -> None:
    # Unknown extensions come back as UnrecognizedExtension (fine); known ones are parsed
    # on access. Iterating a name list forces every general name in it.
    if isinstance(value, (x509.SubjectAlternativeName, x509.IssuerAlternativeName)):
        list(value)
