"""The malformed and odd files of the `cryptography-vectors` package, as uploads.

The package is a test dependency (the `test` extra), read in place, never copied here.
"""

from __future__ import annotations

from pathlib import Path

import cryptography_vectors
import pytest

from tests.fuzz.record import timed_case
from tests.fuzz.test_parsers import assert_plain
from webapp.pki.certs import CertificateParseError, describe_certificate, parse_certificates
from webapp.pki.keyimport.keypairs import KeyPairError, load_key_pairs

ROOT = Path(cryptography_vectors.__file__).parent
# Certificates (incl. deliberately broken ones), PKCS#7/#12 and keys in every serialisation.
FOLDERS = [
    "x509",
    "pkcs12",
    "pkcs7",
    "asymmetric/PKCS8",
    "asymmetric/PEM_Serialization",
    "asymmetric/DER_Serialization",
    "asymmetric/Traditional_OpenSSL_Serialization",
    "asymmetric/public",
]
SUFFIXES = {".pem", ".der", ".p12", ".pfx", ".p7b", ".p7c", ".crt", ".cer", ".key", ".p8"}
MAX_FILES = 600  # PKITS alone has hundreds; sorted order keeps the pick stable
PASSWORDS = [None, "password", "cryptography", "foobar"]


def vector_files() -> list[Path]:
    found = sorted(
        p
        for folder in FOLDERS
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and p.stat().st_size < 200_000
    )
    return found[:: max(1, len(found) // MAX_FILES)][:MAX_FILES]


VECTORS = vector_files()


def test_there_are_hundreds_of_vectors():
    assert len(VECTORS) >= 300


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: str(p.relative_to(ROOT)))
def test_vector_files_load_or_fail_in_plain_words(path):
    data = path.read_bytes()
    with timed_case(f"vector {path.name}"):
        for password in PASSWORDS:
            try:
                load_key_pairs(data, password)
            except KeyPairError as error:
                assert_plain(error)
        try:
            for cert in parse_certificates(data):
                describe_certificate(cert)
        except CertificateParseError as error:
            assert_plain(error)
