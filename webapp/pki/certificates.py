"""Read certificates from any file a user has (PEM, DER, PKCS#7), describe them, order chains.

Users bring files exported by browsers, Windows, Java and OpenSSL; the parsers here are lenient
about packaging (text around PEM blocks, CRLF, BOM, base64 without headers) and strict about
content: every failure becomes a `CertificateParseError` whose message can be shown as is.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

__all__ = [
    "ALIAS_MAX_LENGTH",
    "EXPIRY_WARNING_DAYS",
    "JCEKS_MAGIC",
    "JKS_MAGIC",
    "AliasError",
    "CertificateParseError",
    "CertificateStatus",
    "CertificateSummary",
    "PemBlock",
    "certificate_pem",
    "certificates_from_pem",
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
# Long enough for any sensible name; keeps the keytool -list output and our UI readable.
ALIAS_MAX_LENGTH = 64
# Java keystores start with these magic numbers; telling the user beats "unreadable file".
JKS_MAGIC = b"\xfe\xed\xfe\xed"
JCEKS_MAGIC = b"\xce\xce\xce\xce"

_CERTIFICATE_LABELS = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"}
_PKCS7_LABELS = {"PKCS7", "PKCS #7 SIGNED DATA", "CMS"}
# Markers only: pairing BEGIN with END in a loop stays linear even on hostile input.
_PEM_MARKER = re.compile(r"-----(BEGIN|END) ([A-Z0-9 #]{1,64})-----")
_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}

_NO_CERTIFICATES = ("This file does not contain any certificates we can read. "
                    "Use a .pem, .cer, .crt, .der or .p7b file.")

_DAMAGED = "A certificate in this file is damaged or incomplete. Download or export it again."

CertificateStatus = Literal["valid", "expired", "not_yet_valid", "expiring_soon"]


class CertificateParseError(ValueError):
    """The file holds no readable certificate; str() is a sentence for the user."""


class AliasError(ValueError):
    """The alias the user typed cannot be used; str() is a sentence for the user."""


@dataclass(frozen=True)
class PemBlock:
    """One `-----BEGIN label-----` block, re-wrapped so any PEM loader accepts it."""

    label: str
    pem: bytes

    def der(self) -> bytes:
        """The base64 body decoded; headers such as Proc-Type are skipped."""
        body = b"".join(line for line in self.pem.splitlines()[1:-1] if b":" not in line)
        return base64.b64decode(body, validate=True)


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
    blocks = pem_blocks(data)
    certs = _certificates_from_blocks(blocks) if blocks else _certificates_from_binary(data)
    if not certs:
        raise CertificateParseError(_NO_CERTIFICATES)
    return _dedupe(certs)


def pem_blocks(data: bytes) -> list[PemBlock]:
    """All PEM blocks in `data`, tolerating text around them, CRLF, indentation and BOMs."""
    text = _as_text(data)
    if text is None or "-----BEGIN " not in text:
        return []
    blocks, open_label, start = [], "", 0
    for marker in _PEM_MARKER.finditer(text):
        kind, label = marker.groups()
        if kind == "BEGIN":
            open_label, start = label, marker.end()
        elif label == open_label:
            blocks.append(_rewrapped(label, text[start:marker.start()]))
            open_label = ""
    return blocks


def _rewrapped(label: str, content: str) -> PemBlock:
    lines = [line.strip() for line in content.splitlines()]
    headers = [line for line in lines if ":" in line]
    body = "".join(line for line in lines if line and ":" not in line)
    wrapped = [body[i:i + 64] for i in range(0, len(body), 64)]
    # Legacy encrypted keys need a blank line between their headers and the body.
    parts = [f"-----BEGIN {label}-----", *headers, *([""] if headers else []),
             *wrapped, f"-----END {label}-----", ""]
    return PemBlock(label, "\n".join(parts).encode("ascii", "replace"))


def certificate_pem(cert: x509.Certificate) -> str:
    """The certificate as a PEM string (for storing in the session)."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificates_from_pem(text: str) -> list[x509.Certificate]:
    """Read back what `certificate_pem` wrote; blank text gives an empty list."""
    if not text.strip():
        return []
    try:
        return x509.load_pem_x509_certificates(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise CertificateParseError(_NO_CERTIFICATES) from None


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """Colon-separated upper-case SHA-256, the form keytool and browsers display."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _as_text(data: bytes) -> str | None:
    # Windows Notepad saves "Unicode" (UTF-16 with BOM) and UTF-8 with a BOM.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")


def _certificates_from_blocks(blocks: list[PemBlock]) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for block in blocks:
        if block.label in _CERTIFICATE_LABELS:
            certs.append(_load_der_certificate(block))
        elif block.label in _PKCS7_LABELS:
            certs.extend(_load_pkcs7(_block_der(block)) or [])
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


def _dedupe(certs: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    seen: set[bytes] = set()
    unique = []
    for cert in certs:
        digest = cert.fingerprint(hashes.SHA256())
        if digest not in seen:
            seen.add(digest)
            unique.append(cert)
    return unique


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


# --- chains ----------------------------------------------------------------------------------
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


def _key_identifiers_match(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except (x509.ExtensionNotFound, ValueError):
        return True
    return aki.key_identifier is None or aki.key_identifier == ski.digest


def order_chain(leaf: x509.Certificate,
                others: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    """`leaf`, then its issuer, then that one's issuer... as far as `others` allow."""
    chain = [leaf]
    seen = {leaf.fingerprint(hashes.SHA256())}
    pool = [c for c in _dedupe(others) if c.fingerprint(hashes.SHA256()) not in seen]
    current = leaf
    while not is_issued_by(current, current):
        issuers = [c for c in pool if c.fingerprint(hashes.SHA256()) not in seen
                   and is_issued_by(current, c)]
        if not issuers:
            break
        # Several candidates happen with renewed or cross-signed CAs: prefer one valid now.
        current = next((c for c in issuers if _valid_now(c)), issuers[0])
        seen.add(current.fingerprint(hashes.SHA256()))
        chain.append(current)
    return chain


def _valid_now(cert: x509.Certificate) -> bool:
    now = dt.datetime.now(dt.timezone.utc)
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


# --- aliases ---------------------------------------------------------------------------------
def suggest_alias(cert: x509.Certificate, *, taken: Iterable[str] = ()) -> str:
    """A readable keystore alias from the certificate's name, unique among `taken`."""
    name = (_first_attribute(cert.subject, NameOID.COMMON_NAME)
            or _first_attribute(cert.subject, NameOID.ORGANIZATION_NAME) or "")
    # Keytool lower-cases aliases; transliterate accents so "Müller" stays readable.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9._-]+", "-", ascii_name.lower().strip())
    base = base[:ALIAS_MAX_LENGTH].strip("-") or "certificate"
    used = {alias.strip().lower() for alias in taken}
    candidate, number = base, 1
    while candidate in used:
        number += 1
        suffix = f"-{number}"
        candidate = base[:ALIAS_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return candidate


def validate_alias(alias: str) -> str:
    """The alias as it will be stored (stripped, lower-case), or AliasError saying why not."""
    normalised = alias.strip().lower()
    if not normalised:
        raise AliasError("Enter a name (alias) for this entry.")
    if len(normalised) > ALIAS_MAX_LENGTH:
        raise AliasError(f"The alias is too long. Use at most {ALIAS_MAX_LENGTH} characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in normalised):
        raise AliasError("The alias cannot contain tabs, line breaks or other control characters.")
    # Same rule as stores.check_alias (Java's modified UTF-8 breaks beyond U+FFFF), so an
    # alias accepted here is never refused later when the keystore is built.
    if any(ord(ch) > 0xFFFF or not ch.isprintable() for ch in normalised):
        raise AliasError("Use letters, digits, spaces and punctuation in the alias.")
    return normalised
