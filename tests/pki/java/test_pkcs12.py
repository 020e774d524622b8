"""PKCS#12 stores: read back by our own key import, by keytool (strict types), by cryptography.

The writer must keep to the import's password-hashing limits, or a keystore the app wrote
today would be refused when the user brings it back next year.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.support.java import keytool_list
from tests.support.throwaway_pki import Issued, ThrowawayCA
from webapp.pki import der
from webapp.pki.java import (
    AliasError,
    PasswordError,
    StoreError,
    StoreFormat,
    build_keystore,
    build_truststore,
    check_store_password,
    default_file_name,
    detect_format,
    read_store,
    store_format,
    with_format_extension,
)
from webapp.pki.java.pkcs12 import PKCS12_KDF_ROUNDS
from webapp.pki.keyimport import load_key_pairs
from webapp.pki.keyimport.kdf_limits import MAX_ITERATIONS, MAX_TOTAL_WORK, check_costs
from webapp.pki.keyimport.pkcs12_structure import read_layout

PASSWORD = "changeit"
KEY_KINDS = ["rsa2048", "ec256", "ec384", "ed25519"]
PBES2 = bytes.fromhex("2a864886f70d01050d")  # 1.2.840.113549.1.5.13
AES_256_CBC = bytes.fromhex("60864801650304012a")  # 2.16.840.1.101.3.4.1.42


@pytest.fixture(scope="module")
def ca() -> ThrowawayCA:
    return ThrowawayCA("PKCS12 Test Root", key_kind="ec256")


@pytest.fixture(scope="module")
def clients(ca: ThrowawayCA) -> dict[str, Issued]:
    return {kind: ca.issue_client(f"P12 Client {kind}", key_kind=kind) for kind in KEY_KINDS}


def keystore(client: Issued, alias: str = "Partner Key", password: str = PASSWORD) -> bytes:
    return build_keystore(
        alias=alias,
        private_key=client.key,
        chain=client.full_chain,
        password=password,
        format="pkcs12",
    )


def spki(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_our_key_import_reads_our_pkcs12_keystore_back(
    clients: dict[str, Issued], kind: str
) -> None:
    client = clients[kind]
    [pair] = load_key_pairs(keystore(client), PASSWORD)
    assert spki(pair.private_key) == spki(client.key)
    assert list(pair.chain) == client.full_chain
    assert pair.source_alias == "partner key"  # the friendly name, lower-case like JKS


def test_pkcs12_output_stays_well_inside_the_import_limits(
    clients: dict[str, Issued], ca: ThrowawayCA
) -> None:
    for data in (
        keystore(clients["rsa2048"]),
        build_truststore(
            entries=[("root", ca.root.cert)], password=PASSWORD, format=StoreFormat.PKCS12
        ),
    ):
        costs = read_layout(data).costs()  # counted exactly as load_key_pairs counts them
        check_costs(costs)
        assert max(c.iterations for c in costs) == PKCS12_KDF_ROUNDS <= MAX_ITERATIONS
        # Half the budget at most: the file must still open beside a second uploaded file.
        assert sum(c.work for c in costs) <= MAX_TOTAL_WORK // 2
    keystore_costs = read_layout(keystore(clients["ec256"])).costs()
    assert sum(c.work for c in keystore_costs) == 4 * PKCS12_KDF_ROUNDS + 3 * 2048


def test_pkcs12_keystore_uses_pbes2_aes256_and_an_sha256_mac(clients: dict[str, Issued]) -> None:
    layout = read_layout(keystore(clients["ec256"]))
    [content] = layout.encrypted_contents
    [bag] = layout.key_bags
    for algorithm in (content.algorithm, der.children(der.single(bag.pkcs8))[0]):
        oid, params = der.children(algorithm)
        assert oid.body == PBES2
        kdf, scheme = der.children(params)
        assert der.children(scheme)[0].body == AES_256_CBC
        assert b"\x2a\x86\x48\x86\xf7\x0d\x02\x09" in kdf.encoded  # hmacWithSHA256 PRF
    assert layout.mac_data is not None
    assert bytes.fromhex("608648016503040201") in layout.mac_data.encoded  # SHA-256


def test_read_store_opens_both_formats(clients: dict[str, Issued], ca: ThrowawayCA) -> None:
    client = clients["ec256"]
    for fmt in StoreFormat:
        data = build_keystore(
            alias="Me",
            private_key=client.key,
            chain=client.full_chain,
            password=PASSWORD,
            format=fmt,
        )
        assert detect_format(data) is fmt
        entry = read_store(data, PASSWORD).entry("me")
        assert entry.kind == "PrivateKeyEntry"
        assert list(entry.certificates) == client.full_chain
        assert spki(entry.private_key) == spki(client.key)
        trust = build_truststore(
            entries=[("Root", ca.root.cert), ("Sub", ca.intermediate.cert)],
            password=PASSWORD,
            format=fmt,
        )
        contents = read_store(trust, PASSWORD)
        assert sorted(contents.aliases) == ["root", "sub"]
        assert {e.kind for e in contents.entries} == {"trustedCertEntry"}
        with pytest.raises(StoreError, match="password does not open"):
            read_store(data, "wrong-password")
    with pytest.raises(StoreError, match="not a Java keystore"):
        read_store(b"-----BEGIN CERTIFICATE-----", PASSWORD)


def test_without_a_format_the_stores_stay_jks(clients: dict[str, Issued]) -> None:
    client = clients["ec256"]
    data = build_keystore(
        alias="x", private_key=client.key, chain=client.full_chain, password=PASSWORD
    )
    assert data.startswith(b"\xfe\xed\xfe\xed")


@pytest.mark.parametrize("fmt", list(StoreFormat))
@pytest.mark.parametrize(
    ("alias", "password", "error"),
    [
        ("ok", "short", PasswordError),
        ("", PASSWORD, AliasError),
        ("tab\there", PASSWORD, AliasError),
    ],
)
def test_both_formats_apply_the_same_rules(
    clients: dict[str, Issued], fmt: StoreFormat, alias: str, password: str, error: type
) -> None:
    client = clients["ec256"]
    with pytest.raises(error):
        build_keystore(
            alias=alias,
            private_key=client.key,
            chain=client.full_chain,
            password=password,
            format=fmt,
        )
    with pytest.raises(StoreError, match="not belong to this private key"):
        build_keystore(
            alias="x",
            private_key=clients["rsa2048"].key,
            chain=client.full_chain,
            password=PASSWORD,
            format=fmt,
        )
    with pytest.raises(StoreError, match="is already used above"):
        build_truststore(
            entries=[("a", client.cert), ("A", client.cert)], password=PASSWORD, format=fmt
        )


def test_file_names_follow_the_format() -> None:
    assert default_file_name("keystore") == "keystore.jks"
    assert default_file_name("keystore", "pkcs12") == "keystore.p12"
    assert default_file_name("truststore", StoreFormat.PKCS12) == "truststore.p12"
    assert with_format_extension("partner.jks", "pkcs12") == "partner.p12"
    assert with_format_extension("partner.p12", "jks") == "partner.jks"
    assert with_format_extension("acme.corp", "pkcs12") == "acme.corp.p12"
    assert [store_format(v) for v in ("JKS", "PKCS#12", "p12", "pkcs12")] == [
        StoreFormat.JKS,
        StoreFormat.PKCS12,
        StoreFormat.PKCS12,
        StoreFormat.PKCS12,
    ]
    assert [(f.label, f.java_type) for f in StoreFormat] == [("JKS", "JKS"), ("PKCS#12", "PKCS12")]
    with pytest.raises(StoreError, match="JKS or PKCS#12"):
        store_format("jceks")


def test_cryptography_reads_the_pkcs12_truststore(ca: ThrowawayCA) -> None:
    data = build_truststore(entries=[("Root", ca.root.cert)], password=PASSWORD, format="pkcs12")
    loaded = pkcs12.load_pkcs12(data, PASSWORD.encode())
    assert loaded.key is None
    [item] = loaded.additional_certs
    assert (item.certificate, item.friendly_name) == (ca.root.cert, b"root")


@pytest.mark.java
def test_keytool_lists_pkcs12_stores_as_pkcs12(
    tmp_path: Path, clients: dict[str, Issued], ca: ThrowawayCA
) -> None:
    ks = tmp_path / "keystore.p12"
    ks.write_bytes(keystore(clients["rsa2048"], alias="Client"))
    ts = tmp_path / "truststore.p12"
    ts.write_bytes(
        build_truststore(
            entries=[("Root", ca.root.cert), ("Sub", ca.intermediate.cert)],
            password=PASSWORD,
            format="pkcs12",
        )
    )
    assert keytool_list(ks, PASSWORD, storetype="PKCS12").entries == {
        "client": ("PrivateKeyEntry", 3)
    }
    assert keytool_list(ts, PASSWORD, storetype="PKCS12").entries == {
        "root": ("trustedCertEntry", 1),
        "sub": ("trustedCertEntry", 1),
    }


@pytest.mark.parametrize("password", ["pässwörd-1", "price-in-€", "tab\tinside"])
def test_pkcs12_passwords_must_be_printable_ascii(
    clients: dict[str, Issued], ca: ThrowawayCA, password: str
) -> None:
    with pytest.raises(PasswordError, match="Java cannot open PKCS#12 files"):
        keystore(clients["ec256"], password=password)
    with pytest.raises(PasswordError, match="Java cannot open PKCS#12 files"):
        build_truststore(entries=[("root", ca.root.cert)], password=password, format="pkcs12")
    with pytest.raises(PasswordError, match="Or choose the JKS format"):
        check_store_password(password, password, "pkcs12")
    check_store_password(password, password, "jks")  # JKS hashes UTF-16: any character works


@pytest.mark.java
def test_why_java_17_needs_ascii_pkcs12_passwords(
    tmp_path: Path, clients: dict[str, Issued]
) -> None:
    # Written without our check: OpenSSL and cryptography accept it, the JVM does not. If a
    # future JDK opens it, require_pkcs12_password can be relaxed for that JDK.
    client, password = clients["ec256"], "pässwörd-1"
    path = tmp_path / "non-ascii.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"client",
            client.key,
            client.cert,
            client.chain,
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(1000)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .build(password.encode()),
        )
    )
    with pytest.raises(AssertionError, match="Password is not ASCII"):
        keytool_list(path, password, storetype="PKCS12")
