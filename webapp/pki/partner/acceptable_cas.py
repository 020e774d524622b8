"""Which client certificate Java sends: the server's list of acceptable certificate authorities.

In its CertificateRequest a server may name the certificate authorities whose certificates it
accepts (TLS 1.2 `certificate_authorities` field, TLS 1.3 extension of the same name). OpenSSL
ignores the list and sends its configured certificate anyway; Java does not.

What the JDK does (read in sun.security.ssl of JDK 17 and 25, the two JDKs installed here):

- SunX509 (`SunX509KeyManagerImpl`, the default `ssl.KeyManagerFactory.algorithm` in both
  java.security files): `getAliases` keeps a key entry when the list is empty ("no issuer
  specified, match all") or when the set of ISSUER names of every certificate in the entry's
  chain (`X509Credentials.issuerX500Principals`: `getIssuerX500Principal()` of each chain
  certificate, leaf to root) contains one of the listed names. Subjects are not consulted,
  so listing the name of our own intermediate CA only matches because the intermediate's
  issuer or the leaf's issuer is that name; a self-signed root in the chain matches its own name
  since its issuer is its subject.
- PKIX / NewSunX509 (`X509KeyManagerImpl.getAliases`): the same rule, the chain's issuer
  names against the list (`issuerSet.contains(xcert.getIssuerX500Principal())`); it then also
  ranks entries by validity and extensions but still offers imperfect ones.
- With no matching alias the client answers with an empty Certificate message.

Names are compared as X500Principal.equals does: canonical RFC 2253 form, so attribute values
compare case-insensitively with runs of white space folded, RDN by RDN, in order.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509

__all__ = ["java_would_send", "matching_issuer"]

_CanonicalName = tuple[frozenset[tuple[str, str]], ...]


def java_would_send(chain: Sequence[x509.Certificate], acceptable: Sequence[x509.Name]) -> bool:
    """Would a Java client (SunX509 or PKIX key manager) send this chain's certificate?"""
    return not acceptable or matching_issuer(chain, acceptable) is not None


def matching_issuer(
    chain: Sequence[x509.Certificate], acceptable: Sequence[x509.Name]
) -> x509.Name | None:
    """The first issuer name of the chain that the server's list contains, if any."""
    wanted = {_canonical(name) for name in acceptable}
    for cert in chain:
        if _canonical(cert.issuer) in wanted:
            return cert.issuer
    return None


def _canonical(name: x509.Name) -> _CanonicalName:
    return tuple(
        frozenset((attr.oid.dotted_string, _fold(attr.value)) for attr in rdn) for rdn in name.rdns
    )


def _fold(value: str | bytes) -> str:
    if isinstance(value, bytes):
        return value.hex()
    return " ".join(value.casefold().split())
