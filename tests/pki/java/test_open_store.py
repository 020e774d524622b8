"""Opening last year's stores (issue 13): JKS and PKCS#12, keytool's and ours, and bad input."""

from __future__ import annotations

import struct
import time

import jks
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.fuzz import crafted
from tests.support.keytool_stores import (
    KEY_PASSWORD,
    STORE_PASSWORD,
    run_keytool,
)
from tests.support.throwaway_pki import Issued, ThrowawayCA
from webapp.pki.java import (
    KeyPasswordRequiredError,
    NoKeyEntryError,
    OpenStoreError,
    StorePasswordError,
    WrongKeyPasswordError,
    build_keystore,
    build_truststore,
    open_store,
)
from webapp.pki.java.opened import (
    MAX_STORE_CERTIFICATES,
    MAX_STORE_ENTRIES,
    MAX_STORE_KEYS,
    ChooseKeyEntryError,
    DamagedStoreError,
    NotAStoreError,
    StoreTooCostlyError,
    StoreTooLargeError,
    UnsupportedStoreFormatError,
)

PASSWORD = "open-Store-pw"


@pytest.fixture(scope="module")
def ca() -> ThrowawayCA:
    return ThrowawayCA("Open Store Root", key_kind="ec256")


@pytest.fixture(scope="module")
def owner(ca: ThrowawayCA) -> Issued:
    return ca.issue_client("Store Owner", key_kind="ec256")


def spki(key: object) -> bytes:
    return key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def pyjks_key_entry(owner: Issued, key_password: str) -> bytes:
    pkcs8 = owner.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    chain = [c.public_bytes(serialization.Encoding.DER) for c in owner.full_chain]
    entry = jks.PrivateKeyEntry.new("client", chain, pkcs8, key_format="pkcs8")
    entry.encrypt(key_password)  # saves() keeps an entry encrypted with its own password
    return jks.KeyStore.new("jks", [entry]).saves(PASSWORD)


def test_our_jks_keystore_opens_with_key_and_full_chain(owner):
    data = build_keystore(
        alias="Client", private_key=owner.key, chain=owner.full_chain, password=PASSWORD
    )
    store = open_store(data, PASSWORD)
    entry = store.key_entry()
    assert (store.store_type, store.aliases, entry.kind) == ("JKS", ("client",), "PrivateKeyEntry")
    assert list(entry.chain) == owner.full_chain
    assert spki(entry.private_key) == spki(owner.key)


def test_a_pkcs12_key_pair_file_opens_as_a_keystore(owner):
    data = pkcs12.serialize_key_and_certificates(
        b"Partner API",
        owner.key,
        owner.cert,
        owner.chain,
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    )
    store = open_store(data, PASSWORD)
    assert store.store_type == "PKCS12"
    assert [(e.alias, e.kind, len(e.chain)) for e in store.entries] == [
        ("Partner API", "PrivateKeyEntry", 3)
    ]
    assert spki(store.key_entry("partner api").private_key) == spki(owner.key)


def test_a_truststore_has_no_key_entry_to_renew(ca):
    data = build_truststore(entries=[("root", ca.root.cert)], password=PASSWORD)
    store = open_store(data, PASSWORD)
    assert [(e.alias, e.kind) for e in store.entries] == [("root", "trustedCertEntry")]
    with pytest.raises(NoKeyEntryError, match=r"^This store holds no private key"):
        store.key_entry()


@pytest.mark.parametrize("build", ["jks", "pkcs12"])
def test_a_wrong_store_password_is_named(owner, build):
    data = (
        build_keystore(alias="c", private_key=owner.key, chain=owner.full_chain, password=PASSWORD)
        if build == "jks"
        else pkcs12.serialize_key_and_certificates(
            b"c",
            owner.key,
            owner.cert,
            owner.chain,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    with pytest.raises(StorePasswordError, match=r"^The password does not open this store.$"):
        open_store(data, "not the password")


def test_a_key_with_its_own_password_asks_for_it(owner):
    data = pyjks_key_entry(owner, KEY_PASSWORD)
    with pytest.raises(KeyPasswordRequiredError) as raised:
        open_store(data, PASSWORD)
    assert str(raised.value) == (
        "The key “client” has its own password, different from the "
        "store password. Enter the key password as well."
    )
    with pytest.raises(
        WrongKeyPasswordError, match=r"^The key password does not open the key “client”.$"
    ):
        open_store(data, PASSWORD, key_password="something else")
    store = open_store(data, PASSWORD, key_password=KEY_PASSWORD)
    assert spki(store.key_entry().private_key) == spki(owner.key)


@pytest.mark.parametrize(
    "data",
    [
        b"-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n",
        b"PK\x03\x04" + bytes(40),
        b"hello",
        b"   ",
        b"\x30\x03\x02\x01\x03",
    ],
)
def test_other_files_are_not_stores(data):
    with pytest.raises(NotAStoreError) as raised:
        open_store(data, PASSWORD)
    assert str(raised.value) == (
        "This file is not a Java keystore or truststore. We read Java "
        "keystores (.jks) and PKCS#12 files (.p12, .pfx)."
    )


def test_jceks_and_bks_are_named_with_the_formats_we_read(ca):
    jks_store = build_truststore(entries=[("root", ca.root.cert)], password=PASSWORD)
    jceks = b"\xce\xce\xce\xce" + jks_store[4:]  # pyjks cannot write JCEKS; keytool's is below
    bks = struct.pack(">II", 2, 20) + bytes(20) + struct.pack(">I", 1024) + bytes(64)
    for data, kind in ((jceks, "JCEKS"), (bks, "Bouncy Castle (BKS or UBER)")):
        with pytest.raises(UnsupportedStoreFormatError) as raised:
            open_store(data, PASSWORD)
        assert str(raised.value).startswith(
            f"This is a {kind} keystore, which we cannot read. "
            "We read Java keystores (.jks) and PKCS#12 files"
        )


def test_a_jks_with_500_entries_is_refused_before_parsing(ca):
    der = ca.root.cert.public_bytes(serialization.Encoding.DER)
    data = jks.KeyStore.new(
        "jks", [jks.TrustedCertEntry.new(f"c{n}", der) for n in range(500)]
    ).saves(PASSWORD)
    started = time.perf_counter()
    with pytest.raises(
        StoreTooLargeError, match=f"^This store holds more than {MAX_STORE_ENTRIES} entries"
    ):
        open_store(data, PASSWORD)
    assert time.perf_counter() - started < 0.1


def test_a_pkcs12_with_too_many_certificates_is_refused(owner):
    data = pkcs12.serialize_key_and_certificates(
        None,
        None,
        None,
        [owner.cert] * (MAX_STORE_CERTIFICATES + 1),
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    )
    with pytest.raises(StoreTooLargeError, match=r"^This store holds more than 500 certificates"):
        open_store(data, PASSWORD)


def test_a_huge_file_is_refused_unread():
    with pytest.raises(StoreTooLargeError, match=r"^This file is larger than 1024 KB"):
        open_store(b"\xfe\xed\xfe\xed" + bytes(1024 * 1024), PASSWORD)


def test_a_pkcs12_iteration_bomb_is_refused_before_decrypting(owner):
    secret = PASSWORD.encode()
    normal = crafted.build_pfx(
        crafted.encrypted_content(
            *[crafted.cert_bag(c) for c in owner.full_chain], password=secret, rounds=2002
        ),
        crafted.data_content(crafted.shrouded_key_bag(owner.key, secret, rounds=2003)),
        password=secret,
        mac_rounds=2345,
    )
    bomb = crafted.patch_integers(normal, 2345, 100_000_000)  # building it would take minutes
    started = time.perf_counter()
    with pytest.raises(StoreTooCostlyError, match="far more rounds than any ordinary tool"):
        open_store(bomb, PASSWORD)
    assert time.perf_counter() - started < 0.5


def test_every_error_is_an_open_store_error_and_a_value_error():
    assert issubclass(StoreTooCostlyError, OpenStoreError)
    assert issubclass(OpenStoreError, ValueError)


# --- stores written by the JDK's keytool -----------------------------------------------------
KEYTOOL_CONTENTS = {
    "generated.jks": [("old client", "PrivateKeyEntry", 1)],
    "generated.p12": [("old client", "PrivateKeyEntry", 1)],
    "imported.jks": [("client", "PrivateKeyEntry", 3)],
    "imported.p12": [("client", "PrivateKeyEntry", 3)],
    "truststore.jks": [
        ("partner root", "trustedCertEntry", 1),
        ("partner ca", "trustedCertEntry", 1),
    ],
    # PKCS#12 keeps the alias as typed; Java looks it up case-insensitively.
    "truststore.p12": [
        ("Partner Root", "trustedCertEntry", 1),
        ("Partner CA", "trustedCertEntry", 1),
    ],
}


@pytest.mark.java
@pytest.mark.parametrize("name", sorted(KEYTOOL_CONTENTS))
def test_keytool_stores_open(keytool_stores, lifecycle_client, name):
    store = open_store(keytool_stores.files[name], STORE_PASSWORD)
    assert [(e.alias, e.kind, len(e.chain)) for e in store.entries] == KEYTOOL_CONTENTS[name]
    if name.startswith("imported"):
        assert list(store.key_entry().chain) == lifecycle_client.full_chain
        assert spki(store.key_entry().private_key) == spki(lifecycle_client.key)
    with pytest.raises(StorePasswordError):
        open_store(keytool_stores.files[name], "wrong-password")


@pytest.mark.java
def test_keytool_key_password_and_jceks(keytool_stores, lifecycle_client):
    data = keytool_stores.files["own-key-password.jks"]
    with pytest.raises(KeyPasswordRequiredError, match="“client” has its own password"):
        open_store(data, STORE_PASSWORD)
    opened = open_store(data, STORE_PASSWORD, key_password=KEY_PASSWORD)
    assert spki(opened.key_entry().private_key) == spki(lifecycle_client.key)
    with pytest.raises(UnsupportedStoreFormatError, match=r"^This is a JCEKS keystore"):
        open_store(keytool_stores.files["truststore.jceks"], STORE_PASSWORD)


@pytest.mark.java
def test_a_keytool_pkcs12_with_two_keys_and_a_trusted_certificate(keytool_stores):
    folder = keytool_stores.folder
    (folder / "both.p12").write_bytes(keytool_stores.files["imported.p12"])
    run_keytool(
        folder,
        "-importkeystore",
        "-noprompt",
        "-srckeystore",
        "generated.p12",
        "-srcstorepass",
        STORE_PASSWORD,
        "-destkeystore",
        "both.p12",
        "-deststorepass",
        STORE_PASSWORD,
    )
    run_keytool(
        folder,
        "-importcert",
        "-noprompt",
        "-alias",
        "Partner Root",
        "-file",
        "root.pem",
        "-keystore",
        "both.p12",
        "-storepass",
        STORE_PASSWORD,
    )
    store = open_store((folder / "both.p12").read_bytes(), STORE_PASSWORD)
    assert sorted((e.alias, e.kind, len(e.chain)) for e in store.entries) == [
        ("Partner Root", "trustedCertEntry", 1),
        ("client", "PrivateKeyEntry", 3),
        ("old client", "PrivateKeyEntry", 1),
    ]
    with pytest.raises(ChooseKeyEntryError) as raised:
        store.key_entry()
    assert raised.value.aliases in (("client", "old client"), ("old client", "client"))
    assert str(raised.value).startswith("This store holds several keys (“")
    assert str(raised.value).endswith("”). Choose the one to renew.")
    assert store.key_entry("Old Client").alias == "old client"


@pytest.mark.parametrize("kind", ["jks", "pkcs12"])
def test_more_keys_than_an_upload_may_hold_are_refused_before_decrypting(owner, kind):
    # Each key costs a decryption and a consistency check: 100 RSA keys took 5.6 s.
    if kind == "jks":
        pkcs8 = owner.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        chain = [cert.public_bytes(serialization.Encoding.DER) for cert in owner.full_chain]
        data = jks.KeyStore.new(
            "jks",
            [
                jks.PrivateKeyEntry.new(f"k{n}", chain, pkcs8, key_format="pkcs8")
                for n in range(MAX_STORE_KEYS + 1)
            ],
        ).saves(PASSWORD)
    else:
        secret = PASSWORD.encode()
        data = crafted.build_pfx(
            crafted.data_content(
                *[
                    crafted.shrouded_key_bag(owner.key, secret, rounds=10)
                    for _ in range(MAX_STORE_KEYS + 1)
                ]
            ),
            password=secret,
            mac_rounds=10,
        )
    started = time.perf_counter()
    with pytest.raises(
        StoreTooLargeError, match=f"^This store holds more than {MAX_STORE_KEYS} private keys."
    ):
        open_store(data, PASSWORD)
    assert time.perf_counter() - started < 0.5


def test_a_pkcs12_truststore_with_too_many_entries_is_refused(ca):
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(10)
        .build(PASSWORD.encode())
    )
    data = pkcs12.serialize_java_truststore(
        [
            pkcs12.PKCS12Certificate(ca.root.cert, f"c{n}".encode())
            for n in range(MAX_STORE_ENTRIES + 1)
        ],
        encryption,
    )
    with pytest.raises(
        StoreTooLargeError, match=f"^This store holds more than {MAX_STORE_ENTRIES} entries"
    ):
        open_store(data, PASSWORD)


@pytest.mark.parametrize("cut", [0.3, 0.7, 0.95])
def test_a_cut_off_pkcs12_is_called_damaged(owner, cut):
    data = pkcs12.serialize_key_and_certificates(
        b"c",
        owner.key,
        owner.cert,
        owner.chain,
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    )
    with pytest.raises(DamagedStoreError) as raised:
        open_store(data[: int(len(data) * cut)], PASSWORD)
    assert str(raised.value) == (
        "This store is damaged or incomplete. Copy the file from the "
        "platform again and upload that copy."
    )
