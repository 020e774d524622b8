"""Open a PKCS#12 file as a keystore or truststore: every key entry and trusted certificate.

`load_pkcs12` checks the MAC (the password) but returns one key and loses the bag attributes
that tell Java's entries apart, so we take the bags as the one PKCS#12 reader
(`keyimport.pkcs12_structure`) finds them (RFC 7292 §4.2):

* key bags, paired with their certificate by localKeyId (1.2.840.113549.1.9.21), else by
  public key, and named by friendlyName;
* certificate bags carrying Java's trusted-key-usage attribute (2.16.840.1.113894.746875.1.1,
  written by keytool -importcert since JDK 8) are trusted-certificate entries;
* other certificates are chain members; those in no key's chain (OpenSSL `-nokeys` bundles)
  are listed as trusted certificates too, so a truststore from any tool can be compared.

Every password-hashing count is priced before anything is decrypted (keyimport.kdf_limits).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization

from webapp.pki.certs.chains import order_chain
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
    store_certificate,
    too_many,
    too_many_keys,
)
from webapp.pki.keyimport.errors import (
    KeyPairError,
    TooManyPartsError,
    TooSlowToOpenError,
    UnsupportedKeyError,
)
from webapp.pki.keyimport.kdf_limits import check_costs
from webapp.pki.keyimport.keypair import supported_key
from webapp.pki.keyimport.pkcs12_contents import hidden_bags, openssl_can_use, openssl_load
from webapp.pki.keyimport.pkcs12_structure import SafeBag, key_bag_costs, read_layout
from webapp.pki.keys import PrivateKey, spki_der

__all__ = ["open_pkcs12_store"]


def open_pkcs12_store(data: bytes, password: str) -> OpenedStore:
    """Every entry of the PKCS#12 file `data`; OpenStoreError subclasses for what is wrong."""
    secret = password.encode("utf-8", "surrogatepass") if password else None
    try:
        layout = read_layout(data)  # counts ContentInfos and bags first (issue 19, point 7)
        check_costs(layout.costs())
        hidden = hidden_bags(layout, secret)
        check_costs(layout.costs() + key_bag_costs(hidden))
    except TooSlowToOpenError:
        raise StoreTooCostlyError(
            "This store's password protection is set to far more rounds than any ordinary "
            "tool uses. Export it again with keytool's default settings and upload that."
        ) from None
    except TooManyPartsError:
        raise StoreTooLargeError(
            "This store is made of far more parts than a keystore or truststore for one "
            "connection holds. Check that you chose the right file."
        ) from None
    except (KeyPairError, ValueError):
        raise DamagedStoreError() from None
    bags = [*layout.bags, *hidden]
    if sum(bag.is_key for bag in bags) > MAX_STORE_KEYS:
        raise too_many_keys()
    _check_mac(layout.pfx, secret)
    if len(bags) > MAX_STORE_CERTIFICATES + MAX_STORE_ENTRIES:
        raise too_many("certificates")
    return _entries_from(bags, secret)


def _check_mac(pfx: bytes, secret: bytes | None) -> None:
    """load_pkcs12 verifies the MAC: the first place a wrong password shows."""
    if not openssl_can_use(secret):
        raise StorePasswordError()  # no such password can be right
    try:
        openssl_load(pfx, secret)
    except (ValueError, UnsupportedAlgorithm):
        raise StorePasswordError() from None


def _entries_from(bags: list[SafeBag], secret: bytes | None) -> OpenedStore:
    cert_bags = [b for b in bags if not b.is_key]
    if len(cert_bags) > MAX_STORE_CERTIFICATES:
        raise too_many("certificates")
    certs = [store_certificate(b.value) for b in cert_bags]
    pool = [c for c, b in zip(certs, cert_bags, strict=False) if not b.java_trusted]
    entries: list[OpenedEntry] = []
    in_chains: set[bytes] = set()
    for bag in (b for b in bags if b.is_key):
        key = _private_key(bag, secret)
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
        raise too_many("entries")
    return OpenedStore("PKCS12", tuple(entries))


def _private_key(bag: SafeBag, secret: bytes | None) -> PrivateKey:
    shrouded = bag.shrouded
    try:
        key = serialization.load_der_private_key(
            bag.value, secret if shrouded else None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if shrouded and secret is None:
            try:  # an empty password: OpenSSL and keytool differ on "" versus none
                key = serialization.load_der_private_key(
                    bag.value, b"", unsafe_skip_rsa_key_validation=True
                )
            except (ValueError, TypeError, UnsupportedAlgorithm):
                raise DamagedStoreError() from None
        else:
            raise DamagedStoreError() from None
    try:
        return supported_key(key)
    except UnsupportedKeyError as error:
        raise OpenStoreError(str(error)) from None


def _name_of(
    leaf: x509.Certificate, bags: list[SafeBag], certs: list[x509.Certificate]
) -> str | None:
    return next((b.friendly_name for c, b in zip(certs, bags, strict=False) if c == leaf), None)


def _alias(name: str | None, cert: x509.Certificate, taken: list[OpenedEntry]) -> str:
    used = {e.alias.lower() for e in taken}
    if name and name.strip() and name.strip().lower() not in used:
        return name.strip()
    return suggest_alias(cert, taken=used)
