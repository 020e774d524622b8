"""Renew the key entry of an opened keystore: a new key pair, or the CA's signed reply.

A CA reply is imported the way `keytool -importcert` imports one into an existing key entry
(sun.security.tools.keytool.Main.installReply): the reply's leaf must carry the stored key's
public key, and the chain is completed from the reply, the old chain and the trusted roots
until it ends in a self-signed root, because Java sends exactly the chain it holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509

from webapp.pki.certs.chains import (
    build_path,
    by_subject_name,
    dedupe,
    is_self_signed,
    valid_now,
)
from webapp.pki.certs.parse import parse_certificates
from webapp.pki.java.opened import OpenedEntry
from webapp.pki.java.rules import StoreError
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.keys import PrivateKey, spki_der, unsupported_key_reason
from webapp.pki.partner.roots import RootStore
from webapp.translation import _

__all__ = [
    "CaReplyError",
    "ChainNotCompleteError",
    "ReplyKeyMismatchError",
    "apply_ca_reply",
]


class CaReplyError(StoreError):
    """The CA's reply cannot be put into the keystore; str() is a sentence for the user."""


class ReplyKeyMismatchError(CaReplyError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "This certificate belongs to another key, not to the key in this keystore. "
                "Use the certificate the CA issued for the certificate request made from this "
                "keystore."
            )
        )


class ChainNotCompleteError(CaReplyError):
    """No path from the reply's certificate to a self-signed root could be found."""

    def __init__(self, missing_issuer: str) -> None:
        self.missing_issuer = missing_issuer
        super().__init__(
            _(
                "The certificate chain cannot be completed: the certificate of its issuer "
                "“{issuer}” is missing. Ask the CA for the full chain (for example a "
                ".p7b file) and upload that.",
                issuer=missing_issuer,
            )
        )


def apply_ca_reply(
    entry: OpenedEntry,
    reply: bytes | Sequence[bytes],
    *,
    roots: RootStore | None = None,
    extra_roots: Sequence[x509.Certificate] = (),
    partial: bool = False,
) -> KeyPair:
    """The key entry's key with the CA's reply as its chain, leaf first, ending at a root.

    `reply`: the signed certificate alone or with its chain (PEM, DER or PKCS#7), or several
    such files (issue 20: the CA sends the chain as separate files). Raises
    CertificateParseError (unreadable file), ReplyKeyMismatchError, ChainNotCompleteError;
    with `partial`, a chain that cannot reach a root is kept as far as it goes (the page
    then offers to send the certificate alone, issue 20) instead of ChainNotCompleteError.
    """
    if entry.private_key is None:
        raise CaReplyError(_("This entry holds no private key; choose the keystore's key entry."))
    files = [reply] if isinstance(reply, bytes) else list(reply)
    # CertificateParseError says what is wrong with the file.
    certs = [cert for data in files for cert in parse_certificates(data)]
    key_id = spki_der(entry.private_key.public_key())
    leaves = [c for c in certs if spki_der(c.public_key()) == key_id]
    if not leaves:
        raise ReplyKeyMismatchError()
    leaf = max(leaves, key=lambda c: c.not_valid_after_utc)  # renewed twice: the newest
    _check_key(entry.private_key)
    if leaf == entry.certificate and len(certs) == 1 and is_self_signed(leaf):
        raise CaReplyError(
            _(
                "This is the keystore's own placeholder certificate, not the CA's "
                "reply. Upload the certificate the CA sent back."
            )
        )
    known = dedupe([*certs, *entry.chain[1:], *extra_roots])
    chain = _chain_to_root(leaf, [c for c in known if c != leaf], roots, partial=partial)
    return KeyPair(entry.private_key, leaf, tuple(chain), entry.alias.lower())


def _check_key(private_key: PrivateKey) -> None:
    """The key rule for the key kept (issue 19), without OpenSSL's check run again.

    Every key reaching here was checked once when it came in (webapp.pki.key_checks: opened
    store, upload or generated) and kept in the encrypted vault since; a second RSA check cost
    seconds for large keys. A vault record written before the size rule is refused here.
    """
    reason = unsupported_key_reason(private_key)
    if reason is not None:
        raise CaReplyError(
            # {reason}: the key rule's own sentence (webapp.pki.keys), already translated.
            _("The key in this keystore cannot be renewed. {reason}", reason=reason)
        )


def _chain_to_root(
    leaf: x509.Certificate,
    known: list[x509.Certificate],
    roots: RootStore | None,
    *,
    partial: bool = False,
) -> list[x509.Certificate]:
    """`leaf` up to a self-signed root, from `known` (the reply, the old chain, the extra
    roots; valid ones first) and then the root store's roots (keytool's -trustcacerts)."""
    by_subject = by_subject_name(known, certificate=lambda cert: cert)
    path = build_path(
        leaf,
        certificate=lambda cert: cert,
        issuers=lambda cert: [*by_subject.get(cert.issuer, []), *_roots_for(cert, roots)],
        prefer=lambda cert: (cert not in known, not valid_now(cert)),
    )
    if not path.anchored and not partial:
        last = path.links[-1]
        raise ChainNotCompleteError(last.issuer.rfc4514_string() or _("unnamed issuer"))
    return list(path.links)


def _roots_for(cert: x509.Certificate, roots: RootStore | None) -> list[x509.Certificate]:
    if roots is None:
        return []
    # Only roots: the store's certificates close a chain, they do not lengthen it.
    return [
        trusted.certificate
        for trusted in roots.with_subject(cert.issuer)
        if is_self_signed(trusted.certificate)
    ]
