"""Load a key pair (private key + certificate chain) from PKCS#12, PEM or DER files.

Everything a user can get wrong (password, file type, key and certificate that do not belong
together) ends in a `KeyPairError` subclass whose str() is a sentence to show them. Before
anything is decrypted, every file's password-hashing cost is read and checked
(`kdf_limits`), so a hostile upload is refused in milliseconds instead of holding a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from webapp.pki.certs.chains import order_chain
from webapp.pki.certs.parse import (
    MAX_CERTIFICATES,
    CertificateParseError,
    check_readable,
    parse_certificates,
)
from webapp.pki.certs.pem import CERTIFICATE_LABELS, PKCS7_LABELS, PemBlock
from webapp.pki.certs.readable import DAMAGED, READ_FAILURES
from webapp.pki.key_checks import KeyCheckBudget, load_der_key, load_pem_key
from webapp.pki.keyimport.errors import (
    MAX_KEY_FILE_PASSWORD_LENGTH,
    KeyMismatchError,
    KeyPairError,
    NotAKeyPairError,
    PasswordRequiredError,
    PasswordTooLongError,
    TooSlowToOpenError,
    UnsupportedKeyError,
    WrongPasswordError,
    certificate_request,
    certificates_without_key,
    key_without_certificate,
    not_a_key_pair,
    too_many_certificates,
)
from webapp.pki.keyimport.kdf_limits import KdfCost, check_costs
from webapp.pki.keyimport.keypair import KeyPair, supported_key
from webapp.pki.keyimport.pkcs12_contents import (
    check_key_bags,
    hidden_bags,
    openssl_can_use,
    openssl_load,
)
from webapp.pki.keyimport.pkcs12_structure import Pkcs12Layout, SafeBag, key_bag_costs
from webapp.pki.keyimport.scan import (
    DAMAGED_FILE,
    DAMAGED_KEY,
    MAX_KEY_ENTRIES,
    ScannedFile,
    scan_keypair_file,
    too_many_keys,
)
from webapp.pki.keys import KeyRefusedError, PrivateKey, spki_der
from webapp.translation import _

__all__ = [
    "MAX_KEY_ENTRIES",
    "MAX_KEY_FILE_PASSWORD_LENGTH",
    "PasswordTooLongError",
    "KeyMismatchError",
    "KeyPair",
    "KeyPairError",
    "NotAKeyPairError",
    "PasswordRequiredError",
    "PrivateKey",
    "TooSlowToOpenError",
    "UnsupportedKeyError",
    "WrongPasswordError",
    "load_key_pairs",
]


def load_key_pairs(
    data: bytes, password: str | None, *, extra: bytes | None = None
) -> list[KeyPair]:
    """Every key pair in `data` (plus `extra`, e.g. a separate key or certificate file)."""
    if password is not None and len(password) > MAX_KEY_FILE_PASSWORD_LENGTH:
        raise PasswordTooLongError()
    try:
        return _load_key_pairs(data, password, extra=extra)
    except KeyPairError:
        raise
    except KeyRefusedError as error:  # too large, or a type Java cannot use (issue 19)
        raise UnsupportedKeyError(str(error)) from None
    except READ_FAILURES:
        # The last line of defence (issue 10): anything our DER readers, cryptography or a
        # hand-made structure throws is a damaged file to the user, never a 500.
        raise NotAKeyPairError(_(DAMAGED_FILE)) from None


def _load_key_pairs(
    data: bytes, password: str | None, *, extra: bytes | None = None
) -> list[KeyPair]:
    # surrogatepass: a password no keyboard can type must fail as a wrong password, not crash.
    secret = password.encode("utf-8", "surrogatepass") if password else None
    uploads = [scan_keypair_file(blob) for blob in ((data,) if extra is None else (data, extra))]
    found = _Found(costs=[cost for upload in uploads for cost in upload.costs])
    check_costs(found.costs)  # both files, before anything is decrypted
    for upload in uploads:
        _read_file(upload, secret, found)
    pairs = _pair_up(found)
    for pair in pairs:  # the gate every certificate passes before it is saved (issue 10)
        for cert in pair.chain:
            try:
                check_readable(cert)
            except CertificateParseError as error:
                raise NotAKeyPairError(str(error)) from None
    return pairs


@dataclass
class _Found:
    """What the uploaded files hold, gathered before keys are matched to certificates."""

    costs: list[KdfCost]  # every password derivation seen so far, for the limits
    keys: list[tuple[PrivateKey, str | None]] = field(default_factory=list)  # with alias
    certs: list[x509.Certificate] = field(default_factory=list)
    names: dict[bytes, str] = field(default_factory=dict)  # SHA-256 -> PKCS#12 friendly name
    checks: KeyCheckBudget = field(default_factory=KeyCheckBudget)  # RSA key checks spent


# --- one file --------------------------------------------------------------------------------
def _read_file(upload: ScannedFile, secret: bytes | None, found: _Found) -> None:
    blocks, blob = upload.blocks, upload.data
    if blocks:
        key_blocks = [b for b in blocks if b.label.endswith("PRIVATE KEY")]
        found.keys.extend((_load_pem_key(b, secret, found.checks), None) for b in key_blocks)
        if any(b.label in CERTIFICATE_LABELS or b.label in PKCS7_LABELS for b in blocks):
            try:
                found.certs.extend(parse_certificates(blob))
            except CertificateParseError as error:  # a damaged block: its message says so
                raise NotAKeyPairError(str(error)) from None
        elif any(b.label.endswith("CERTIFICATE REQUEST") for b in blocks):
            raise certificate_request()
    elif upload.layout is not None:
        _read_pkcs12(upload.layout, secret, found)
    else:
        key = _load_der_key(blob, secret, found.checks)
        if key is not None:
            found.keys.append((key, None))
        else:
            try:
                found.certs.extend(parse_certificates(blob))
            except CertificateParseError:
                raise not_a_key_pair() from None


def _load_pem_key(block: PemBlock, secret: bytes | None, checks: KeyCheckBudget) -> PrivateKey:
    # PKCS#8 says so in its label; the legacy OpenSSL form in a "Proc-Type: 4,ENCRYPTED" header.
    encrypted = block.label == "ENCRYPTED PRIVATE KEY" or b"4,ENCRYPTED" in block.pem
    if encrypted and secret is None:
        raise PasswordRequiredError()
    try:
        key = load_pem_key(block.pem, None if encrypted else block.der(), secret, budget=checks)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if encrypted:
            raise WrongPasswordError() from None
        raise NotAKeyPairError(_(DAMAGED_KEY)) from None
    return supported_key(key)


def _load_der_key(blob: bytes, secret: bytes | None, checks: KeyCheckBudget) -> PrivateKey | None:
    """The DER private key in `blob`, or None when `blob` is not a private key at all."""
    try:
        key = load_der_key(blob, None, budget=checks)
    except TypeError:  # cryptography's way of saying "this key is encrypted"
        if secret is None:
            raise PasswordRequiredError() from None
        try:
            key = load_der_key(blob, secret, budget=checks)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise WrongPasswordError() from None
    except (ValueError, UnsupportedAlgorithm):
        return None
    return supported_key(key)


# --- PKCS#12 ---------------------------------------------------------------------------------
def _read_pkcs12(layout: Pkcs12Layout, secret: bytes | None, found: _Found) -> None:
    # OpenSSL decrypts a key bag hidden in the encrypted content with the count the bag
    # names, which only shows once that content is decrypted: look first, then check.
    hidden = [bag for bag in hidden_bags(layout, secret) if bag.is_key]
    if len(layout.key_bags) + len(hidden) > MAX_KEY_ENTRIES:
        raise too_many_keys()
    found.costs.extend(key_bag_costs(hidden))  # checked below, with the key rule's own hashing
    # The key rule before load_pkcs12 runs OpenSSL's RSA check, whatever the size (issue 19).
    check_key_bags((*layout.key_bags, *hidden), secret, found.checks, found.costs)
    # None also opens files made with an empty password (OpenSSL's "no password"); trying it
    # after a typed password forgives people who enter one for a file that has none.
    # A typed password OpenSSL cannot take is simply wrong (openssl_can_use).
    typed = secret if secret and openssl_can_use(secret) else None
    for attempt in (typed, None) if typed else (None,):
        try:
            bundle = openssl_load(layout.pfx, attempt)
            break
        except (ValueError, UnsupportedAlgorithm):
            continue
        except READ_FAILURES:  # InvalidVersion & co: a certificate inside is unreadable
            raise NotAKeyPairError(_(DAMAGED)) from None
    else:
        raise WrongPasswordError() if secret else PasswordRequiredError()
    entries = ([bundle.cert] if bundle.cert else []) + bundle.additional_certs
    if len(found.certs) + len(entries) > MAX_CERTIFICATES:
        raise too_many_certificates(MAX_CERTIFICATES, one_file=True)
    for entry in entries:
        try:
            check_readable(entry.certificate)
        except CertificateParseError as error:
            raise NotAKeyPairError(str(error)) from None
        found.certs.append(entry.certificate)
        if entry.friendly_name:
            found.names.setdefault(
                entry.certificate.fingerprint(hashes.SHA256()),
                entry.friendly_name.decode("utf-8", "replace"),
            )
    several = _all_key_bags(layout.key_bags, attempt, bundle.key)
    if several:
        found.keys.extend((supported_key(key), name) for key, name in several)
    elif bundle.key is not None:
        found.keys.append((supported_key(bundle.key), None))


def _all_key_bags(
    bags: tuple[SafeBag, ...], secret: bytes | None, checked: PrivateKeyTypes | None
) -> list[tuple[PrivateKeyTypes, str | None]]:
    """All keys of a multi-key PKCS#12 (keytool makes these); [] for the usual single key.

    `load_pkcs12` returns only one key, `checked` (OpenSSL checked it: reused, not checked
    again). Keys outside encrypted content are plain or encrypted PKCS#8, read and checked here.
    Anything unusual (an empty password the PKCS#8 loader refuses) falls back to `checked`.
    """
    if len(bags) < 2:
        return []
    try:
        return [
            (
                load_der_key(bag.pkcs8, secret if bag.shrouded else None, checked=checked),
                bag.friendly_name,
            )
            for bag in bags
        ]
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return []


# --- pairing ---------------------------------------------------------------------------------
def _pair_up(found: _Found) -> list[KeyPair]:
    unique_keys: dict[bytes, tuple[PrivateKey, str | None]] = {}
    for key, alias in found.keys:  # the same key may come twice, e.g. in both uploaded files
        unique_keys.setdefault(spki_der(key.public_key()), (key, alias))
    certs = found.certs
    if len(certs) > MAX_CERTIFICATES:
        raise too_many_certificates(MAX_CERTIFICATES, one_file=False)
    if not unique_keys and not certs:
        raise not_a_key_pair()
    if not unique_keys:
        raise certificates_without_key(len(certs))
    if not certs:
        raise key_without_certificate()
    pairs = []
    for spki, (key, alias) in unique_keys.items():
        matches = [c for c in certs if spki_der(c.public_key()) == spki]
        if not matches:
            raise KeyMismatchError()
        # A renewed certificate may reuse the key; the newest one is the one to deploy.
        leaf = max(matches, key=lambda c: c.not_valid_after_utc)
        chain = order_chain(leaf, certs)
        pairs.append(
            KeyPair(
                key, leaf, tuple(chain), alias or found.names.get(leaf.fingerprint(hashes.SHA256()))
            )
        )
    return pairs
