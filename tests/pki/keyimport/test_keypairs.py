"""load_key_pairs: every format people bring, and a plain sentence for every way it can fail."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from functools import cached_property
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.pki.conftest import KEYTOOL_PASSWORD, KeyPairFile, pem, pkcs8
from tests.support.throwaway_pki import Issued, ThrowawayCA
from webapp.pki.keyimport import keypairs
from webapp.pki.keyimport.keypairs import (
    KeyMismatchError,
    KeyPair,
    KeyPairError,
    NotAKeyPairError,
    PasswordRequiredError,
    UnsupportedKeyError,
    WrongPasswordError,
    load_key_pairs,
)

PORTABLE = [
    "p12-cryptography-aes",
    "p12-cryptography-unencrypted",
    "pem-pkcs8-key-then-chain",
    "pem-chain-then-pkcs8-key",
    "pem-pkcs8-encrypted",
    "pem-pkcs1-rsa",
    "pem-sec1-ec",
    "pem-ed25519",
    "pem-bom-crlf-text-around",
    "pem-cert-file-then-key-file",
    "pem-key-file-then-cert-file",
    "pem-chain-and-der-pkcs8-key",
    "pem-chain-and-encrypted-der-pkcs8-key",
    "p7b-chain-and-pem-key",
]
OPENSSL = [
    "p12-openssl-default-rsa2048",
    "p12-openssl-default-ec256",
    "p12-openssl-default-ec384",
    "p12-openssl-default-ed25519",
    "p12-openssl-3des",
    "p12-openssl-legacy-rc2",
    "p12-openssl-non-ascii-password",
    "p12-openssl-empty-password",
    "p12-openssl-empty-password-but-one-typed",
    "p12-openssl-unencrypted-no-mac",
    "pem-openssl-pkcs1-encrypted",
    "pem-openssl-sec1-encrypted",
    "pem-openssl-pkcs8-pbe-sha1-3des",
    "pem-openssl-pkcs12-nodes-output",
]
# Words that would mean a library's error text reached the user.
NOISE = ("openssl", "error:", "asn", "der ", "parse", "deserialize", "traceback", "unable to")


def load_one(upload: KeyPairFile) -> KeyPair:
    (pair,) = load_key_pairs(upload.data, upload.password, extra=upload.extra)
    return pair


def assert_full_chain(pair: KeyPair, leaf: x509.Certificate, ca: ThrowawayCA) -> None:
    assert pair.certificate == leaf
    assert list(pair.chain) == [leaf, ca.intermediate.cert, ca.root.cert]
    assert spki(pair.private_key.public_key()) == spki(leaf.public_key())


def spki(public_key: Any) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def assert_plain(error: Exception) -> None:
    message = str(error)
    assert message.endswith("."), message
    assert not any(word in message.lower() for word in NOISE), message


# --- formats that load -----------------------------------------------------------------------
def test_the_name_tables_list_every_file(portable_keypair_files, openssl_keypair_files):
    assert sorted(portable_keypair_files) == sorted(PORTABLE)
    assert sorted(openssl_keypair_files) == sorted(OPENSSL)


@pytest.mark.parametrize("name", PORTABLE)
def test_files_cryptography_writes_load_with_the_full_chain(name, portable_keypair_files, pki_ca):
    upload = portable_keypair_files[name]
    assert_full_chain(load_one(upload), upload.leaf, pki_ca)


@pytest.mark.parametrize("name", OPENSSL)
def test_files_openssl_writes_load_with_the_full_chain(name, openssl_keypair_files, pki_ca):
    upload = openssl_keypair_files[name]
    assert_full_chain(load_one(upload), upload.leaf, pki_ca)


def test_a_keystore_keytool_wrote_loads_with_its_alias(keytool_keypair_files, pki_ca):
    upload = keytool_keypair_files["p12-keytool"]
    pair = load_one(upload)
    assert_full_chain(pair, upload.leaf, pki_ca)
    assert pair.source_alias == "java-client"


@pytest.mark.parametrize(
    "kind, description",
    [
        ("rsa2048", "RSA 2048-bit"),
        ("ec256", "EC P-256"),
        ("ec384", "EC P-384"),
        ("ed25519", "Ed25519"),
    ],
)
def test_key_description_names_type_and_size(kind, description, openssl_keypair_files):
    pair = load_one(openssl_keypair_files[f"p12-openssl-default-{kind}"])
    assert pair.key_description == description
    assert pair.source_alias == f"Alias {kind}"


def test_p521_keys_are_accepted(pki_ca):
    key = ec.generate_private_key(ec.SECP521R1())
    cert = reissue(pki_ca, key, "P-521 client")
    (pair,) = load_key_pairs(key_pem(key) + pem(cert, pki_ca.intermediate.cert), None)
    assert pair.key_description == "EC P-521"
    assert pair.chain == (cert, pki_ca.intermediate.cert)


@pytest.mark.parametrize("name", ["pem-two-keys", "p12-keytool-two-entries"])
def test_every_key_in_a_multi_key_file_becomes_a_key_pair(name, multi_keypair_files, pki_ca):
    upload = multi_keypair_files[name]
    pairs = load_key_pairs(upload.data, upload.password)
    assert {p.certificate for p in pairs} == set(upload.leaves)
    for pair in pairs:
        assert_full_chain(pair, pair.certificate, pki_ca)


def test_keytool_entries_keep_their_aliases(multi_keypair_files):
    upload = multi_keypair_files["p12-keytool-two-entries"]
    pairs = load_key_pairs(upload.data, upload.password)
    assert {p.source_alias: p.certificate for p in pairs} == dict(
        zip(["first", "second"], upload.leaves, strict=True)
    )


def test_pem_keys_come_out_in_file_order(multi_keypair_files):
    upload = multi_keypair_files["pem-two-keys"]
    pairs = load_key_pairs(upload.data, upload.password)
    assert [p.certificate for p in pairs] == upload.leaves


def test_a_renewed_certificate_for_the_same_key_wins(pki_ca, pki_clients):
    client = pki_clients["ec256"]
    renewed = reissue(
        pki_ca,
        client.key,
        "Client ec256",
        not_after=client.cert.not_valid_after_utc + dt.timedelta(days=90),
    )
    data = pkcs8(client) + pem(client.cert, renewed, *client.chain)
    assert load_one(KeyPairFile(data, None, None, renewed)).certificate == renewed


def test_bytes_after_a_pkcs12_file_are_ignored(portable_keypair_files, pki_ca):
    upload = portable_keypair_files["p12-cryptography-aes"]
    pair = load_one(upload._replace(data=upload.data + b"\r\n"))
    assert_full_chain(pair, upload.leaf, pki_ca)


def as_ber(der: bytes) -> bytes:
    """The same PFX with an indefinite-length outer SEQUENCE, as some older tools wrote."""
    header = 2 + (der[1] & 0x7F if der[1] & 0x80 else 0)
    return b"\x30\x80" + der[header:] + b"\x00\x00"


def test_a_ber_encoded_pkcs12_loads_and_still_knows_a_wrong_password(
    portable_keypair_files, pki_ca
):
    upload = portable_keypair_files["p12-cryptography-aes"]
    ber = upload._replace(data=as_ber(upload.data))
    assert_full_chain(load_one(ber), upload.leaf, pki_ca)
    with pytest.raises(WrongPasswordError):
        load_key_pairs(ber.data, "wrong")


def test_a_wrong_password_costs_at_most_two_attempts(openssl_keypair_files, monkeypatch):
    attempts: list[bytes | None] = []
    original = pkcs12.load_pkcs12

    def counting(data: bytes, password: bytes | None) -> Any:
        attempts.append(password)
        return original(data, password)

    monkeypatch.setattr(pkcs12, "load_pkcs12", counting, raising=True)
    with pytest.raises(WrongPasswordError):
        load_key_pairs(openssl_keypair_files["p12-openssl-3des"].data, "nope")
    assert attempts == [b"nope", None]


# --- the KeyPair value object ----------------------------------------------------------------
@pytest.mark.parametrize(
    "alias",
    [
        None,
        "java-client",
        'line\nbreak "quoted" ünï',
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    ],
)
def test_pem_bundle_round_trip_keeps_key_chain_and_alias(alias, portable_keypair_files):
    original = load_one(portable_keypair_files["pem-pkcs8-key-then-chain"])
    original = KeyPair(original.private_key, original.certificate, original.chain, alias)
    restored = KeyPair.from_pem_bundle(original.to_pem_bundle())
    assert restored.chain == original.chain
    assert restored.certificate == original.certificate
    assert restored.source_alias == alias
    assert restored.private_key_pkcs8_der() == original.private_key_pkcs8_der()


def test_pkcs8_der_is_unencrypted_and_reads_back(portable_keypair_files):
    pair = load_one(portable_keypair_files["pem-ed25519"])
    key = serialization.load_der_private_key(pair.private_key_pkcs8_der(), None)
    assert spki(key.public_key()) == spki(pair.certificate.public_key())


@pytest.mark.parametrize(
    "text",
    ["not a bundle", "mtls-kit-source-alias: {broken", 'mtls-kit-source-alias: "only an alias"\n'],
)
def test_a_damaged_pem_bundle_is_a_key_pair_error(text):
    with pytest.raises(KeyPairError) as caught:
        KeyPair.from_pem_bundle(text)
    assert_plain(caught.value)


def test_chain_must_start_with_the_certificate(pki_clients):
    client = pki_clients["ec256"]
    with pytest.raises(ValueError):
        KeyPair(client.key, client.cert, tuple(client.chain))


# --- errors ----------------------------------------------------------------------------------
def reissue(
    ca: ThrowawayCA, key: Any, common_name: str, *, not_after: dt.datetime | None = None
) -> x509.Certificate:
    """A certificate from the intermediate for any public key (even ones we refuse)."""
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name.from_rfc4514_string(f"CN={common_name}"))
        .issuer_name(ca.intermediate.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=30))
        .sign(ca.intermediate.key, hashes.SHA256())
    )


Upload = tuple[bytes, "str | None", "bytes | None"]


class Sources:
    """What the error table builds uploads from; tool-made files only when a row asks."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request
        self.ca: ThrowawayCA = request.getfixturevalue("pki_ca")
        self.clients: dict[str, Issued] = request.getfixturevalue("pki_clients")
        self.portable: dict[str, KeyPairFile] = request.getfixturevalue("portable_keypair_files")

    @cached_property
    def openssl(self) -> dict[str, KeyPairFile]:
        return self._request.getfixturevalue("openssl_keypair_files")

    @cached_property
    def java(self) -> dict[str, bytes]:
        return self._request.getfixturevalue("java_keystore_files")

    def with_key(self, key: Any) -> bytes:
        return key_pem(key) + pem(reissue(self.ca, key, "Odd key"))


def key_pem(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def without_password(upload: KeyPairFile) -> Upload:
    return upload.data, None, upload.extra


ERRORS: list[tuple[str, Callable[[Sources], Upload], type[KeyPairError], str]] = [
    (
        "p12-wrong-password",
        lambda s: (s.portable["p12-cryptography-aes"].data, "wrong", None),
        WrongPasswordError,
        "password does not open",
    ),
    (
        "p12-no-password",
        lambda s: (s.portable["p12-cryptography-aes"].data, None, None),
        PasswordRequiredError,
        "protected by a password",
    ),
    (
        "p12-empty-password-typed",
        lambda s: (s.portable["p12-cryptography-aes"].data, "", None),
        PasswordRequiredError,
        "protected by a password",
    ),
    (
        "p12-3des-wrong-password",
        lambda s: (s.openssl["p12-openssl-3des"].data, "x", None),
        WrongPasswordError,
        "password does not open",
    ),
    (
        "p12-rc2-no-password",
        lambda s: (s.openssl["p12-openssl-legacy-rc2"].data, None, None),
        PasswordRequiredError,
        "protected by a password",
    ),
    (
        "pem-pkcs8-no-password",
        lambda s: (s.portable["pem-pkcs8-encrypted"].data, None, None),
        PasswordRequiredError,
        "protected by a password",
    ),
    (
        "pem-pkcs8-wrong-password",
        lambda s: (s.portable["pem-pkcs8-encrypted"].data, "wrong", None),
        WrongPasswordError,
        "password does not open",
    ),
    (
        "pem-proc-type-no-password",
        lambda s: (s.openssl["pem-openssl-pkcs1-encrypted"].data, None, None),
        PasswordRequiredError,
        "protected by a password",
    ),
    (
        "pem-proc-type-wrong-password",
        lambda s: (s.openssl["pem-openssl-sec1-encrypted"].data, "wrong", None),
        WrongPasswordError,
        "password does not open",
    ),
    (
        "der-pkcs8-no-password",
        lambda s: without_password(s.portable["pem-chain-and-encrypted-der-pkcs8-key"]),
        PasswordRequiredError,
        "protected by a password",
    ),
    (
        "lone-certificate-pem",
        lambda s: (s.clients["ec256"].cert_pem(), None, None),
        NotAKeyPairError,
        "looks like a certificate without a private key",
    ),
    (
        "lone-certificate-der",
        lambda s: (s.clients["ec256"].cert.public_bytes(serialization.Encoding.DER), None, None),
        NotAKeyPairError,
        "looks like a certificate without a private key",
    ),
    (
        "chain-without-key",
        lambda s: (s.clients["ec256"].chain_pem(), None, None),
        NotAKeyPairError,
        "looks like certificates without a private key",
    ),
    (
        "key-without-certificate",
        lambda s: (pkcs8(s.clients["ec256"]), None, None),
        NotAKeyPairError,
        "only a private key",
    ),
    ("jks", lambda s: (s.java["jks"], "whatever", None), NotAKeyPairError, "Java keystore (JKS)"),
    ("jceks", lambda s: (s.java["jceks"], None, None), NotAKeyPairError, "Java keystore (JCEKS)"),
    (
        "pkcs12-truststore",
        lambda s: (s.java["pkcs12-truststore"], KEYTOOL_PASSWORD, None),
        NotAKeyPairError,
        "looks like a certificate",
    ),
    (
        "random-bytes",
        lambda s: (os.urandom(2048), None, None),
        NotAKeyPairError,
        "not a key pair file",
    ),
    (
        "random-bytes-starting-like-der",
        lambda s: (b"\x30\x82\x01\x00" + os.urandom(256), "pw", None),
        NotAKeyPairError,
        "not a key pair file",
    ),
    (
        "truncated-p12",
        lambda s: (s.portable["p12-cryptography-aes"].data[:400], "pw", None),
        NotAKeyPairError,
        "damaged or incomplete",
    ),
    ("empty-file", lambda s: (b"", None, None), NotAKeyPairError, "empty"),
    ("whitespace-only", lambda s: (b" \r\n\t", "pw", None), NotAKeyPairError, "empty"),
    (
        "empty-extra-file",
        lambda s: (s.clients["ec256"].cert_pem(), None, b""),
        NotAKeyPairError,
        "empty",
    ),
    (
        "text-file",
        lambda s: (b"hello, this is my key\n", None, None),
        NotAKeyPairError,
        "not a key pair file",
    ),
    (
        "public-key-only",
        lambda s: (b"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n", None, None),
        NotAKeyPairError,
        "not a key pair file",
    ),
    (
        "certificate-request",
        lambda s: (
            b"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
            None,
            None,
        ),
        NotAKeyPairError,
        "certificate request",
    ),
    (
        "damaged-pem-key",
        lambda s: (
            b"-----BEGIN PRIVATE KEY-----\nMIIBAAAA\n-----END PRIVATE KEY-----\n"
            + s.clients["ec256"].cert_pem(),
            None,
            None,
        ),
        NotAKeyPairError,
        "damaged",
    ),
    (
        "damaged-certificate-block",
        lambda s: (
            pkcs8(s.clients["ec256"])
            + b"-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n",
            None,
            None,
        ),
        NotAKeyPairError,
        "damaged",
    ),
    (
        "key-and-someone-elses-certificate",
        lambda s: (pkcs8(s.clients["ec256"]) + s.clients["rsa2048"].chain_pem(), None, None),
        KeyMismatchError,
        "does not belong to this certificate",
    ),
    (
        "key-file-and-someone-elses-cert-file",
        lambda s: (s.clients["ed25519"].cert_pem(), None, pkcs8(s.clients["ec384"])),
        KeyMismatchError,
        "does not belong to this certificate",
    ),
    (
        "too-many-keys",
        lambda s: (
            b"".join(
                key_pem(ec.generate_private_key(ec.SECP256R1()))
                for _ in range(keypairs.MAX_KEY_ENTRIES + 1)
            ),
            None,
            None,
        ),
        NotAKeyPairError,
        f"more than {keypairs.MAX_KEY_ENTRIES} private keys",
    ),
    (
        "dsa-key",
        lambda s: (s.with_key(dsa.generate_private_key(1024)), None, None),
        UnsupportedKeyError,
        "(DSA 1024-bit) is not supported",
    ),
    (
        "ed448-key",
        lambda s: (s.with_key(ed448.Ed448PrivateKey.generate()), None, None),
        UnsupportedKeyError,
        "(Ed448) is not supported",
    ),
    (
        "secp256k1-key",
        lambda s: (s.with_key(ec.generate_private_key(ec.SECP256K1())), None, None),
        UnsupportedKeyError,
        "(EC secp256k1) is not supported",
    ),
]


@pytest.mark.parametrize(
    "build, error, fragment", [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS]
)
def test_problems_are_reported_in_plain_words(build, error, fragment, request):
    data, password, extra = build(Sources(request))
    with pytest.raises(error) as caught:
        load_key_pairs(data, password, extra=extra)
    assert type(caught.value) is error
    assert fragment in str(caught.value)
    assert_plain(caught.value)
    assert caught.value.__cause__ is None  # no library exception chained for a log to leak


def test_java_keystore_message_says_what_to_use_without_a_command_line(java_keystore_files):
    """Issue 12: the user is told what to ask for, not sent to keytool."""
    with pytest.raises(NotAKeyPairError, match=r"\.p12 or \.pfx") as caught:
        load_key_pairs(java_keystore_files["jks"], "whatever")
    assert "keytool" not in str(caught.value)


def test_every_error_is_a_value_error():
    for error in (
        PasswordRequiredError,
        WrongPasswordError,
        NotAKeyPairError,
        KeyMismatchError,
        UnsupportedKeyError,
    ):
        assert issubclass(error, KeyPairError) and issubclass(error, ValueError)
