"""Collect a partner's certificate chain: fetch it from their server, complete it, explain it.

The truststore step calls `collect_partner_chain` with what the user typed and gets back
plain values: the certificates to offer (each with where it came from) and the warnings to
show, in the words of the page.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from webapp.pki.partner.completion import (
    SOURCE_ROOT_STORE,
    SOURCE_SERVER,
    ChainEntry,
    ChainReport,
    complete_chain,
)
from webapp.pki.partner.fetch import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_HANDSHAKE_TIMEOUT,
    fetch_chain,
)
from webapp.pki.partner.outbound import OutboundPolicy
from webapp.pki.partner.roots import OPERATOR_ROOTS, load_root_store
from webapp.pki.partner.targets import parse_target
from webapp.translation import _

__all__ = [
    "SOURCE_EXTRA_ROOTS",
    "SOURCE_ROOT_STORE",
    "SOURCE_SERVER",
    "CollectedCertificate",
    "PartnerChain",
    "chain_warnings",
    "collect_partner_chain",
]

# The operator's roots (FLASK_EXTRA_ROOTS), named apart from the public root store.
SOURCE_EXTRA_ROOTS = "extra roots"


@dataclass(frozen=True)
class CollectedCertificate:
    certificate: x509.Certificate
    source: str  # SOURCE_SERVER, SOURCE_ROOT_STORE or SOURCE_EXTRA_ROOTS


@dataclass(frozen=True)
class PartnerChain:
    """What the partner's server sent, completed, with the problems a person should know."""

    url: str  # as typed when it was an https:// URL (the platform posts there), else normalised
    host: str
    port: int
    address: str
    sent: int
    certificates: tuple[CollectedCertificate, ...]  # chain order, then extras
    warnings: tuple[str, ...]


def collect_partner_chain(
    raw_url: str,
    *,
    policy: OutboundPolicy,
    extra_roots: Sequence[str | os.PathLike[str]] = (),
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
) -> PartnerChain:
    """Parse `raw_url`, fetch the server's chain behind `policy`, complete it from the roots.

    Raises FetchError (str() is a sentence for the user) when the server cannot be checked.
    """
    target = parse_target(raw_url)
    fetched = fetch_chain(
        target, policy=policy, connect_timeout=connect_timeout, handshake_timeout=handshake_timeout
    )
    report = complete_chain(fetched.certificates, roots=load_root_store(extra_roots))
    entries = [*report.entries, *report.extra_certificates]
    typed = raw_url.strip()
    return PartnerChain(
        url=typed if typed.lower().startswith("https://") else target.url,
        host=target.host,
        port=target.port,
        address="" if fetched.address is None else str(fetched.address),
        sent=len(fetched.certificates),
        certificates=tuple(CollectedCertificate(e.certificate, _source(e)) for e in entries),
        warnings=tuple(chain_warnings(report, fetched.hostname_matches, target.host)),
    )


def _source(entry: ChainEntry) -> str:
    if entry.source == SOURCE_SERVER or entry.sent_position is not None:
        return SOURCE_SERVER
    # The operator's own roots are named apart from certifi's: the user should know that a
    # root came from their organisation's configuration, not the public root store.
    return SOURCE_EXTRA_ROOTS if entry.store == OPERATOR_ROOTS else SOURCE_ROOT_STORE


def chain_warnings(report: ChainReport, hostname_matches: bool, host: str) -> list[str]:
    """What the user should know about the partner's chain, in plain words."""
    warnings = []
    if not hostname_matches:
        warnings.append(
            _(
                "The server's certificate is not issued for “{host}”. "
                "Check the address with the partner.",
                host=host,
            )
        )
    if report.self_signed_leaf:
        warnings.append(
            _(
                "The server uses a self-signed certificate: it is trusted only because you "
                "add it here."
            )
        )
    if report.any_expired:
        warnings.append(
            _(
                "A certificate in the server's chain has expired: connections will fail "
                "until the partner renews it."
            )
        )
    if report.any_not_yet_valid:
        warnings.append(_("A certificate in the server's chain is not valid yet."))
    if report.incomplete:
        warnings.append(
            _(
                "We could not find the root certificate of this chain. Ask the partner "
                "for their root and intermediate certificates and upload them below."
            )
        )
    if report.out_of_order:
        warnings.append(
            _(
                "The server sends its certificates out of order. Most clients cope, "
                "but tell the partner."
            )
        )
    if report.extra_certificates:
        warnings.append(
            _(
                "The server also sent certificates that are not part of its chain; "
                "they are listed but you may leave them out."
            )
        )
    return warnings
