"""Load a key pair (private key + certificate chain) from PKCS#12, PEM or DER files.

Everything a user can get wrong (password, file type, key and certificate that do not belong
together) ends in a `KeyPairError` subclass whose str() is a sentence to show them.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.hazmat.primitives.serialization import pkcs12

from webapp.pki.certificates import (
    JCEKS_MAGIC,
    JKS_MAGIC,
    CertificateParseError,
    PemBlock,
    describe_public_key,
    order_chain,
    parse_certificates,
    pem_blocks,
)

__all__ = [
    "MAX_KEY_ENTRIES",
    "SUPPORTED_CURVES",
    "KeyMismatchError",
    "KeyPair",
    "KeyPairError",
    "NotAKeyPairError",
    "PasswordRequiredError",
    "PrivateKey",
    "UnsupportedKeyError",
    "WrongPasswordError",
    "load_key_pairs",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

# The curves the JDK's TLS stack offers by default; a key on another curve would load here
# and then fail in the Java client, far from the person who can fix it.
SUPPORTED_CURVES = ("secp256r1", "secp384r1", "secp521r1")

# Each encrypted key costs a deliberately slow key derivation; a client keystore holds a
# handful of keys, so the cap bounds the work a hostile upload can cause.
MAX_KEY_ENTRIES = 20

_ALIAS_LINE = "mtls-kit-source-alias: "
_CERTIFICATE_LABELS = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE",
                       "PKCS7", "PKCS #7 SIGNED DATA", "CMS"}


class KeyPairError(ValueError):
    """The upload is not a usable key pair; str() is a sentence for the user."""


class PasswordRequiredError(KeyPairError):
    def __init__(self) -> None:
        super().__init__("This file is protected by a password. "
                         "Enter the key pair file password.")


class WrongPasswordError(KeyPairError):
    def __init__(self) -> None:
        super().__init__("The password does not open this file. "
                         "Check the key pair file password and try again.")


class NotAKeyPairError(KeyPairError):
    """The file is readable but holds no private key (or is not a key pair file at all)."""


class KeyMismatchError(KeyPairError):
    def __init__(self) -> None:
        super().__init__("The private key does not belong to this certificate. Use the key "
                         "file that was created together with the certificate.")


class UnsupportedKeyError(KeyPairError):
    """A key type Java clients cannot use with us (DSA, Ed448, unusual curves...)."""


@dataclass(frozen=True)
class KeyPair:
    """A private key with its certificate chain, leaf first."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    source_alias: str | None = field(default=None)

    def __post_init__(self) -> None:
        if not self.chain or self.chain[0] != self.certificate:
            raise ValueError("chain must start with the key pair's own certificate")

    @property
    def key_description(self) -> str:
        return describe_public_key(self.private_key.public_key())[2]

    def private_key_pkcs8_der(self) -> bytes:
        """Unencrypted PKCS#8 DER, the form a JKS PrivateKeyEntry is built from."""
        return self.private_key.private_bytes(serialization.Encoding.DER,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())

    def to_pem_bundle(self) -> str:
        """Key and chain as PEM text, for the encrypted vault only (the key is not encrypted)."""
        key = self.private_key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption())
        # JSON-quoted so any friendly name (even with line breaks) survives the round trip.
        alias = "" if self.source_alias is None else _ALIAS_LINE + json.dumps(self.source_alias)
        certs = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain)
        return "\n".join([alias, (key + certs).decode("ascii")]).lstrip("\n")

    @classmethod
    def from_pem_bundle(cls, text: str) -> KeyPair:
        """Read back what `to_pem_bundle` wrote, keeping the chain order as stored."""
        alias: str | None = None
        try:
            if text.startswith(_ALIAS_LINE):  # read PEM only after it: a name may hold "-----"
                first_line, text = text.split("\n", 1)
                alias = str(json.loads(first_line[len(_ALIAS_LINE):]))
            blocks = pem_blocks(text.encode("utf-8"))
            key = serialization.load_pem_private_key(blocks[0].pem, None)
            chain = tuple(x509.load_pem_x509_certificate(b.pem) for b in blocks[1:])
            return cls(_supported(key), chain[0], chain, alias)
        except (IndexError, ValueError, TypeError, UnsupportedAlgorithm):
            raise KeyPairError("The saved key pair could not be read. "
                               "Please upload the key pair file again.") from None


def load_key_pairs(data: bytes, password: str | None, *,
                   extra: bytes | None = None) -> list[KeyPair]:
    """Every key pair in `data` (plus `extra`, e.g. a separate key or certificate file)."""
    secret = password.encode("utf-8") if password else None
    found = _Found()
    for blob in (data,) if extra is None else (data, extra):
        _read_file(blob, secret, found)
    return _pair_up(found)


@dataclass
class _Found:
    """What the uploaded files hold, gathered before keys are matched to certificates."""

    keys: list[tuple[PrivateKey, str | None]] = field(default_factory=list)  # with alias
    certs: list[x509.Certificate] = field(default_factory=list)
    names: dict[bytes, str] = field(default_factory=dict)  # SHA-256 -> PKCS#12 friendly name


# --- one file --------------------------------------------------------------------------------
def _read_file(blob: bytes, secret: bytes | None, found: _Found) -> None:
    if not blob.strip():
        raise NotAKeyPairError("This file is empty. "
                               "Choose your key pair file (.p12, .pfx or .pem).")
    if blob.startswith((JKS_MAGIC, JCEKS_MAGIC)):
        kind = "JKS" if blob.startswith(JKS_MAGIC) else "JCEKS"
        raise NotAKeyPairError(
            f"This is a Java keystore ({kind}), which we cannot read keys from. Please export "
            "it as a PKCS#12 (.p12) file with keytool -importkeystore -deststoretype PKCS12 "
            "and upload that instead.")
    blocks = pem_blocks(blob)
    if blocks:
        key_blocks = [b for b in blocks if b.label.endswith("PRIVATE KEY")]
        if len(key_blocks) > MAX_KEY_ENTRIES:
            raise _too_many_keys()
        found.keys.extend((_load_pem_key(b, secret), None) for b in key_blocks)
        if any(b.label in _CERTIFICATE_LABELS for b in blocks):
            try:
                found.certs.extend(parse_certificates(blob))
            except CertificateParseError as error:  # a damaged block: its message says so
                raise NotAKeyPairError(str(error)) from None
        elif any(b.label.endswith("CERTIFICATE REQUEST") for b in blocks):
            raise NotAKeyPairError(
                "This is a certificate request (CSR), not a key pair. Once the certificate "
                "has been issued, upload it together with its private key.")
    elif _looks_like_pkcs12(blob):
        _read_pkcs12(blob, secret, found)
    else:
        key = _load_der_key(blob, secret)
        if key is not None:
            found.keys.append((key, None))
        else:
            try:
                found.certs.extend(parse_certificates(blob))
            except CertificateParseError:
                raise _not_a_key_pair() from None


def _too_many_keys() -> NotAKeyPairError:
    return NotAKeyPairError(f"This file holds more than {MAX_KEY_ENTRIES} private keys. "
                            "Export only the key pair you need and upload that.")


def _not_a_key_pair() -> NotAKeyPairError:
    return NotAKeyPairError(
        "This is not a key pair file we can read. Use a .p12 or .pfx file, or a .pem "
        "file with the private key and its certificate.")


def _load_pem_key(block: PemBlock, secret: bytes | None) -> PrivateKey:
    # PKCS#8 says so in its label; the legacy OpenSSL form in a "Proc-Type: 4,ENCRYPTED" header.
    encrypted = block.label == "ENCRYPTED PRIVATE KEY" or b"4,ENCRYPTED" in block.pem
    if encrypted and secret is None:
        raise PasswordRequiredError()
    try:
        key = serialization.load_pem_private_key(block.pem, secret if encrypted else None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if encrypted:
            raise WrongPasswordError() from None
        raise NotAKeyPairError(
            "The private key in this file is damaged or in a form we cannot read. "
            "Export it again as a .p12 file or a PKCS#8 .pem file.") from None
    return _supported(key)


def _load_der_key(blob: bytes, secret: bytes | None) -> PrivateKey | None:
    """The DER private key in `blob`, or None when `blob` is not a private key at all."""
    try:
        key = serialization.load_der_private_key(blob, None)
    except TypeError:  # cryptography's way of saying "this key is encrypted"
        if secret is None:
            raise PasswordRequiredError() from None
        try:
            key = serialization.load_der_private_key(blob, secret)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise WrongPasswordError() from None
    except (ValueError, UnsupportedAlgorithm):
        return None
    return _supported(key)


def _supported(key: PrivateKeyTypes) -> PrivateKey:
    if isinstance(key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in SUPPORTED_CURVES:
        return key
    kind = describe_public_key(key.public_key())[2]
    raise UnsupportedKeyError(f"This key type ({kind}) is not supported. Use an RSA, EC "
                              "(P-256, P-384 or P-521) or Ed25519 key.")


# --- PKCS#12 ---------------------------------------------------------------------------------
def _read_pkcs12(blob: bytes, secret: bytes | None, found: _Found) -> None:
    if blob[1] != 0x80:  # 0x80: BER with indefinite length, which has no length to check
        try:  # bytes after the PFX (a stray newline from a download) are dropped
            blob = _element(blob, 0)[0]
        except (ValueError, IndexError):
            # A cut-off download fails like a wrong password would; say what really happened.
            raise NotAKeyPairError("This key pair file is damaged or incomplete. "
                                   "Download or export it again.") from None
    # None also opens files made with an empty password (OpenSSL's "no password"); trying it
    # after a typed password forgives people who enter one for a file that has none.
    for attempt in (secret, None) if secret else (None,):
        try:
            with warnings.catch_warnings():
                # BER files load after a "could not be parsed as DER" warning: they are fine.
                warnings.filterwarnings("ignore", message="PKCS#12 bundle could not be parsed",
                                        category=UserWarning)
                bundle = pkcs12.load_pkcs12(blob, attempt)
            break
        except (ValueError, UnsupportedAlgorithm):
            continue
    else:
        raise WrongPasswordError() if secret else PasswordRequiredError()
    for entry in ([bundle.cert] if bundle.cert else []) + bundle.additional_certs:
        found.certs.append(entry.certificate)
        if entry.friendly_name:
            found.names.setdefault(entry.certificate.fingerprint(hashes.SHA256()),
                                   entry.friendly_name.decode("utf-8", "replace"))
    several = _all_key_bags(blob, attempt)
    if several:
        found.keys.extend((_supported(key), name) for key, name in several)
    elif bundle.key is not None:
        found.keys.append((_supported(bundle.key), None))


def _all_key_bags(blob: bytes,
                  secret: bytes | None) -> list[tuple[PrivateKeyTypes, str | None]]:
    """All keys of a multi-key PKCS#12 (keytool makes these); [] for the usual single key.

    `load_pkcs12` returns only one key. Keys sit in unencrypted SafeContents as (shrouded)
    key bags, which are plain PKCS#8 that cryptography can decrypt, so a small DER walk
    finds them. Anything unusual (BER, keys inside encrypted data, an empty password that
    the PKCS#8 loader refuses) falls back to the single key `load_pkcs12` found.
    """
    try:
        bags = list(_key_bags(blob))
    except (ValueError, IndexError):
        return []
    if len(bags) > MAX_KEY_ENTRIES:
        raise _too_many_keys()
    if len(bags) < 2:
        return []
    try:
        return [(serialization.load_der_private_key(der, secret if shrouded else None), name)
                for der, shrouded, name in bags]
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return []


# Object identifiers, DER-encoded (RFC 7292 and RFC 2985).
_OID_PKCS7_PREFIX = bytes.fromhex("06092a864886f70d0107")  # data, signedData...: PKCS#7 types
_OID_DATA = bytes.fromhex("2a864886f70d010701")
_OID_KEY_BAG = bytes.fromhex("2a864886f70d010c0a0101")
_OID_SHROUDED_KEY_BAG = bytes.fromhex("2a864886f70d010c0a0102")
_OID_FRIENDLY_NAME = bytes.fromhex("2a864886f70d010914")


def _looks_like_pkcs12(blob: bytes) -> bool:
    """PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, ... } (RFC 7292 §4).

    Checked on the raw bytes so BER files (indefinite length, some older Windows exports)
    are recognised too: a wrong password must not be reported as "not a key pair file".
    """
    if len(blob) < 20 or blob[0] != 0x30:
        return False
    header = 2 + (blob[1] & 0x7F if blob[1] > 0x80 else 0)
    start = blob[header:header + 20]
    return start.startswith(b"\x02\x01\x03\x30") and _OID_PKCS7_PREFIX in start


def _key_bags(blob: bytes) -> Iterator[tuple[bytes, bool, str | None]]:
    """(PKCS#8 DER, is encrypted, friendly name) for each key bag outside encrypted data."""
    _, auth_safe, *_ = _children(_single(blob))
    authenticated_safe = _explicit_octets(_children(auth_safe)[1])
    for content_info in _children(_single(authenticated_safe)):
        content_type, *content = _children(content_info)
        if _value(content_type) != _OID_DATA:
            continue  # encrypted data: certificates in every tool we know
        for bag in _children(_single(_explicit_octets(content[0]))):
            bag_id, bag_value, *attributes = _children(bag)
            if _value(bag_id) in (_OID_KEY_BAG, _OID_SHROUDED_KEY_BAG):
                yield (_children(bag_value)[0], _value(bag_id) == _OID_SHROUDED_KEY_BAG,
                       _friendly_name(attributes))


def _friendly_name(attributes: list[bytes]) -> str | None:
    for attribute in _children(attributes[0]) if attributes else []:
        oid, values = _children(attribute)
        if _value(oid) == _OID_FRIENDLY_NAME:
            return _value(_children(values)[0]).decode("utf-16-be")  # a BMPString
    return None


def _explicit_octets(tagged: bytes) -> bytes:
    """The OCTET STRING inside a `[0] EXPLICIT OCTET STRING`."""
    return _value(_children(tagged)[0])


def _single(der: bytes) -> bytes:
    element, end = _element(der, 0)
    if end != len(der):
        raise ValueError("trailing data")
    return element


def _children(element: bytes) -> list[bytes]:
    body, found, pos = _value(element), [], 0
    while pos < len(body):
        child, pos = _element(body, pos)
        found.append(child)
    return found


def _value(element: bytes) -> bytes:
    header = 2 + (element[1] & 0x7F if element[1] & 0x80 else 0)
    return element[header:]


def _element(der: bytes, pos: int) -> tuple[bytes, int]:
    """The DER element (header included) starting at `pos`, and where the next one starts."""
    length, header = der[pos + 1], 2
    if length & 0x80:  # long form; 0x80 alone would be BER indefinite length, refused
        count = length & 0x7F
        if not 1 <= count <= 4:
            raise ValueError("unsupported length")
        length, header = int.from_bytes(der[pos + 2:pos + 2 + count], "big"), 2 + count
    end = pos + header + length
    if end > len(der):
        raise ValueError("truncated")
    return der[pos:end], end


# --- pairing ---------------------------------------------------------------------------------
def _pair_up(found: _Found) -> list[KeyPair]:
    unique_keys: dict[bytes, tuple[PrivateKey, str | None]] = {}
    for key, alias in found.keys:  # the same key may come twice, e.g. in both uploaded files
        unique_keys.setdefault(_spki(key.public_key()), (key, alias))
    certs = found.certs
    if not unique_keys and not certs:
        raise _not_a_key_pair()
    if not unique_keys:
        what = "a certificate" if len(certs) == 1 else "certificates"
        raise NotAKeyPairError(
            f"This file holds only {what}, not a private key. Upload the key pair file "
            "(.p12 or .pfx), or add the private key file as well.")
    if not certs:
        raise NotAKeyPairError("This file holds only a private key, without its certificate. "
                               "Add the certificate file as well.")
    pairs = []
    for spki, (key, alias) in unique_keys.items():
        matches = [c for c in certs if _spki(c.public_key()) == spki]
        if not matches:
            raise KeyMismatchError()
        # A renewed certificate may reuse the key; the newest one is the one to deploy.
        leaf = max(matches, key=lambda c: c.not_valid_after_utc)
        chain = order_chain(leaf, certs)
        pairs.append(KeyPair(key, leaf, tuple(chain),
                             alias or found.names.get(leaf.fingerprint(hashes.SHA256()))))
    return pairs


def _spki(public_key: PublicKeyTypes | CertificatePublicKeyTypes) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)
