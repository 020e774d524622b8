"""A key pair: a private key with its certificate chain, and its form in the vault."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from webapp.pki.certs.describe import describe_public_key
from webapp.pki.certs.pem import pem_blocks
from webapp.pki.certs.readable import READ_FAILURES
from webapp.pki.keyimport.errors import KeyPairError, UnsupportedKeyError
from webapp.pki.keys import PrivateKey, unsupported_key_reason
from webapp.translation import _

__all__ = ["KeyPair", "supported_key"]

_ALIAS_LINE = "mtls-kit-source-alias: "


@dataclass(frozen=True)
class KeyPair:
    """A private key with its certificate chain, leaf first."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    source_alias: str | None = field(default=None)

    def __post_init__(self) -> None:
        if not self.chain or self.chain[0] != self.certificate:
            raise ValueError("chain must start with the key pair's own certificate")

    @property
    def key_description(self) -> str:
        return describe_public_key(self.private_key.public_key())[2]

    def private_key_pkcs8_der(self) -> bytes:
        """Unencrypted PKCS#8 DER, the form a JKS PrivateKeyEntry is built from."""
        return self.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def to_pem_bundle(self) -> str:
        """Key and chain as PEM text, for the encrypted vault only (the key is not encrypted)."""
        key = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # JSON-quoted so any friendly name (even with line breaks) survives the round trip.
        alias = "" if self.source_alias is None else _ALIAS_LINE + json.dumps(self.source_alias)
        certs = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain)
        return "\n".join([alias, (key + certs).decode("ascii")]).lstrip("\n")

    @classmethod
    def from_pem_bundle(cls, text: str) -> KeyPair:
        """Read back what `to_pem_bundle` wrote, keeping the chain order as stored."""
        alias: str | None = None
        try:
            if text.startswith(_ALIAS_LINE):  # read PEM only after it: a name may hold "-----"
                first_line, text = text.split("\n", 1)
                alias = str(json.loads(first_line[len(_ALIAS_LINE) :]))
            blocks = pem_blocks(text.encode("utf-8"))
            # The one place a key is loaded without OpenSSL's check (issue 19): the full RSA
            # check (~30 ms for 2048 bits, seconds for 8192) already ran once when the key
            # came in (webapp.pki.key_checks: every upload, opened store and generated key);
            # this bundle only ever comes back from our own encrypted, authenticated vault
            # record, so the check would prove nothing new. The size rule still applies
            # (supported_key): a record saved before the rule cannot bring a 16k key back.
            key = serialization.load_pem_private_key(
                blocks[0].pem, None, unsafe_skip_rsa_key_validation=True
            )
            chain = tuple(x509.load_pem_x509_certificate(b.pem) for b in blocks[1:])
            return cls(supported_key(key), chain[0], chain, alias)
        except UnsupportedKeyError:
            raise  # a record saved before a rule (issue 19: the size) says which rule
        except READ_FAILURES:
            raise KeyPairError(
                _("The saved key pair could not be read. Please upload the key pair file again.")
            ) from None


def supported_key(key: object) -> PrivateKey:
    """`key` if Java can use it, else UnsupportedKeyError saying what to use instead."""
    reason = unsupported_key_reason(key)  # type: ignore[arg-type]
    if reason is not None and isinstance(key, rsa.RSAPrivateKey):
        raise UnsupportedKeyError(reason)  # the size: the sentence says it all
    if reason is not None:
        kind = describe_public_key(key.public_key())[2]  # type: ignore[attr-defined]
        # Two sentences, each one msgid: the type, then what to use instead.
        refused = _("This key type ({kind}) is not supported.", kind=kind)
        raise UnsupportedKeyError(f"{refused} {reason}")
    return key  # type: ignore[return-value]  # unsupported_key_reason narrowed it
