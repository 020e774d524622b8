"""A throw-away PKI for tests: root CA -> intermediate CA -> leaf certificates.

Everything is generated at test time with `cryptography`; no real key is ever committed.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["Issued", "ThrowawayCA", "new_key"]

NOW = dt.datetime.now(dt.UTC)


def new_key(kind: str = "rsa2048"):
    """Make a private key: rsa2048, rsa3072, ec256, ec384 or ed25519."""
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    if kind == "ec256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ec384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key kind {kind!r}")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mtls-kit tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _sign_hash(key):
    # Ed25519 signs without a separate digest.
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


@dataclass
class Issued:
    """A certificate with its private key and the chain above it (leaf first, root last)."""

    key: object
    cert: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)

    @property
    def full_chain(self) -> list[x509.Certificate]:
        return [self.cert, *self.chain]

    def key_pem(self, password: bytes | None = None, *, fmt: str = "pkcs8") -> bytes:
        encryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        private_format = {
            "pkcs8": serialization.PrivateFormat.PKCS8,
            "traditional": serialization.PrivateFormat.TraditionalOpenSSL,
        }[fmt]
        return self.key.private_bytes(serialization.Encoding.PEM, private_format, encryption)

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def chain_pem(self, *, include_root: bool = True) -> bytes:
        certs = self.full_chain if include_root else self.full_chain[:-1]
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)

    def write(self, folder: Path, stem: str) -> tuple[Path, Path]:
        """Write <stem>.key and <stem>.crt (leaf + intermediates, no root) for servers."""
        key_path, cert_path = folder / f"{stem}.key", folder / f"{stem}.crt"
        key_path.write_bytes(self.key_pem())
        cert_path.write_bytes(self.chain_pem(include_root=False))
        return key_path, cert_path


class ThrowawayCA:
    """Root CA with one intermediate; issues server and client leaves."""

    def __init__(self, name: str = "Test Root CA", *, key_kind: str = "rsa2048") -> None:
        self.root = self._self_signed(name, new_key(key_kind))
        self.intermediate = self._issue(
            self.root, f"{name} Intermediate", new_key(key_kind), is_ca=True
        )

    def root_pem(self) -> bytes:
        return self.root.cert_pem()

    def issue_client(
        self,
        common_name: str = "Client One",
        *,
        key_kind: str = "rsa2048",
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> Issued:
        return self._issue(
            self.intermediate,
            common_name,
            new_key(key_kind),
            eku=ExtendedKeyUsageOID.CLIENT_AUTH,
            not_before=not_before,
            not_after=not_after,
        )

    def issue_server(self, hostname: str = "localhost", *, key_kind: str = "rsa2048") -> Issued:
        sans: list[x509.GeneralName] = [x509.DNSName(hostname)]
        try:
            sans = [x509.IPAddress(ipaddress.ip_address(hostname))]
        except ValueError:
            sans.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
        return self._issue(
            self.intermediate,
            hostname,
            new_key(key_kind),
            eku=ExtendedKeyUsageOID.SERVER_AUTH,
            sans=sans,
        )

    # --- helpers -------------------------------------------------------------------------
    @staticmethod
    def _self_signed(common_name: str, key) -> Issued:
        name = _name(common_name)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, _sign_hash(key))
        )
        return Issued(key, cert, [])

    @staticmethod
    def _issue(
        issuer: Issued,
        common_name: str,
        key,
        *,
        is_ca: bool = False,
        eku=None,
        sans=None,
        not_before=None,
        not_after=None,
    ) -> Issued:
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(issuer.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or NOW - dt.timedelta(days=1))
            .not_valid_after(not_after or NOW + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                critical=False,
            )
        )
        if is_ca:
            builder = builder.add_extension(_ca_usage(), critical=True)
        if eku is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = builder.sign(issuer.key, _sign_hash(issuer.key))
        return Issued(key, cert, issuer.full_chain)


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
