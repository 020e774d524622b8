"""Well-formed files of every kind the app accepts (and some it refuses), to mutate.

All key pair files hold the *same* key pair, so a mutated upload that still loads changes
nothing a test could notice; low iteration counts keep each case fast.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs7, pkcs12
from cryptography.hazmat.primitives.serialization.pkcs12 import PBES
from cryptography.x509.oid import NameOID

from tests.fuzz import crafted
from tests.support.throwaway_pki import Issued, ThrowawayCA

__all__ = ["PASSWORD", "SeedFiles", "build_seed_files"]

PASSWORD = "fuzz-Secret!"
ROUNDS = 500


@dataclass(frozen=True)
class SeedFiles:
    owner: Issued
    keypair_files: dict[str, bytes]  # open with PASSWORD (or none)
    certificate_files: dict[str, bytes]
    other_files: dict[str, bytes]

    def all(self) -> list[bytes]:
        return [
            *self.keypair_files.values(),
            *self.certificate_files.values(),
            *self.other_files.values(),
        ]


def _p12(owner: Issued, algorithm: PBES | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    if algorithm is not None:
        encryption = (
            PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(ROUNDS)
            .key_cert_algorithm(algorithm)
            .hmac_hash(hashes.SHA1())
            .build(PASSWORD.encode())
        )
    return pkcs12.serialize_key_and_certificates(
        b"fuzz owner", owner.key, owner.cert, owner.chain, encryption
    )


@cache
def build_seed_files() -> SeedFiles:
    ca = ThrowawayCA("Fuzz Root", key_kind="ec256")
    owner = ca.issue_client("Fuzz Original", key_kind="ec256")
    secret = PASSWORD.encode()
    chain_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in owner.full_chain)
    key_pem = owner.key_pem()
    key_der = owner.key.private_bytes(
        serialization.Encoding.DER, PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    aes = _p12(owner, PBES.PBESv2SHA256AndAES256CBC)
    header = 2 + (aes[1] & 0x7F if aes[1] & 0x80 else 0)
    certs = [crafted.cert_bag(c) for c in owner.full_chain]
    keypair_files = {
        "p12-aes": aes,
        "p12-3des": _p12(owner, PBES.PBESv1SHA1And3KeyTripleDESCBC),
        "p12-no-password": _p12(owner, None),
        "p12-ber": b"\x30\x80" + aes[header:] + b"\x00\x00",
        "p12-key-hidden-in-encrypted-content": crafted.build_pfx(
            crafted.encrypted_content(
                *certs,
                crafted.shrouded_key_bag(owner.key, secret, rounds=ROUNDS),
                password=secret,
                rounds=ROUNDS,
            ),
            password=secret,
            mac_rounds=ROUNDS,
        ),
        "pem-key-and-chain": key_pem + chain_pem,
        "pem-encrypted-pkcs8-and-chain": crafted.encrypted_pkcs8(owner.key, secret, rounds=ROUNDS)
        + chain_pem,
        "pem-text-around": b"Hello,\r\nhere is my key:\r\n" + key_pem + b"\r\nbye\r\n" + chain_pem,
        "der-pkcs8-key": key_der,
    }
    p7b = pkcs7.serialize_certificates(owner.full_chain, serialization.Encoding.DER)
    leaf_der = owner.cert.public_bytes(serialization.Encoding.DER)
    certificate_files = {
        "pem-chain": chain_pem,
        "der-leaf": leaf_der,
        "p7b-der": p7b,
        "p7b-pem": pkcs7.serialize_certificates(owner.full_chain, serialization.Encoding.PEM),
        "cer-bare-base64": base64.encodebytes(leaf_der),
        "pem-utf16": chain_pem.decode().encode("utf-16"),
        "pem-trusted-certificate": crafted.pem("TRUSTED CERTIFICATE", leaf_der + b"\x30\x00"),
    }
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzz")]))
        .sign(owner.key, hashes.SHA256())
    )
    other_files = {
        "csr": csr.public_bytes(serialization.Encoding.PEM),
        "jks-magic": b"\xfe\xed\xfe\xed" + bytes(60),
        "zip": b"PK\x03\x04" + bytes(40),
        "png": b"\x89PNG\r\n\x1a\n" + bytes(40),
        "text": "Grüße, 证书 🙂\n".encode(),
        "empty-pem": b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        "nested-sequences": b"\x30\x80" * 40 + b"\x00\x00" * 40,
    }
    return SeedFiles(owner, keypair_files, certificate_files, other_files)
