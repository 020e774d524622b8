"""Certificates: parsing every packaging, describing, ordering chains, choosing aliases."""

from __future__ import annotations

import base64
import datetime as dt
import random
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from tests.pki.conftest import pem, run_tool
from tests.support.throwaway_pki import ThrowawayCA
from tests.support.tools import require_tool
from webapp.pki.certs import (
    CertificateParseError,
    certificate_pem,
    certificates_from_pem,
    describe_certificate,
    parse_certificates,
)
from webapp.pki.certs.chains import is_issued_by, order_chain
from webapp.pki.certs.describe import EXPIRY_WARNING_DAYS
from webapp.pki.java import AliasError, suggest_alias, validate_alias
from webapp.pki.java.aliases import ALIAS_MAX_LENGTH
from webapp.pki.java.jks import check_alias

NOW = dt.datetime.now(dt.UTC)
NOISE = ("openssl", "error:", "asn", "parse", "deserialize", "traceback", "unable to")


@pytest.fixture(scope="module")
def chain(pki_clients) -> list[x509.Certificate]:
    """Leaf, intermediate, root."""
    return pki_clients["ec256"].full_chain


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def self_signed(
    name: x509.Name, *, key: Any = None, issuer: x509.Name | None = None, signer: Any = None
) -> x509.Certificate:
    """A bare certificate with any names; signed by `signer` (default: its own key)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=10))
        .sign(signer or key, hashes.SHA256())
    )


def named(**attributes: str) -> x509.Name:
    oids = {
        "cn": NameOID.COMMON_NAME,
        "o": NameOID.ORGANIZATION_NAME,
        "ou": NameOID.ORGANIZATIONAL_UNIT_NAME,
    }
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in attributes.items()])


# --- parsing ---------------------------------------------------------------------------------
def test_pem_bundle_keeps_file_order(chain):
    assert parse_certificates(pem(*chain)) == chain


def test_pem_with_text_crlf_and_bom(chain):
    text = (
        b"\xef\xbb\xbfHere is the chain you asked for:\r\n\r\n"
        + pem(*chain).replace(b"\n", b"\r\n")
        + b"\r\nRegards,\r\nIT\r\n"
    )
    assert parse_certificates(text) == chain


def test_indented_pem_pasted_from_a_config_file(chain):
    text = b"ca: |\n" + b"".join(b"    " + line + b"\n" for line in pem(*chain).splitlines())
    assert parse_certificates(text) == chain


def test_utf16_pem_from_notepad(chain):
    assert parse_certificates(pem(*chain).decode().encode("utf-16")) == chain


def test_der_certificate(chain):
    assert parse_certificates(der(chain[0])) == chain[:1]


def test_base64_without_pem_lines(chain):
    assert parse_certificates(base64.encodebytes(der(chain[1]))) == chain[1:2]


def test_pkcs7_written_by_cryptography(chain):
    # PKCS#7 holds a SET of certificates: DER sorts them, so only membership is meaningful.
    for encoding in (serialization.Encoding.DER, serialization.Encoding.PEM):
        bundle = pkcs7.serialize_certificates(chain, encoding)
        found = parse_certificates(bundle)
        assert len(found) == 3 and set(found) == set(chain)


@pytest.fixture(scope="module")
def openssl_bundles(chain, tmp_path_factory) -> dict[str, bytes]:
    """.p7b in PEM and DER from `openssl crl2pkcs7`, and an OpenSSL TRUSTED CERTIFICATE."""
    openssl = require_tool("openssl")
    folder: Path = tmp_path_factory.mktemp("p7b")
    (folder / "chain.pem").write_bytes(pem(*chain))
    for form in ("PEM", "DER"):
        run_tool(
            openssl,
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "chain.pem",
            "-outform",
            form,
            "-out",
            f"chain.{form}.p7b",
            cwd=folder,
        )
    run_tool(
        openssl,
        "x509",
        "-in",
        "chain.pem",
        "-trustout",
        "-addtrust",
        "clientAuth",
        "-out",
        "trusted.pem",
        cwd=folder,
    )
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("name", ["chain.PEM.p7b", "chain.DER.p7b"])
def test_pkcs7_written_by_openssl(name, openssl_bundles, chain):
    assert openssl_bundles[name].startswith(b"-----BEGIN PKCS7") == (name == "chain.PEM.p7b")
    found = parse_certificates(openssl_bundles[name])
    assert len(found) == 3 and set(found) == set(chain)


def test_openssl_trusted_certificate(openssl_bundles, chain):
    assert b"BEGIN TRUSTED CERTIFICATE" in openssl_bundles["trusted.pem"]
    assert parse_certificates(openssl_bundles["trusted.pem"]) == chain[:1]


def test_duplicates_are_dropped_keeping_the_first(chain):
    leaf, intermediate, root = chain
    assert parse_certificates(pem(leaf, intermediate, leaf, root, intermediate)) == chain
    mixed = pem(root) + pkcs7.serialize_certificates([root, leaf], serialization.Encoding.PEM)
    assert parse_certificates(mixed) == [root, leaf]


def test_java_keystore_is_recognised(java_keystore_files):
    with pytest.raises(CertificateParseError, match=r"Java keystore \(JKS\)"):
        parse_certificates(java_keystore_files["jks"])


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"\x00\x01garbage\xff" * 50, "does not contain any certificates"),
        (b"just some text\n", "does not contain any certificates"),
        (b"\x30\x82\x01\x00" + bytes(256), "does not contain any certificates"),
        (b"\xfe\xed\xfe\xed\x00\x00\x00\x02", "Java keystore (JKS)"),
        (b"\xce\xce\xce\xce\x00\x00\x00\x02", "Java keystore (JKS)"),
        (b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", "private key"),
        (b"-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n", "damaged"),
        (b"-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n", "damaged"),
        (
            b"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
            "does not contain any certificates",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "binary",
        "text",
        "der-sequence",
        "jks",
        "jceks",
        "key-only",
        "damaged-der",
        "damaged-base64",
        "public-key",
    ],
)
def test_unreadable_files_are_explained(data, fragment):
    with pytest.raises(CertificateParseError) as caught:
        parse_certificates(data)
    message = str(caught.value)
    assert fragment in message
    assert not any(word in message.lower() for word in NOISE), message
    assert caught.value.__cause__ is None


def test_hostile_pem_markers_fail_fast():
    started = time.perf_counter()
    with pytest.raises(CertificateParseError):
        parse_certificates(b"-----BEGIN CERTIFICATE-----\n" * 40_000)
    assert time.perf_counter() - started < 2


def test_pem_round_trip_for_the_session(chain):
    text = "".join(certificate_pem(c) for c in chain)
    assert isinstance(text, str) and text.count("BEGIN CERTIFICATE") == 3
    assert certificates_from_pem(text) == chain
    assert certificates_from_pem("") == []
    with pytest.raises(CertificateParseError):
        certificates_from_pem("rubbish")


# --- describing ------------------------------------------------------------------------------
def test_describe_a_client_certificate(pki_clients, pki_ca):
    cert = pki_clients["rsa2048"].cert
    summary = describe_certificate(cert, now=NOW)
    assert summary.subject == "CN=Client rsa2048,O=mtls-kit tests"
    assert summary.issuer == "CN=mtls-kit Test Root Intermediate,O=mtls-kit tests"
    assert summary.common_name == "Client rsa2048"
    assert summary.not_before == cert.not_valid_before_utc
    assert summary.not_after == cert.not_valid_after_utc
    assert summary.not_after.tzinfo is not None and summary.not_after.utcoffset() == dt.timedelta(0)
    assert summary.status == "valid"
    assert summary.days_left == (cert.not_valid_after_utc - NOW).days
    assert (summary.key_type, summary.key_size, summary.key_description) == (
        "RSA",
        2048,
        "RSA 2048-bit",
    )
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", summary.sha256_fingerprint)
    assert (
        summary.sha256_fingerprint.replace(":", "")
        == cert.fingerprint(hashes.SHA256()).hex().upper()
    )
    assert int(summary.serial, 16) == cert.serial_number
    assert (summary.is_ca, summary.is_self_signed, summary.dns_names) == (False, False, ())


@pytest.mark.parametrize(
    "kind, key_type, size, description",
    [
        ("ec256", "EC", 256, "EC P-256"),
        ("ec384", "EC", 384, "EC P-384"),
        ("ed25519", "Ed25519", 256, "Ed25519"),
    ],
)
def test_key_facts(kind, key_type, size, description, pki_clients):
    summary = describe_certificate(pki_clients[kind].cert)
    assert (summary.key_type, summary.key_size, summary.key_description) == (
        key_type,
        size,
        description,
    )


def test_ca_flags_and_self_signed(pki_ca):
    root = describe_certificate(pki_ca.root.cert)
    intermediate = describe_certificate(pki_ca.intermediate.cert)
    assert (root.is_ca, root.is_self_signed) == (True, True)
    assert (intermediate.is_ca, intermediate.is_self_signed) == (True, False)


def test_same_name_but_another_key_is_not_self_signed():
    name = named(cn="Looks self-signed")
    cert = self_signed(name, signer=ec.generate_private_key(ec.SECP256R1()))
    assert describe_certificate(cert).is_self_signed is False


def test_dns_names_come_from_the_subject_alternative_name(pki_ca):
    server = pki_ca.issue_server("service.example.test", key_kind="ec256")
    assert describe_certificate(server.cert).dns_names == ("service.example.test",)


def test_no_common_name():
    assert describe_certificate(self_signed(named(o="Only Org"))).common_name is None


@pytest.mark.parametrize(
    "not_before, not_after, status, days_left",
    [
        (-400, -30, "expired", -31),
        (5, 400, "not_yet_valid", 399),
        (-100, 10, "expiring_soon", 9),
        (-100, EXPIRY_WARNING_DAYS, "expiring_soon", EXPIRY_WARNING_DAYS - 1),
        (-100, EXPIRY_WARNING_DAYS + 2, "valid", EXPIRY_WARNING_DAYS + 1),
    ],
)
def test_validity_status(not_before, not_after, status, days_left, pki_ca):
    # One minute short of whole days, so days_left is stable whatever the clock does.
    now = dt.datetime.now(dt.UTC)
    client = pki_ca.issue_client(
        "Dated",
        key_kind="ec256",
        not_before=now + dt.timedelta(days=not_before),
        not_after=now + dt.timedelta(days=not_after, minutes=-1),
    )
    summary = describe_certificate(client.cert, now=now)
    assert (summary.status, summary.days_left) == (status, days_left)


def test_a_naive_now_is_taken_as_utc(pki_clients):
    cert = pki_clients["ec256"].cert
    naive = cert.not_valid_after_utc.replace(tzinfo=None) + dt.timedelta(hours=1)
    assert describe_certificate(cert, now=naive).status == "expired"


def test_now_defaults_to_the_current_time(pki_ca):
    client = pki_ca.issue_client(
        "Expired",
        key_kind="ec256",
        not_before=NOW - dt.timedelta(days=10),
        not_after=NOW - dt.timedelta(days=1),
    )
    assert describe_certificate(client.cert).status == "expired"
    assert describe_certificate(client.cert, now=NOW - dt.timedelta(days=5)).status == (
        "expiring_soon"
    )


# --- chains ----------------------------------------------------------------------------------
def test_order_chain_from_shuffled_input_ignores_strangers(chain, pki_clients):
    leaf, intermediate, root = chain
    stranger = ThrowawayCA("Stranger CA", key_kind="ec256")
    others = [
        root,
        pki_clients["rsa2048"].cert,
        stranger.root.cert,
        stranger.intermediate.cert,
        intermediate,
        leaf,
    ]
    for seed in range(5):
        random.Random(seed).shuffle(others)
        assert order_chain(leaf, others) == chain


def test_order_chain_stops_where_the_issuer_is_missing(chain):
    leaf, intermediate, _ = chain
    assert order_chain(leaf, [intermediate]) == [leaf, intermediate]
    assert order_chain(leaf, []) == [leaf]
    assert order_chain(chain[2], chain) == [chain[2]]


def test_an_impostor_with_the_issuers_name_is_not_used(chain):
    leaf, intermediate, root = chain
    impostor = self_signed(intermediate.subject, issuer=root.subject)
    assert order_chain(leaf, [impostor, root]) == [leaf]
    assert is_issued_by(leaf, impostor) is False
    assert is_issued_by(leaf, intermediate) is True
    assert is_issued_by(intermediate, leaf) is False


def test_order_chain_survives_a_cycle():
    key_a, key_b = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    a, b = named(cn="A"), named(cn="B")
    cert_a = self_signed(a, key=key_a, issuer=b, signer=key_b)
    cert_b = self_signed(b, key=key_b, issuer=a, signer=key_a)
    assert order_chain(cert_a, [cert_b, cert_a]) == [cert_a, cert_b]


# --- aliases ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, alias",
    [
        (named(o="ACME", cn="Client One"), "client-one"),
        (named(cn="  Payments API (prod) / EU  "), "payments-api-prod-eu"),
        (named(cn="svc_backend.v2"), "svc_backend.v2"),
        (named(cn="Müller GmbH"), "muller-gmbh"),
        (named(o="Only Org Ltd"), "only-org-ltd"),
        (named(ou="Nothing useful"), "certificate"),
        (named(cn="日本"), "certificate"),
        (named(cn="X" * ALIAS_MAX_LENGTH), "x" * ALIAS_MAX_LENGTH),
    ],
)
def test_suggested_alias_is_readable_and_lower_case(name, alias):
    assert suggest_alias(self_signed(name)) == alias


def test_suggested_alias_is_unique_whatever_the_case():
    cert = self_signed(named(cn="Client One"))
    assert suggest_alias(cert, taken=["other"]) == "client-one"
    assert suggest_alias(cert, taken=["Client-One"]) == "client-one-2"
    assert suggest_alias(cert, taken=["client-one", "CLIENT-ONE-2"]) == "client-one-3"
    long_cert = self_signed(named(cn="y" * ALIAS_MAX_LENGTH))
    suggestion = suggest_alias(long_cert, taken=["y" * ALIAS_MAX_LENGTH])
    assert suggestion == "y" * (ALIAS_MAX_LENGTH - 2) + "-2"
    assert validate_alias(suggestion) == suggestion


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("Client-One", "client-one"),
        ("  spaced name  ", "spaced name"),
        ("ünïcode", "ünïcode"),
        ("a" * ALIAS_MAX_LENGTH, "a" * ALIAS_MAX_LENGTH),
    ],
)
def test_valid_aliases_are_normalised(typed, stored):
    assert validate_alias(typed) == stored


@pytest.mark.parametrize(
    "typed, fragment",
    [
        ("", "Enter a name"),
        ("   \t ", "Enter a name"),
        ("a" * (ALIAS_MAX_LENGTH + 1), f"at most {ALIAS_MAX_LENGTH} characters"),
        ("two\nlines", "line breaks"),
        ("tab\there", "tabs"),
        ("bell\x07", "control characters"),
        ("smile \U0001f600", "letters, digits"),
        ("zero\u200bwidth", "letters, digits"),
    ],
)
def test_unusable_aliases_are_explained(typed, fragment):
    with pytest.raises(AliasError, match=re.escape(fragment)):
        validate_alias(typed)


def test_aliases_we_accept_are_accepted_by_the_store_builder(pki_clients):
    for typed in (
        "Client-One",
        "  spaced name  ",
        "ünïcode",
        "a" * ALIAS_MAX_LENGTH,
        suggest_alias(pki_clients["ec256"].cert),
    ):
        assert check_alias(validate_alias(typed)) == validate_alias(typed)


def test_openssl_agrees_with_the_fingerprint(chain):
    openssl = require_tool("openssl")
    output = subprocess.run(
        [openssl, "x509", "-noout", "-fingerprint", "-sha256"],
        input=pem(chain[0]),
        capture_output=True,
        check=True,
    ).stdout
    assert output.decode().strip().endswith(describe_certificate(chain[0]).sha256_fingerprint)


def test_a_key_pair_file_in_the_truststore_step_says_where_it_belongs(throwaway_pki):
    """Issue 12: a .p12 uploaded as a partner certificate is not "unreadable"."""
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    client = throwaway_pki.client("ec256")
    p12 = pkcs12.serialize_key_and_certificates(
        b"me", client.key, client.cert, None, BestAvailableEncryption(b"pw-123456")
    )
    with pytest.raises(CertificateParseError, match=r"key pair file .* belongs in step 1"):
        parse_certificates(p12)


def test_a_private_key_in_the_truststore_step_says_it_belongs_in_step_1(throwaway_pki):
    with pytest.raises(CertificateParseError, match="belongs in step 1, Keystore, and must never"):
        parse_certificates(throwaway_pki.client("ec256").key_pem())
