"""JKS keystores and truststores: read back with keytool and `cryptography`, not only pyjks."""

from __future__ import annotations

from pathlib import Path

import jks
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448

from tests.support.java import keytool_list
from tests.support.throwaway_pki import Issued, ThrowawayCA
from webapp.pki.java.jks import (
    MIN_PASSWORD_LENGTH,
    AliasError,
    PasswordError,
    StoreError,
    build_keystore,
    build_truststore,
    check_alias,
    check_password,
)
from webapp.pki.java.stores import read_store

PASSWORD = "changeit"
KEY_KINDS = ["rsa2048", "ec256", "ec384", "ed25519"]


@pytest.fixture(scope="module")
def ca() -> ThrowawayCA:
    return ThrowawayCA(key_kind="ec256")


@pytest.fixture(scope="module")
def clients(ca: ThrowawayCA) -> dict[str, Issued]:
    return {kind: ca.issue_client(f"Client {kind}", key_kind=kind) for kind in KEY_KINDS}


@pytest.fixture
def ec_client(clients: dict[str, Issued]) -> Issued:
    return clients["ec256"]


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def public_der(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# --- keystore ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_keystore_holds_one_key_entry_with_the_full_chain(clients, kind):
    client = clients[kind]
    data = build_keystore(
        alias="Client", private_key=client.key, chain=client.full_chain, password=PASSWORD
    )

    contents = read_store(data, PASSWORD)

    assert contents.aliases == ("client",)
    entry = contents.entry("client")
    assert entry.kind == "PrivateKeyEntry"
    assert entry.chain_der == tuple(der(cert) for cert in client.full_chain)
    # cryptography, not pyjks, parses the chain: leaf first, then intermediate, then root.
    assert [cert.subject for cert in entry.certificates] == [
        cert.subject for cert in client.full_chain
    ]
    assert entry.private_key is not None
    assert public_der(entry.private_key) == public_der(client.key)


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_key_is_encrypted_with_the_store_password(clients, kind):
    client = clients[kind]
    data = build_keystore(
        alias="client", private_key=client.key, chain=client.full_chain, password=PASSWORD
    )
    store = jks.KeyStore.loads(data, PASSWORD, try_decrypt_keys=False)
    entry = store.private_keys["client"]
    assert not entry.is_decrypted()

    with pytest.raises(jks.util.DecryptionFailureException):
        entry.decrypt("another password")
    entry.decrypt(PASSWORD)

    # The PKCS#8 structure Java's KeyFactory gets is the key we put in.
    key = serialization.load_der_private_key(entry.pkey_pkcs8, password=None)
    assert public_der(key) == public_der(client.key)


@pytest.mark.java
@pytest.mark.parametrize("kind", KEY_KINDS)
def test_keytool_lists_one_private_key_entry_with_chain_of_three(clients, kind, tmp_path):
    client = clients[kind]
    path = write(
        tmp_path,
        "keystore.jks",
        build_keystore(
            alias="My Client", private_key=client.key, chain=client.full_chain, password=PASSWORD
        ),
    )

    listing = keytool_list(path, PASSWORD)

    assert listing.entries == {"my client": ("PrivateKeyEntry", 3)}
    assert f"Owner: CN=Client {kind}, O=mtls-kit tests" in listing.text


@pytest.mark.java
def test_non_ascii_password_opens_in_keytool(ec_client, tmp_path):
    # pyjks and the JDK both hash the password as UTF-16BE code units.
    password = "pässwörd€"
    path = write(
        tmp_path,
        "keystore.jks",
        build_keystore(
            alias="client", private_key=ec_client.key, chain=ec_client.full_chain, password=password
        ),
    )

    assert keytool_list(path, password).entries == {"client": ("PrivateKeyEntry", 3)}
    assert read_store(path.read_bytes(), password).aliases == ("client",)


def test_alias_is_trimmed_and_lower_cased(ec_client):
    data = build_keystore(
        alias="  Partner API Client ",
        private_key=ec_client.key,
        chain=ec_client.full_chain,
        password=PASSWORD,
    )

    assert read_store(data, PASSWORD).aliases == ("partner api client",)


def test_leaf_that_is_not_the_keys_certificate_is_refused(clients):
    rsa_client, ec_client = clients["rsa2048"], clients["ec256"]

    with pytest.raises(StoreError, match="does not belong to this private key"):
        build_keystore(
            alias="client",
            private_key=rsa_client.key,
            chain=ec_client.full_chain,
            password=PASSWORD,
        )


def test_chain_out_of_order_is_refused(ec_client):
    leaf, intermediate, root = ec_client.full_chain

    with pytest.raises(StoreError, match="not in order"):
        build_keystore(
            alias="client",
            private_key=ec_client.key,
            chain=[leaf, root, intermediate],
            password=PASSWORD,
        )


def test_leaf_without_intermediates_is_accepted(ec_client):
    # Some users only have their own certificate; the store is still well-formed.
    data = build_keystore(
        alias="client", private_key=ec_client.key, chain=[ec_client.cert], password=PASSWORD
    )

    assert len(read_store(data, PASSWORD).entry("client").chain_der) == 1


def test_empty_chain_is_refused(ec_client):
    with pytest.raises(StoreError, match="Add the certificate"):
        build_keystore(alias="client", private_key=ec_client.key, chain=[], password=PASSWORD)


@pytest.mark.parametrize(
    ("make_key", "message"),
    [
        (lambda: ec.generate_private_key(ec.SECP256K1()), "elliptic curve"),
        (ed448.Ed448PrivateKey.generate, "Only RSA, EC .* and Ed25519"),
    ],
)
def test_keys_java_cannot_use_are_refused(ec_client, make_key, message):
    with pytest.raises(StoreError, match=message):
        build_keystore(
            alias="client", private_key=make_key(), chain=ec_client.full_chain, password=PASSWORD
        )


# --- truststore --------------------------------------------------------------------------


def test_truststore_holds_only_trusted_certificates(ca):
    data = build_truststore(
        entries=[("Partner Root", ca.root.cert), ("Partner Intermediate", ca.intermediate.cert)],
        password=PASSWORD,
    )

    contents = read_store(data, PASSWORD)

    assert contents.aliases == ("partner root", "partner intermediate")
    assert {entry.kind for entry in contents.entries} == {"trustedCertEntry"}
    assert contents.entry("partner root").certificates == (ca.root.cert,)
    assert contents.entry("Partner Intermediate").chain_der == (der(ca.intermediate.cert),)


@pytest.mark.java
def test_keytool_lists_every_trusted_certificate(ca, tmp_path):
    path = write(
        tmp_path,
        "truststore.jks",
        build_truststore(
            entries=[("Root", ca.root.cert), ("Intermediate", ca.intermediate.cert)],
            password=PASSWORD,
        ),
    )

    assert keytool_list(path, PASSWORD).entries == {
        "root": ("trustedCertEntry", 1),
        "intermediate": ("trustedCertEntry", 1),
    }


def test_duplicate_aliases_are_refused_whatever_their_case(ca):
    with pytest.raises(StoreError, match="“partner” is already used above"):
        build_truststore(
            entries=[("Partner", ca.root.cert), ("partner ", ca.intermediate.cert)],
            password=PASSWORD,
        )


def test_empty_truststore_is_refused():
    with pytest.raises(StoreError, match="at least one certificate"):
        build_truststore(entries=[], password=PASSWORD)


# --- aliases and passwords ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        # The wizard's own sentences (issue 18: one alias rule, aliases.alias_problem).
        ("", "Enter a name (alias) for this entry."),
        ("   ", "Enter a name (alias) for this entry."),
        ("partner 🔒", "Use letters, digits, spaces and punctuation in the alias."),
        ("partner\tapi", "The alias cannot contain tabs, line breaks or other control characters."),
    ],
)
def test_unusable_aliases_are_refused(alias, message):
    with pytest.raises(AliasError) as caught:
        check_alias(alias)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("alias", "stored"),
    [("Partner", "partner"), (" ACME Prod ", "acme prod"), ("Müller-Client", "müller-client")],
)
def test_usable_aliases_are_stored_lower_case(alias, stored):
    assert check_alias(alias) == stored


@pytest.mark.parametrize(
    ("password", "confirmation", "message"),
    [
        ("", "", "Use at least 6 characters."),
        ("12345", "12345", "Use at least 6 characters."),
        ("secret1", "secret2", "The two passwords do not match."),
        ("secret1", "Secret1", "The two passwords do not match."),
        ("abc\ud800def", "abc\ud800def", "The password contains characters that cannot be used."),
    ],
)
def test_unusable_passwords_are_refused(password, confirmation, message):
    with pytest.raises(PasswordError) as caught:
        check_password(password, confirmation)
    assert str(caught.value) == message


@pytest.mark.parametrize("password", ["123456", "changeit", "pässwörd€", "a" * 200])
def test_usable_passwords_pass(password):
    assert len(password) >= MIN_PASSWORD_LENGTH
    check_password(password, password)


def test_builders_refuse_a_short_password(ca, ec_client):
    with pytest.raises(PasswordError):
        build_keystore(
            alias="client", private_key=ec_client.key, chain=ec_client.full_chain, password="short"
        )
    with pytest.raises(PasswordError):
        build_truststore(entries=[("root", ca.root.cert)], password="short")


# --- reading back ------------------------------------------------------------------------


def test_wrong_password_is_reported_plainly(ca):
    data = build_truststore(entries=[("root", ca.root.cert)], password=PASSWORD)

    with pytest.raises(StoreError, match=r"^The password does not open this store.$"):
        read_store(data, "not the password")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "^This file is not a Java keystore"),
        (b"not a keystore", "^This file is not a Java keystore"),
        # A JKS cut off after its header is a keystore, damaged: say that (one reader, open_store).
        (b"\xfe\xed\xfe\xed\x00\x00\x00\x02", "^This store is damaged or incomplete"),
    ],
)
def test_files_that_are_not_jks_are_reported_plainly(data, message):
    with pytest.raises(StoreError, match=message):
        read_store(data, PASSWORD)


def test_key_with_its_own_password_is_reported(ec_client):
    # pyjks keeps an entry that is already encrypted as it is, so a key password can differ
    # from the store password; Java applications that assume they match then fail.
    entry = jks.PrivateKeyEntry.new(
        "client",
        [der(cert) for cert in ec_client.full_chain],
        ec_client.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        key_format="pkcs8",
    )
    entry.encrypt("a different password")
    data = jks.KeyStore.new("jks", [entry]).saves(PASSWORD)

    with pytest.raises(StoreError, match="must match the store password"):
        read_store(data, PASSWORD)


# --- why: what Java does with the pyjks output we avoid -----------------------------------


@pytest.mark.java
@pytest.mark.parametrize(
    ("alias", "keytool_error"),
    [
        # Java looks aliases up lower-cased but stores what it reads as is.
        ("MixedCase", "Alias <MixedCase> does not exist"),
        # pyjks writes plain UTF-8; Java reads "modified UTF-8" and rejects 4-byte sequences.
        ("root 🔒", "UTFDataFormatException"),
    ],
)
def test_java_rejects_aliases_we_refuse(ca, tmp_path, alias, keytool_error):
    entry = jks.TrustedCertEntry.new("placeholder", der(ca.root.cert))
    entry.alias = alias  # bypass pyjks's own lower-casing, as a careless caller could
    path = write(tmp_path, "truststore.jks", jks.KeyStore.new("jks", [entry]).saves(PASSWORD))

    with pytest.raises(AssertionError, match=keytool_error):
        keytool_list(path, PASSWORD)
