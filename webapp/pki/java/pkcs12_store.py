"""Open a PKCS#12 file as a keystore or truststore: every key entry and trusted certificate.

`load_pkcs12` checks the MAC (the password) but returns one key and loses the bag attributes
that tell Java's entries apart, so after it we walk the bags ourselves (RFC 7292 §4.2):

* key bags, paired with their certificate by localKeyId (1.2.840.113549.1.9.21), else by
  public key, and named by friendlyName;
* certificate bags carrying Java's trusted-key-usage attribute (2.16.840.1.113894.746875.1.1,
  written by keytool -importcert since JDK 8) are trusted-certificate entries;
* other certificates are chain members; those in no key's chain (OpenSSL `-nokeys` bundles)
  are listed as trusted certificates too, so a truststore from any tool can be compared.

Every password-hashing count is priced before anything is decrypted (keyimport.kdf_limits).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from webapp.pki import der
from webapp.pki.certs.chains import order_chain
from webapp.pki.certs.parse import CertificateParseError, check_readable, tolerating_old_serials
from webapp.pki.java.aliases import suggest_alias
from webapp.pki.java.opened import (
    MAX_STORE_CERTIFICATES,
    MAX_STORE_ENTRIES,
    MAX_STORE_KEYS,
    DamagedStoreError,
    OpenedEntry,
    OpenedStore,
    OpenStoreError,
    StorePasswordError,
    StoreTooCostlyError,
    StoreTooLargeError,
    too_many_keys,
)
from webapp.pki.key_checks import KeyCheckBudget, load_der_key
from webapp.pki.keyimport.errors import KeyPairError, TooSlowToOpenError, UnsupportedKeyError
from webapp.pki.keyimport.kdf_limits import KdfCost, check_costs
from webapp.pki.keyimport.keypair import supported_key
from webapp.pki.keyimport.pkcs12_contents import (
    check_key_bags,
    decrypt_content,
    hidden_key_bags,
    key_bag_check_costs,
)
from webapp.pki.keyimport.pkcs12_structure import (
    KeyBag,
    content_info,
    explicit_octets,
    is_utf8,
    key_bag_costs,
    read_layout,
)
from webapp.pki.keys import KeyRefusedError, PrivateKey, spki_der

__all__ = ["open_pkcs12_store"]

_PKCS7 = bytes.fromhex("2a864886f70d0107")
_OID_DATA, _OID_ENCRYPTED_DATA = _PKCS7 + b"\x01", _PKCS7 + b"\x06"
_BAGS = bytes.fromhex("2a864886f70d010c0a01")
_KEY_BAG, _SHROUDED_KEY_BAG, _CERT_BAG = _BAGS + b"\x01", _BAGS + b"\x02", _BAGS + b"\x03"
_SAFE_CONTENTS_BAG = _BAGS + b"\x06"
_X509_CERTIFICATE = bytes.fromhex("2a864886f70d01091601")  # 1.2.840.113549.1.9.22.1
_FRIENDLY_NAME = bytes.fromhex("2a864886f70d010914")
_LOCAL_KEY_ID = bytes.fromhex("2a864886f70d010915")
_JAVA_TRUSTED_KEY_USAGE = bytes.fromhex("6086480186f966adca7b0101")  # 2.16.840.1.113894.746875.1.1
_MAX_NESTING = 4


@dataclass(frozen=True)
class _Bag:
    kind: bytes
    value: bytes  # PKCS#8 (maybe encrypted) or certificate DER
    friendly_name: str | None
    local_key_id: bytes | None
    java_trusted: bool


def open_pkcs12_store(data: bytes, password: str) -> OpenedStore:
    """Every entry of the PKCS#12 file `data`; OpenStoreError subclasses for what is wrong."""
    secret = password.encode("utf-8", "surrogatepass") if password else None
    try:
        layout = read_layout(data)
        check_costs(layout.costs())
        hidden = hidden_key_bags(layout.encrypted_contents, secret)
        check_costs(layout.costs() + key_bag_costs(hidden))
    except TooSlowToOpenError:
        raise StoreTooCostlyError(
            "This store's password protection is set to far more rounds than any ordinary "
            "tool uses. Export it again with keytool's default settings and upload that."
        ) from None
    except (KeyPairError, ValueError):
        raise DamagedStoreError() from None
    if len(layout.key_bags) + len(hidden) > MAX_STORE_KEYS:
        raise too_many_keys()
    _check_key_rule((*layout.key_bags, *hidden), layout.costs() + key_bag_costs(hidden), secret)
    checked = _check_mac(layout.pfx, secret)  # runs the RSA check: the rule came first
    bags = _all_bags(data, secret)
    return _entries_from(bags, secret, checked)


def _check_key_rule(bags: tuple[KeyBag, ...], costs: list[KdfCost], secret: bytes | None) -> None:
    """Every key's size and type (issue 19), read before any key is loaded with its check."""
    try:
        check_costs(costs + key_bag_check_costs(bags))
        check_key_bags(bags, secret, KeyCheckBudget())
    except TooSlowToOpenError:
        raise StoreTooCostlyError(
            "This store's password protection is set to far more rounds than any ordinary "
            "tool uses. Export it again with keytool's default settings and upload that."
        ) from None
    except KeyRefusedError as error:
        raise OpenStoreError(str(error)) from None
    except ValueError:
        raise DamagedStoreError() from None


def _check_mac(pfx: bytes, secret: bytes | None) -> PrivateKeyTypes | None:
    """load_pkcs12 verifies the MAC: the first place a wrong password shows. Returns the key
    it read (and ran OpenSSL's check on), so that key is not checked twice."""
    if secret is not None and (b"\0" in secret or not is_utf8(secret)):
        raise StorePasswordError()  # OpenSSL takes a C string: no such password can be right
    try:
        with warnings.catch_warnings(), tolerating_old_serials():
            warnings.filterwarnings(
                "ignore", message="PKCS#12 bundle could not be parsed", category=UserWarning
            )
            return pkcs12.load_pkcs12(pfx, secret).key
    except (ValueError, UnsupportedAlgorithm):
        raise StorePasswordError() from None


def _all_bags(data: bytes, secret: bytes | None) -> list[_Bag]:
    layout = read_layout(data)
    pfx = der.single(layout.pfx)
    _version, auth_safe, *_ = der.children(pfx)
    bags: list[_Bag] = []
    content = explicit_octets(content_info(auth_safe)[1])
    for info in der.children(der.single(content, expect=0x30)):
        kind, body = content_info(info)
        if kind == _OID_DATA:
            bags += _read_bags(explicit_octets(body))
    for encrypted in layout.encrypted_contents:
        plaintext = decrypt_content(encrypted, secret)
        if plaintext is not None:
            bags += _read_bags(plaintext)
        if len(bags) > MAX_STORE_CERTIFICATES + MAX_STORE_ENTRIES:
            raise _too_many("certificates")
    return bags


def _read_bags(data: bytes, nesting: int = 0) -> list[_Bag]:
    if nesting > _MAX_NESTING:
        raise der.DerError("SafeContents nested too deeply")
    found: list[_Bag] = []
    for bag in der.children(der.single(data, expect=0x30)):
        bag_id, value, *attributes = der.children(bag)
        inner = der.children(value)[0]
        if bag_id.body == _SAFE_CONTENTS_BAG:
            found += _read_bags(inner.encoded, nesting + 1)
            continue
        if bag_id.body == _CERT_BAG:
            cert_type, cert_value = der.children(inner)[:2]
            if cert_type.body != _X509_CERTIFICATE:
                continue  # SDSI certificates: no Java tool writes them
            payload = der.octets(der.children(cert_value)[0])
        elif bag_id.body in (_KEY_BAG, _SHROUDED_KEY_BAG):
            payload = inner.encoded
        else:
            continue  # CRL and secret bags: nothing Java's key managers use
        found.append(_Bag(bag_id.body, payload, *_attributes(attributes)))
    return found


def _attributes(attributes: list[der.Element]) -> tuple[str | None, bytes | None, bool]:
    name, key_id, trusted = None, None, False
    for attribute in der.children(attributes[0]) if attributes else []:
        oid, values = der.children(attribute)[:2]
        first = der.children(values)[0] if der.children(values) else None
        if oid.body == _FRIENDLY_NAME and first is not None and first.tag == 0x1E:
            name = first.body.decode("utf-16-be", "replace")
        elif oid.body == _LOCAL_KEY_ID and first is not None:
            key_id = first.body
        elif oid.body == _JAVA_TRUSTED_KEY_USAGE:
            trusted = True
    return name, key_id, trusted


def _entries_from(
    bags: list[_Bag], secret: bytes | None, checked: PrivateKeyTypes | None
) -> OpenedStore:
    cert_bags = [b for b in bags if b.kind == _CERT_BAG]
    if len(cert_bags) > MAX_STORE_CERTIFICATES:
        raise _too_many("certificates")
    certs = [_certificate(b.value) for b in cert_bags]
    pool = [c for c, b in zip(certs, cert_bags, strict=False) if not b.java_trusted]
    entries: list[OpenedEntry] = []
    in_chains: set[bytes] = set()
    for bag in (b for b in bags if b.kind != _CERT_BAG):
        key = _private_key(bag, secret, checked)
        spki = spki_der(key.public_key())
        leaf = next(
            (
                c
                for c, b in zip(certs, cert_bags, strict=False)
                if bag.local_key_id and b.local_key_id == bag.local_key_id
            ),
            None,
        )
        if leaf is None:
            leaf = next((c for c in pool if spki_der(c.public_key()) == spki), None)
        if leaf is None:
            continue  # a key without its certificate: Java cannot use it as an entry either
        chain = tuple(order_chain(leaf, pool))
        in_chains.update(c.fingerprint(hashes.SHA256()) for c in chain)
        name = bag.friendly_name or _name_of(leaf, cert_bags, certs)
        entries.append(OpenedEntry(_alias(name, leaf, entries), "PrivateKeyEntry", chain, key))
    for cert, bag in zip(certs, cert_bags, strict=False):
        if bag.java_trusted or cert.fingerprint(hashes.SHA256()) not in in_chains:
            entries.append(
                OpenedEntry(_alias(bag.friendly_name, cert, entries), "trustedCertEntry", (cert,))
            )
    if len(entries) > MAX_STORE_ENTRIES:
        raise _too_many("entries")
    return OpenedStore("PKCS12", tuple(entries))


def _private_key(bag: _Bag, secret: bytes | None, checked: PrivateKeyTypes | None) -> PrivateKey:
    shrouded = bag.kind == _SHROUDED_KEY_BAG
    try:
        # Checked once, here (issue 19); the rule already ran on every bag (_check_key_rule).
        key = load_der_key(bag.value, secret if shrouded else None, checked=checked)
    except KeyRefusedError as error:
        raise OpenStoreError(str(error)) from None
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if shrouded and secret is None:
            try:  # an empty password: OpenSSL and keytool differ on "" versus none
                key = load_der_key(bag.value, b"", checked=checked)
            except (ValueError, TypeError, UnsupportedAlgorithm):
                raise DamagedStoreError() from None
        else:
            raise DamagedStoreError() from None
    try:
        return supported_key(key)
    except UnsupportedKeyError as error:
        raise OpenStoreError(str(error)) from None


def _certificate(value: bytes) -> x509.Certificate:
    try:
        with tolerating_old_serials():
            cert = x509.load_der_x509_certificate(value)
        check_readable(cert)
    except (ValueError, CertificateParseError):
        raise DamagedStoreError() from None
    return cert


def _name_of(leaf: x509.Certificate, bags: list[_Bag], certs: list[x509.Certificate]) -> str | None:
    return next((b.friendly_name for c, b in zip(certs, bags, strict=False) if c == leaf), None)


def _alias(name: str | None, cert: x509.Certificate, taken: list[OpenedEntry]) -> str:
    used = {e.alias.lower() for e in taken}
    if name and name.strip() and name.strip().lower() not in used:
        return name.strip()
    return suggest_alias(cert, taken=used)


def _too_many(what: str) -> StoreTooLargeError:
    limit = MAX_STORE_ENTRIES if what == "entries" else MAX_STORE_CERTIFICATES
    return StoreTooLargeError(
        f"This store holds more than {limit} {what}, far more than a "
        "keystore or truststore for one connection needs."
    )
