"""Read certificates from any file a user has (PEM, DER, PKCS#7).

Users bring files exported by browsers, Windows, Java and OpenSSL; the parsers here are lenient
about packaging (text around PEM blocks, CRLF, BOM, base64 without headers) and strict about
content: every failure becomes a `CertificateParseError` whose message can be shown as is.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import warnings
from collections.abc import Iterator

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.utils import CryptographyDeprecationWarning

from webapp.pki.certs.chains import dedupe
from webapp.pki.certs.pem import (
    CERTIFICATE_LABELS,
    PKCS7_LABELS,
    PemBlock,
    TooManyBlocksError,
    pem_blocks,
)
from webapp.pki.certs.readable import (
    DAMAGED,
    READ_FAILURES,
    CertificateParseError,
    check_readable,
    load_der_certificate,
)
from webapp.pki.der import element_length
from webapp.pki.sniff import java_keystore_kind, looks_like_pkcs12
from webapp.translation import N_, _

__all__ = [
    "MAX_CERTIFICATES",
    "CertificateParseError",
    "certificate_pem",
    "certificates_from_pem",
    "check_readable",
    "parse_certificates",
    "tolerating_old_serials",
]

# One file holds a chain (2-5) or a partner's bundle; 100 is far beyond that and bounds the
# parsing, fingerprinting and chain-building work a hostile 1 MiB upload can cause.
MAX_CERTIFICATES = 100

_NO_CERTIFICATES = N_(
    "This file does not contain any certificates we can read. "
    "Use a .pem, .cer, .crt, .der or .p7b file."
)

_PEM_TEXT_FAILURES: tuple[type[Exception], ...] = (*READ_FAILURES, UnicodeEncodeError)

_TOO_MANY = N_(  # {n}: MAX_CERTIFICATES
    "This file holds more than {n} certificates. Upload only the "
    "certificates you need (the partner's chain), not a whole certificate store."
)


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM, DER or PKCS#7 file, deduplicated, in file order."""
    if not data.strip():
        raise CertificateParseError(
            _("This file is empty. Choose a certificate file: .pem, .cer, .crt, .der or .p7b.")
        )
    # The wrong file in the wrong step (issue 12): say where it belongs, not "unreadable".
    if java_keystore_kind(data) is not None:
        raise CertificateParseError(
            _(
                "This is a Java keystore (JKS), not a certificate file. Add the partner's "
                "certificate files here (.pem, .crt, .cer, .der or .p7b), or fetch them from "
                "the partner's server address above."
            )
        )
    if looks_like_pkcs12(data):
        raise CertificateParseError(
            _(
                "This is a key pair file (.p12 or .pfx): it belongs in step 1, Keystore. "
                "Here, add the partner's certificates."
            )
        )
    try:
        blocks = pem_blocks(data)
    except TooManyBlocksError as error:
        raise CertificateParseError(str(error)) from None
    with tolerating_old_serials():
        certs = _certificates_from_blocks(blocks) if blocks else _certificates_from_binary(data)
    if not certs:
        raise CertificateParseError(_(_NO_CERTIFICATES))
    if len(certs) > MAX_CERTIFICATES:
        raise CertificateParseError(_(_TOO_MANY, n=MAX_CERTIFICATES))
    for cert in certs:
        check_readable(cert)
    return dedupe(certs)


@contextlib.contextmanager
def tolerating_old_serials() -> Iterator[None]:
    """Load certificates with a zero or negative serial number without a warning, so that
    `check_readable` can refuse them with a sentence (RFC 5280 forbids them; cryptography
    warns now and will refuse them in a future release)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="Parsed a serial number which wasn't positive",
            category=CryptographyDeprecationWarning,
        )
        yield


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
    except _PEM_TEXT_FAILURES:
        raise CertificateParseError(_(_NO_CERTIFICATES)) from None


def _certificates_from_blocks(blocks: list[PemBlock]) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for block in blocks:
        if block.label in CERTIFICATE_LABELS:
            certs.append(_load_der_certificate(block))
        elif block.label in PKCS7_LABELS:
            certs.extend(_load_pkcs7(_block_der(block)) or [])
        if len(certs) > MAX_CERTIFICATES:  # stop reading: the caller refuses the file
            break
    if not certs and any(b.label.endswith("PRIVATE KEY") for b in blocks):
        raise CertificateParseError(
            _(
                "This file holds a private key, not a certificate: it belongs in step 1, "
                "Keystore, and must never be sent to anyone. Here, add the partner's "
                "certificates (.pem, .cer, .crt, .der or .p7b)."
            )
        )
    return certs


def _block_der(block: PemBlock) -> bytes:
    try:
        return block.der()
    except (binascii.Error, ValueError):
        raise CertificateParseError(_(DAMAGED)) from None


def _load_der_certificate(block: PemBlock) -> x509.Certificate:
    der = _block_der(block)
    try:
        if block.label == "TRUSTED CERTIFICATE":
            # OpenSSL appends its trust settings after the certificate; keep the certificate.
            der = der[: element_length(der)]
    except ValueError:
        raise CertificateParseError(_(DAMAGED)) from None
    return load_der_certificate(der)


def _certificates_from_binary(data: bytes) -> list[x509.Certificate]:
    candidates = [data]
    with contextlib.suppress(binascii.Error, ValueError):  # .cer files may be bare base64
        candidates.append(base64.b64decode(b"".join(data.split()), validate=True))
    for der in candidates:
        try:
            return [x509.load_der_x509_certificate(der)]
        except x509.InvalidVersion:
            return [load_der_certificate(der)]  # a certificate after all: refuse it in words
        except READ_FAILURES:
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
        warnings.filterwarnings(
            "ignore", message="PKCS#7 certificates could not be parsed", category=UserWarning
        )
        try:
            return pkcs7.load_der_pkcs7_certificates(der)
        except READ_FAILURES:
            return None
