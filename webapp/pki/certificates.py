"""Read certificates from any file a user has (PEM, DER, PKCS#7) and describe them.

Users bring files exported by browsers, Windows, Java and OpenSSL; the parsers here are lenient
about packaging (text around PEM blocks, CRLF, BOM, base64 without headers) and strict about
content: every failure becomes a `CertificateParseError` whose message can be shown as is.

Chain ordering lives in `chains`, aliases in `aliases`, PEM finding in `pem`; their public
names are re-exported here, where the views have always imported them from.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from webapp.pki.aliases import ALIAS_MAX_LENGTH, AliasError, suggest_alias, validate_alias
from webapp.pki.chains import dedupe, is_issued_by, order_chain
from webapp.pki.pem import PemBlock, TooManyBlocksError, pem_blocks

__all__ = [
    "ALIAS_MAX_LENGTH",
    "EXPIRY_WARNING_DAYS",
    "JCEKS_MAGIC",
    "JKS_MAGIC",
    "MAX_CERTIFICATES",
    "AliasError",
    "CertificateParseError",
    "CertificateStatus",
    "CertificateSummary",
    "PemBlock",
    "certificate_pem",
    "certificates_from_pem",
    "check_readable",
    "tolerating_old_serials",
    "describe_certificate",
    "describe_public_key",
    "fingerprint_sha256",
    "is_issued_by",
    "order_chain",
    "parse_certificates",
    "pem_blocks",
    "suggest_alias",
    "validate_alias",
]

# A month gives people time to request and roll out a renewal before something breaks.
EXPIRY_WARNING_DAYS = 30
# One file holds a chain (2-5) or a partner's bundle; 100 is far beyond that and bounds the
# parsing, fingerprinting and chain-building work a hostile 1 MiB upload can cause.
MAX_CERTIFICATES = 100
# Java keystores start with these magic numbers; telling the user beats "unreadable file".
JKS_MAGIC = b"\xfe\xed\xfe\xed"
JCEKS_MAGIC = b"\xce\xce\xce\xce"

_CERTIFICATE_LABELS = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"}
_PKCS7_LABELS = {"PKCS7", "PKCS #7 SIGNED DATA", "CMS"}
_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}

_NO_CERTIFICATES = ("This file does not contain any certificates we can read. "
                    "Use a .pem, .cer, .crt, .der or .p7b file.")

_DAMAGED = "A certificate in this file is damaged or incomplete. Download or export it again."

_TOO_MANY = (f"This file holds more than {MAX_CERTIFICATES} certificates. Upload only the "
             "certificates you need (the partner's chain), not a whole certificate store.")

CertificateStatus = Literal["valid", "expired", "not_yet_valid", "expiring_soon"]


class CertificateParseError(ValueError):
    """The file holds no readable certificate; str() is a sentence for the user."""


@dataclass(frozen=True)
class CertificateSummary:
    """What a person needs to recognise a certificate and judge whether it can be used."""

    subject: str
    issuer: str
    common_name: str | None
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


# --- parsing ---------------------------------------------------------------------------------
def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM, DER or PKCS#7 file, deduplicated, in file order."""
    if not data.strip():
        raise CertificateParseError(
            "This file is empty. Choose a certificate file: .pem, .cer, .crt, .der or .p7b.")
    if data.startswith((JKS_MAGIC, JCEKS_MAGIC)):
        raise CertificateParseError(
            "This looks like a Java keystore (JKS). Export the certificates from it with "
            "keytool (keytool -exportcert -rfc) and upload the .pem file instead.")
    try:
        blocks = pem_blocks(data)
    except TooManyBlocksError as error:
        raise CertificateParseError(str(error)) from None
    with tolerating_old_serials():
        certs = _certificates_from_blocks(blocks) if blocks else _certificates_from_binary(data)
    if not certs:
        raise CertificateParseError(_NO_CERTIFICATES)
    if len(certs) > MAX_CERTIFICATES:
        raise CertificateParseError(_TOO_MANY)
    for cert in certs:
        check_readable(cert)
    return dedupe(certs)


@contextlib.contextmanager
def tolerating_old_serials() -> Iterator[None]:
    """Load certificates with a zero or negative serial number without a warning, so that
    `check_readable` can refuse them with a sentence (RFC 5280 forbids them; cryptography
    warns now and will refuse them in a future release)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Parsed a serial number which wasn't positive",
                                category=CryptographyDeprecationWarning)
        yield


def check_readable(cert: x509.Certificate) -> None:
    """Refuse a certificate whose names, dates or key cannot be read.

    cryptography reads a certificate lazily: a damaged name or key only fails when first
    used, which would be in the middle of rendering the page. We use them all up front.
    """
    try:
        cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
        cert.not_valid_before_utc, cert.not_valid_after_utc
        describe_public_key(cert.public_key())
        with warnings.catch_warnings():
            warnings.simplefilter("error", CryptographyDeprecationWarning)
            cert.serial_number  # noqa: B018 - zero or negative warns here on every use
    except CryptographyDeprecationWarning:
        raise CertificateParseError(
            "A certificate in this file has a zero or negative serial number, which newer "
            "software refuses. Ask its issuer for a corrected certificate.") from None
    except ValueError:
        raise CertificateParseError(_DAMAGED) from None
    except UnsupportedAlgorithm:
        raise CertificateParseError(
            "A certificate in this file uses a key type we cannot read. Use certificates "
            "with RSA, EC or Ed25519 keys.") from None


def certificate_pem(cert: x509.Certificate) -> str:
    """The certificate as a PEM string (for storing in the session)."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificates_from_pem(text: str) -> list[x509.Certificate]:
    """Read back what `certificate_pem` wrote; blank text gives an empty list."""
    if not text.strip():
        return []
    try:
        with tolerating_old_serials():
            return x509.load_pem_x509_certificates(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise CertificateParseError(_NO_CERTIFICATES) from None


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """Colon-separated upper-case SHA-256, the form keytool and browsers display."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _certificates_from_blocks(blocks: list[PemBlock]) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for block in blocks:
        if block.label in _CERTIFICATE_LABELS:
            certs.append(_load_der_certificate(block))
        elif block.label in _PKCS7_LABELS:
            certs.extend(_load_pkcs7(_block_der(block)) or [])
        if len(certs) > MAX_CERTIFICATES:  # stop reading: the caller refuses the file
            break
    if not certs and any(b.label.endswith("PRIVATE KEY") for b in blocks):
        raise CertificateParseError(
            "This file holds a private key, not a certificate. "
            "Use the certificate file (.pem, .cer, .crt, .der or .p7b) instead.")
    return certs


def _block_der(block: PemBlock) -> bytes:
    try:
        return block.der()
    except (binascii.Error, ValueError):
        raise CertificateParseError(_DAMAGED) from None


def _load_der_certificate(block: PemBlock) -> x509.Certificate:
    der = _block_der(block)
    if block.label == "TRUSTED CERTIFICATE":
        # OpenSSL appends its trust settings after the certificate; keep only the certificate.
        der = der[:_der_sequence_length(der)]
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise CertificateParseError(_DAMAGED) from None


def _der_sequence_length(der: bytes) -> int:
    """Total length (header included) of the DER element at the start of `der`."""
    if len(der) < 2 or der[1] < 0x80:
        return 2 + (der[1] if len(der) >= 2 else 0)
    count = der[1] & 0x7F
    return 2 + count + int.from_bytes(der[2:2 + count], "big")


def _certificates_from_binary(data: bytes) -> list[x509.Certificate]:
    candidates = [data]
    with contextlib.suppress(binascii.Error, ValueError):  # .cer files may be bare base64
        candidates.append(base64.b64decode(b"".join(data.split()), validate=True))
    for der in candidates:
        try:
            return [x509.load_der_x509_certificate(der)]
        except ValueError:
            pass
        certs = _load_pkcs7(der)
        if certs is not None:
            return certs
    return []


def _load_pkcs7(der: bytes) -> list[x509.Certificate] | None:
    """Certificates from a PKCS#7 bundle, or None if `der` is not one."""
    with warnings.catch_warnings():
        # `openssl crl2pkcs7` writes an unsorted SET, which cryptography reads after warning;
        # the file is fine for our purpose, so the warning would only be noise. (The filter
        # is process-wide for the moment it is in place; at worst it hides the same warning.)
        warnings.filterwarnings("ignore", message="PKCS#7 certificates could not be parsed",
                                category=UserWarning)
        try:
            return pkcs7.load_der_pkcs7_certificates(der)
        except (ValueError, UnsupportedAlgorithm):
            return None


# --- describing ------------------------------------------------------------------------------
def describe_certificate(cert: x509.Certificate, *,
                         now: dt.datetime | None = None) -> CertificateSummary:
    """Summarise `cert` for display; `now` is injectable so tests can pin the clock."""
    now = now or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:  # a naive time cannot be compared with the certificate's UTC dates
        now = now.replace(tzinfo=dt.timezone.utc)
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    key_type, key_size, key_description = describe_public_key(cert.public_key())
    return CertificateSummary(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        common_name=_first_attribute(cert.subject, NameOID.COMMON_NAME),
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
    """(type, size in bits, description) such as ("EC", 256, "EC P-256")."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size, f"RSA {public_key.key_size}-bit"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        curve = public_key.curve
        return "EC", curve.key_size, f"EC {_CURVE_NAMES.get(curve.name, curve.name)}"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, "Ed25519"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448", 448, "Ed448"
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA", public_key.key_size, f"DSA {public_key.key_size}-bit"
    return "Unknown", 0, "Unknown key type"


def _status(not_before: dt.datetime, not_after: dt.datetime,
            now: dt.datetime) -> CertificateStatus:
    if now < not_before:
        return "not_yet_valid"
    if now > not_after:
        return "expired"
    if not_after - now <= dt.timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring_soon"
    return "valid"


def _first_attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    for attribute in name.get_attributes_for_oid(oid):
        value = attribute.value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return None


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
