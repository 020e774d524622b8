"""Complete the user's own chain: a key pair imported without its intermediate certificates.

A PEM key with only its certificate, or a .p12 holding only the leaf, makes a keystore whose
entry Java sends without the intermediate; most servers then refuse it ("bad certificate",
"unknown CA"). We complete it the way the partner's chain is completed, looking for each
missing issuer in turn in:

1. the certificates the user gave us (the key pair file, plus any "Chain files"),
2. the root stores: the operator's extra roots and the Mozilla roots (roots.py),
3. the CA Issuers URL in the certificate itself (aia.py; http only, behind the policy).

Issuers are matched by name AND signature. Each certificate's origin is reported, and when
the chain cannot be completed the report says which certificate is missing, in plain words.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cryptography import x509

from webapp.pki.certs.chains import MAX_CHAIN_LENGTH, SignatureChecks, build_path, is_issued_by
from webapp.pki.certs.names import plain_name
from webapp.pki.certs.parse import CertificateParseError, parse_certificates
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner.aia import ca_issuer_urls, download_issuer
from webapp.pki.partner.outbound import OutboundPolicy
from webapp.pki.partner.roots import OPERATOR_ROOTS, RootStore
from webapp.pki.partner.targets import FetchError
from webapp.translation import _

__all__ = [
    "FROM_CA_DOWNLOAD",
    "FROM_EXTRA_ROOTS",
    "FROM_FILE",
    "FROM_ROOT_STORE",
    "ClientChainLink",
    "ClientChainReport",
    "complete_client_chain",
]

FROM_FILE = "file"
FROM_ROOT_STORE = "root store"
FROM_EXTRA_ROOTS = "extra roots"
FROM_CA_DOWNLOAD = "downloaded from the CA"

MAX_DOWNLOADS = 3  # a chain deeper than leaf + 3 intermediates is not worth the wait

IssuerFetcher = Callable[[str], bytes]


@dataclass(frozen=True)
class ClientChainLink:
    certificate: x509.Certificate
    source: str  # FROM_FILE, FROM_ROOT_STORE, FROM_EXTRA_ROOTS or FROM_CA_DOWNLOAD
    url: str | None = None  # where it was downloaded from, for FROM_CA_DOWNLOAD

    @property
    def name(self) -> str:
        return plain_name(self.certificate.subject)


@dataclass(frozen=True)
class ClientChainReport:
    links: tuple[ClientChainLink, ...]  # the leaf first, then each issuer in turn
    complete: bool  # ends at a self-signed root
    problem: str | None  # why it could not be completed, in plain words
    download_errors: tuple[str, ...] = ()  # for the server log only: may name refused addresses

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return tuple(link.certificate for link in self.links)

    def completed_key_pair(self, key_pair: KeyPair) -> KeyPair:
        """`key_pair` with the completed chain (the same key and leaf)."""
        return KeyPair(
            key_pair.private_key, key_pair.certificate, self.chain, key_pair.source_alias
        )


def complete_client_chain(
    key_pair: KeyPair,
    *,
    roots: RootStore,
    policy: OutboundPolicy,
    chain_files: Sequence[x509.Certificate] = (),
    fetch_issuer: IssuerFetcher | None = None,
) -> ClientChainReport:
    """Complete `key_pair`'s chain up to a root; see the module docstring for the order."""
    search = _IssuerSearch(
        given=[*key_pair.chain[1:], *chain_files],
        roots=roots,
        fetch=fetch_issuer or functools.partial(download_issuer, policy=policy),
    )
    path = build_path(
        ClientChainLink(key_pair.certificate, FROM_FILE),
        certificate=lambda link: link.certificate,
        issuers=search.issuers,
        checks=search.checks,
        prefer=lambda link: _SOURCE_ORDER[link.source],
    )
    links, errors = path.links, tuple(search.errors)
    if path.anchored:
        return ClientChainReport(links, True, None, errors)
    if len(links) >= MAX_CHAIN_LENGTH:
        return ClientChainReport(
            links, False, _("The certificate chain is too long to complete."), errors
        )
    return ClientChainReport(links, False, _missing(links[-1].certificate, search.errors), errors)


# Where an issuer is looked for first: the user's files, the root stores, then downloads.
_SOURCE_ORDER = {FROM_FILE: 0, FROM_EXTRA_ROOTS: 1, FROM_ROOT_STORE: 1, FROM_CA_DOWNLOAD: 2}


@dataclass
class _IssuerSearch:
    """The issuers of a certificate, for build_path: the user's files and the root stores,
    and only when none of those signed it, the CA Issuers download (at most MAX_DOWNLOADS)."""

    given: list[x509.Certificate]
    roots: RootStore
    fetch: IssuerFetcher
    checks: SignatureChecks = field(default_factory=SignatureChecks)
    downloaded: list[x509.Certificate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    downloads: int = 0

    def issuers(self, cert: x509.Certificate) -> list[ClientChainLink]:
        found = [
            *(ClientChainLink(c, FROM_FILE) for c in self.given if c.subject == cert.issuer),
            *(
                ClientChainLink(
                    trusted.certificate,
                    FROM_EXTRA_ROOTS if trusted.store == OPERATOR_ROOTS else FROM_ROOT_STORE,
                )
                for trusted in self.roots.with_subject(cert.issuer)
            ),
            *(
                ClientChainLink(c, FROM_CA_DOWNLOAD)
                for c in self.downloaded
                if c.subject == cert.issuer
            ),
        ]
        if any(self.checks.issued_by(cert, link.certificate) for link in found):
            return found
        if self.downloads >= MAX_DOWNLOADS:
            return []
        self.downloads += 1
        downloaded = _from_download(cert, self.fetch, self.errors, self.downloaded)
        return [downloaded] if downloaded is not None else []


def _from_download(
    cert: x509.Certificate,
    fetch: IssuerFetcher,
    errors: list[str],
    downloaded: list[x509.Certificate],
) -> ClientChainLink | None:
    """The issuer from the certificate's CA Issuers URLs; other certificates in a PKCS#7
    answer (often the root) join `downloaded` so the next step can use them."""
    for url in ca_issuer_urls(cert):
        try:
            candidates = parse_certificates(fetch(url))
        except (FetchError, CertificateParseError) as exc:
            errors.append(f"{url}: {getattr(exc, 'detail', '') or exc}")
            continue
        issuer = next((c for c in candidates if is_issued_by(cert, c)), None)
        if issuer is not None:
            downloaded.extend(c for c in candidates if c != issuer)
            return ClientChainLink(issuer, FROM_CA_DOWNLOAD, url)
        errors.append(f"{url}: no certificate there issued {cert.subject.rfc4514_string()}")
    return None


def _missing(cert: x509.Certificate, errors: list[str]) -> str:
    """The missing issuer named by its subject. Not "intermediate": we have never seen that
    certificate, so we cannot know whether it is one or a root (issue 20)."""
    names = {"issuer": plain_name(cert.issuer), "subject": plain_name(cert.subject)}
    if errors:
        return _(
            "We could not find the certificate of ‘{issuer}’, which issued ‘{subject}’: it is "
            "not in your file, your Chain files, your organisation's roots or the root store, "
            "and we tried to download it from the address in your certificate. If you have "
            "it, add it under Chain files.",
            **names,
        )
    return _(
        "We could not find the certificate of ‘{issuer}’, which issued ‘{subject}’: it is not "
        "in your file, your Chain files, your organisation's roots or the root store. If you "
        "have it, add it under Chain files.",
        **names,
    )
