"""Make a new key pair and a certificate request (CSR) for people who have no key pair yet.

The keystore holds the new key with a self-signed placeholder certificate, as
`keytool -genkeypair` leaves it, until the CA's reply replaces the chain
(webapp/pki/java/renew.apply_ca_reply). The CSR is PKCS#10 (RFC 2986), PEM, signed with the key.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from webapp.pki.keyimport.errors import KeyPairError
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.keys import PrivateKey, unsupported_key_reason
from webapp.translation import N_, _

__all__ = [
    "DEFAULT_KEY_TYPE",
    "KEY_TYPES",
    "PLACEHOLDER_VALIDITY_DAYS",
    "GeneratedRequest",
    "KeyType",
    "RequestFieldError",
    "generate_key_and_request",
    "request_subject",
]

KeyType = Literal["rsa3072", "rsa2048", "ec-p256"]
# Labels for the form (msgids: the page shows each through _()). RSA 3072 by default: NIST
# SP 800-57 rates it good beyond 2030, and every CA and Java version takes it; RSA 2048 for
# partners that ask for it; P-256 is smaller and faster where the partner's CA issues EC
# certificates.
KEY_TYPES: dict[KeyType, str] = {
    "rsa3072": N_("RSA 3072 bits (recommended)"),
    "rsa2048": N_("RSA 2048 bits"),
    "ec-p256": "EC P-256",
}
DEFAULT_KEY_TYPE: KeyType = "rsa3072"
# keytool -genkeypair's default validity: the placeholder only waits for the CA's reply.
PLACEHOLDER_VALIDITY_DAYS = 90
_MAX_FIELD = 64  # ub-common-name and ub-organization-name (RFC 5280 appendix A.1)
# What each text field's refusals say, one whole sentence per msgid: (empty, too long, odd
# characters); no "empty" sentence: the field may be left empty (the organisation).
_COMMON_NAME_WORDS = (
    N_("Enter the name for this connection."),
    N_("Use at most {n} characters for the name for this connection."),
    N_("Use letters, digits, spaces and punctuation for the name for this connection."),
)
_ORGANISATION_WORDS = (
    None,
    N_("Use at most {n} characters for the organisation."),
    N_("Use letters, digits, spaces and punctuation for the organisation."),
)


class RequestFieldError(KeyPairError):
    """One form field is not usable; `field` names it, str() says why in plain words."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name  # "organisation", "common_name", "country" or "key_type"
        super().__init__(message)


@dataclass(frozen=True)
class GeneratedRequest:
    """The new key with its placeholder certificate, and the request to send to the CA."""

    key_pair: KeyPair = field(repr=False)
    csr_pem: bytes

    @property
    def csr(self) -> x509.CertificateSigningRequest:
        return x509.load_pem_x509_csr(self.csr_pem)


def request_subject(*, organisation: str, common_name: str, country: str = "") -> x509.Name:
    """The subject from the plain form fields; RequestFieldError for the first bad one."""
    common_name = _check_text("common_name", common_name, _COMMON_NAME_WORDS)
    organisation = _check_text("organisation", organisation, _ORGANISATION_WORDS)
    country = country.strip().upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise RequestFieldError(
            "country",
            _("Enter the country as two letters, for example DE or GB, or leave it empty."),
        )
    attributes = []
    if country:
        attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def generate_key_and_request(
    *,
    organisation: str,
    common_name: str,
    country: str = "",
    key_type: str = DEFAULT_KEY_TYPE,
    now: dt.datetime | None = None,
) -> GeneratedRequest:
    """A new key, its self-signed placeholder certificate, and a PKCS#10 request (PEM)."""
    subject = request_subject(organisation=organisation, common_name=common_name, country=country)
    key = _new_key(key_type)
    digest = _digest_for(key)
    now = now or dt.datetime.now(dt.UTC)
    public_key = key.public_key()
    placeholder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=PLACEHOLDER_VALIDITY_DAYS))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, digest)
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, digest)
    pair = KeyPair(key, placeholder, (placeholder,), None)
    return GeneratedRequest(pair, csr.public_bytes(serialization.Encoding.PEM))


def _check_text(field_name: str, value: str, words: tuple[str | None, str, str]) -> str:
    empty, too_long, odd = words
    value = " ".join(value.split())  # line breaks and runs of spaces are typing accidents
    if not value:
        if empty is not None:  # a required field
            raise RequestFieldError(field_name, _(empty))
        return ""
    if len(value) > _MAX_FIELD:
        raise RequestFieldError(field_name, _(too_long, n=_MAX_FIELD))
    if not all(char.isprintable() for char in value) or any(ord(c) > 0xFFFF for c in value):
        raise RequestFieldError(field_name, _(odd))
    return value


def _new_key(key_type: str) -> PrivateKey:
    key: PrivateKey
    if key_type == "rsa3072":
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    elif key_type == "rsa2048":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif key_type == "ec-p256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        raise RequestFieldError("key_type", _("Choose one of the offered key types."))
    # The same rule as every other key path (webapp.pki.keys, issue 19): an offered type
    # outside it would be a bug here, not the user's doing.
    reason = unsupported_key_reason(key)
    if reason is not None:
        raise AssertionError(reason)
    return key


def _digest_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    # keytool's defaults (JDK 17): SHA384withRSA for RSA 3072, SHA256 for smaller keys and P-256.
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 3072:
        return hashes.SHA384()
    return hashes.SHA256()
