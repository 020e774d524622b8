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
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

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
from webapp.pki.key_checks import KeyCheckBudget, load_der_key
from webapp.pki.keyimport.errors import (
    KeyPairError,
    TooManyPartsError,
    TooSlowToOpenError,
    UnsupportedKeyError,
)
from webapp.pki.keyimport.kdf_limits import KdfCost, check_costs
from webapp.pki.keyimport.keypair import supported_key
from webapp.pki.keyimport.pkcs12_contents import (
    check_key_bags,
    hidden_bags,
    openssl_can_use,
    openssl_load,
)
from webapp.pki.keyimport.pkcs12_structure import SafeBag, key_bag_costs, read_layout
from webapp.pki.keys import KeyRefusedError, PrivateKey, spki_der
from webapp.translation import N_, _

__all__ = ["open_pkcs12_store"]

_TOO_COSTLY = N_(
    "This store's password protection is set to far more rounds than any ordinary "
    "tool uses. Export it again with keytool's default settings and upload that."
)


def open_pkcs12_store(data: bytes, password: str) -> OpenedStore:
    """Every entry of the PKCS#12 file `data`; OpenStoreError subclasses for what is wrong."""
    secret = password.encode("utf-8", "surrogatepass") if password else None
    try:
        layout = read_layout(data)  # counts ContentInfos and bags first (issue 19, point 7)
        check_costs(layout.costs())
        hidden = hidden_bags(layout, secret)
        check_costs(layout.costs() + key_bag_costs(hidden))
    except TooSlowToOpenError:
        raise StoreTooCostlyError(_(_TOO_COSTLY)) from None
    except TooManyPartsError:
        raise StoreTooLargeError(
            _(
                "This store is made of far more parts than a keystore or truststore for one "
                "connection holds. Check that you chose the right file."
            )
        ) from None
    except (KeyPairError, ValueError):
        raise DamagedStoreError() from None
    bags = [*layout.bags, *hidden]
    if sum(bag.is_key for bag in bags) > MAX_STORE_KEYS:
        raise too_many_keys()
    key_bags = tuple(bag for bag in bags if bag.is_key)
    _check_key_rule(key_bags, layout.costs() + key_bag_costs(hidden), secret)
    checked = _check_mac(layout.pfx, secret)  # runs the RSA check: the rule came first
    if len(bags) > MAX_STORE_CERTIFICATES + MAX_STORE_ENTRIES:
        raise too_many("certificates")
    return _entries_from(bags, secret, checked)


def _check_key_rule(bags: tuple[SafeBag, ...], costs: list[KdfCost], secret: bytes | None) -> None:
    """Every key's size and type (issue 19), read before any key is loaded with its check."""
    try:
        check_key_bags(bags, secret, KeyCheckBudget(), costs)
    except TooSlowToOpenError:
        raise StoreTooCostlyError(_(_TOO_COSTLY)) from None
    except KeyRefusedError as error:
        raise OpenStoreError(str(error)) from None
    except ValueError:
        raise DamagedStoreError() from None


def _check_mac(pfx: bytes, secret: bytes | None) -> PrivateKeyTypes | None:
    """load_pkcs12 verifies the MAC: the first place a wrong password shows. Returns the key
    it read (and ran OpenSSL's check on), so that key is not checked twice."""
    if not openssl_can_use(secret):
        raise StorePasswordError()  # no such password can be right
    try:
        return openssl_load(pfx, secret).key
    except (ValueError, UnsupportedAlgorithm):
        raise StorePasswordError() from None


def _entries_from(
    bags: list[SafeBag], secret: bytes | None, checked: PrivateKeyTypes | None
) -> OpenedStore:
    cert_bags = [b for b in bags if not b.is_key]
    if len(cert_bags) > MAX_STORE_CERTIFICATES:
        raise too_many("certificates")
    certs = [store_certificate(b.value) for b in cert_bags]
    pool = [c for c, b in zip(certs, cert_bags, strict=False) if not b.java_trusted]
    entries: list[OpenedEntry] = []
    in_chains: set[bytes] = set()
    for bag in (b for b in bags if b.is_key):
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
        raise too_many("entries")
    return OpenedStore("PKCS12", tuple(entries))


def _private_key(bag: SafeBag, secret: bytes | None, checked: PrivateKeyTypes | None) -> PrivateKey:
    shrouded = bag.shrouded
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


def _name_of(
    leaf: x509.Certificate, bags: list[SafeBag], certs: list[x509.Certificate]
) -> str | None:
    return next((b.friendly_name for c, b in zip(certs, bags, strict=False) if c == leaf), None)


def _alias(name: str | None, cert: x509.Certificate, taken: list[OpenedEntry]) -> str:
    used = {e.alias.lower() for e in taken}
    if name and name.strip() and name.strip().lower() not in used:
        return name.strip()
    return suggest_alias(cert, taken=used)
