"""Hostile keystores and truststores into the store opener (issue 13), with the fuzz profile.

Issue 19 added two targets: JKS files written field by field, whose key blobs are re-encoded
in BER (indefinite lengths, constructed OCTET STRINGs, huge element counts) and whose counts
lie, with a valid hash; and PKCS#12 files whose bags are repeated past any real store.

Invariant: `open_store` returns, or raises an `OpenStoreError` whose message is a plain
sentence; never a pyjks, pyasn1 or cryptography exception, never more than two seconds.
A JKS is checked against its SHA-1 integrity hash before pyjks parses it, so a second target
re-signs mutated JKS bodies with the right password: that is what reaches pyjks's parser.
"""

from __future__ import annotations

import hashlib
from functools import cache

import jks
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz import crafted
from tests.fuzz.crafted_stores import jks_entries, write_jks
from tests.fuzz.record import examples, timed_case
from tests.fuzz.seeds import PASSWORD, build_seed_files
from tests.fuzz.strategies import (
    bag_count_stores,
    hostile_jks,
    mutated,
    passwords,
    upload_bytes,
)
from tests.fuzz.test_parsers import assert_plain
from tests.support.big_keys import KEY_8676, big_key, jks_with_key
from webapp.pki.java import (
    OpenedStore,
    OpenStoreError,
    build_keystore,
    build_truststore,
    compare_truststore,
    open_store,
)
from webapp.pki.keyimport import KeyPairError, load_key_pairs

FUZZ = settings.get_profile("fuzz")


@cache
def store_seeds() -> dict[str, bytes]:
    seeds = build_seed_files()
    owner = seeds.owner
    pkcs8 = owner.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    own_password = jks.PrivateKeyEntry.new(
        "own",
        [c.public_bytes(serialization.Encoding.DER) for c in owner.full_chain],
        pkcs8,
        key_format="pkcs8",
    )
    own_password.encrypt("another-password")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(500)
        .build(PASSWORD.encode())
    )
    return {
        "jks-keystore": build_keystore(
            alias="client", private_key=owner.key, chain=owner.full_chain, password=PASSWORD
        ),
        "jks-truststore": build_truststore(
            entries=[("a", owner.chain[-1]), ("b", owner.chain[0])], password=PASSWORD
        ),
        "jks-own-key-password": jks.KeyStore.new("jks", [own_password]).saves(PASSWORD),
        "p12-java-truststore": pkcs12.serialize_java_truststore(
            [pkcs12.PKCS12Certificate(c, b"partner") for c in owner.chain], encryption
        ),
        **{name: data for name, data in seeds.keypair_files.items() if name.startswith("p12")},
    }


def resign_jks(body: bytes, password: str = PASSWORD) -> bytes:
    """A (mutated) JKS body with a valid integrity hash, so pyjks parses it."""
    digest = hashlib.sha1(password.encode("utf-16-be") + b"Mighty Aphrodite" + body).digest()
    return body + digest


def check(store: OpenedStore) -> None:
    """What the pages will do with an opened store must work too."""
    for entry in store.entries:
        assert entry.chain and entry.alias
        assert (entry.private_key is not None) == (entry.kind == "PrivateKeyEntry")
    compare_truststore(store, [])


def open_or_refuse(
    data: bytes, password: str | None, key_password: str | None = None, *, name: str = ""
) -> None:
    with timed_case(f"open_store {name}".strip()):
        try:
            store = open_store(data, password or "", key_password=key_password)
        except OpenStoreError as error:
            assert_plain(error)
            return
        check(store)


@settings(FUZZ, max_examples=examples(1200))
@given(
    data=upload_bytes([*store_seeds().values(), *build_seed_files().all()]),
    password=passwords(PASSWORD),
    key_password=st.one_of(st.none(), passwords(PASSWORD)),
)
def test_stores_open_or_fail_in_plain_words(data, password, key_password):
    open_or_refuse(data, password, key_password)


JKS_BODIES = [data[:-20] for name, data in store_seeds().items() if name.startswith("jks")]


@settings(FUZZ, max_examples=examples(800))
@given(body=mutated(JKS_BODIES), key_password=st.one_of(st.none(), st.just("another-password")))
def test_resigned_hostile_jks_bodies_reach_pyjks_and_fail_in_plain_words(body, key_password):
    open_or_refuse(resign_jks(body), PASSWORD, key_password)


@cache
def jks_entry_seeds() -> list[list]:
    """The entries of every JKS seed, plus a key entry with an 8,676-bit RSA key."""
    seeds = [jks_entries(data, PASSWORD) for name, data in store_seeds().items() if "jks" in name]
    seeds.append(jks_entries(jks_with_key(big_key(KEY_8676), PASSWORD), PASSWORD))
    owner = build_seed_files().owner
    keystore = build_keystore(
        alias="client", private_key=owner.key, chain=owner.full_chain, password=PASSWORD
    )
    mixed = jks_entries(keystore, PASSWORD) + seeds[1]  # a key entry and trusted entries
    return [*seeds, mixed]


@settings(FUZZ, max_examples=examples(120))
@given(
    data=hostile_jks(jks_entry_seeds(), PASSWORD),
    key_password=st.one_of(st.none(), st.just("another-password")),
)
def test_jks_with_ber_blobs_and_lying_counts_fail_in_plain_words(data, key_password):
    open_or_refuse(data, PASSWORD, key_password, name="hostile JKS")


def test_the_jks_writer_writes_what_pyjks_and_the_opener_read():
    """The fuzzer's writer is sound: unchanged entries make a store that opens as before."""
    for entries in jks_entry_seeds()[:2]:
        store = open_store(write_jks(entries, PASSWORD), PASSWORD, key_password="another-password")
        assert [e.alias for e in store.entries] == [e.alias.decode() for e in entries]


@cache
def pkcs12_bags() -> list[bytes]:
    owner = build_seed_files().owner
    secret = PASSWORD.encode()
    return [
        crafted.cert_bag(owner.cert),
        crafted.key_bag(owner.key),
        crafted.shrouded_key_bag(owner.key, secret, rounds=1),
        crafted.safe_contents_bag(),  # 15 bytes: the cheapest bag to repeat 20,000 times
        crafted.safe_contents_bag(crafted.cert_bag(owner.cert)),
    ]


# Issue 19, point 7 (PKCS#12 bags and ContentInfos counted before the passes over a file)
# is what keeps these under the deadline: 20,000 empty ContentInfos cost 1-2 s without it.
@settings(FUZZ, max_examples=examples(20))
@given(data=bag_count_stores(pkcs12_bags(), PASSWORD.encode()))
def test_pkcs12_stores_with_many_bags_open_or_fail_in_plain_words(data):
    open_or_refuse(data, PASSWORD, name="many bags")


@settings(FUZZ, max_examples=examples(15))
@given(data=bag_count_stores(pkcs12_bags(), PASSWORD.encode()))
def test_pkcs12_key_pairs_with_many_bags_load_or_fail_in_plain_words(data):
    with timed_case("load_key_pairs many bags"):
        try:
            load_key_pairs(data, PASSWORD)
        except KeyPairError as error:
            assert_plain(error)
