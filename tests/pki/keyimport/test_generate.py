"""A new key pair and certificate request for people without one (issue 13)."""

from __future__ import annotations

import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from tests.support.tools import require_tool
from webapp.pki.keyimport import KEY_TYPES, RequestFieldError, generate_key_and_request
from webapp.pki.keyimport.generate import DEFAULT_KEY_TYPE, request_subject


@pytest.fixture(scope="module")
def generated():
    return {
        kind: generate_key_and_request(
            organisation="Example Ltd", common_name="Payments to Acme", country="de", key_type=kind
        )
        for kind in KEY_TYPES
    }


def test_key_types_offered_and_default():
    assert list(KEY_TYPES) == ["rsa3072", "rsa2048", "ec-p256"] and DEFAULT_KEY_TYPE == "rsa3072"


@pytest.mark.parametrize(
    "kind, check",
    [
        ("rsa3072", lambda k: isinstance(k, rsa.RSAPrivateKey) and k.key_size == 3072),
        ("rsa2048", lambda k: isinstance(k, rsa.RSAPrivateKey) and k.key_size == 2048),
        (
            "ec-p256",
            lambda k: isinstance(k, ec.EllipticCurvePrivateKey) and k.curve.name == "secp256r1",
        ),
    ],
)
def test_key_placeholder_and_request_belong_together(generated, kind, check):
    result = generated[kind]
    pair = result.key_pair
    assert check(pair.private_key)
    subject = x509.Name.from_rfc4514_string("CN=Payments to Acme,O=Example Ltd,C=DE")
    # The placeholder is self-signed, like keytool -genkeypair's.
    assert pair.chain == (pair.certificate,)
    assert pair.certificate.subject == pair.certificate.issuer == subject
    pair.certificate.verify_directly_issued_by(pair.certificate)
    csr = result.csr
    assert csr.is_signature_valid and csr.subject == subject
    assert csr.public_key() == pair.private_key.public_key()
    assert result.csr_pem.startswith(b"-----BEGIN CERTIFICATE REQUEST-----")


def test_openssl_verifies_the_request(generated, tmp_path):
    openssl = require_tool("openssl", why="the CSR must be checked by another tool")
    for kind, result in generated.items():
        path = tmp_path / f"{kind}.csr"
        path.write_bytes(result.csr_pem)
        checked = subprocess.run(
            [openssl, "req", "-in", str(path), "-noout", "-verify", "-subject"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr
        assert "verify OK" in checked.stdout + checked.stderr
        assert "CN = Payments to Acme" in checked.stdout


def test_optional_fields_may_be_empty():
    name = request_subject(organisation="  ", common_name=" Partner   API ", country="")
    assert name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Partner API"
    assert len(name) == 1


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"common_name": ""}, "common_name", "Enter the name for this connection."),
        (
            {"common_name": "x" * 65},
            "common_name",
            "Use at most 64 characters for the name for this connection.",
        ),
        (
            {"organisation": "a\x00b"},
            "organisation",
            "Use letters, digits, spaces and punctuation for the organisation.",
        ),
        (
            {"country": "Germany"},
            "country",
            "Enter the country as two letters, for example DE or GB, or leave it empty.",
        ),
        (
            {"country": "D1"},
            "country",
            "Enter the country as two letters, for example DE or GB, or leave it empty.",
        ),
        ({"key_type": "dsa1024"}, "key_type", "Choose one of the offered key types."),
    ],
)
def test_bad_fields_are_named_in_plain_words(fields, field, message):
    arguments = {"organisation": "Example", "common_name": "Client", "country": "GB", **fields}
    with pytest.raises(RequestFieldError) as raised:
        generate_key_and_request(**arguments)
    assert (raised.value.field, str(raised.value)) == (field, message)
