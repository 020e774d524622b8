"""Complete the user's own chain when a key pair is imported (issue 11).

A PEM key with only its certificate, or a .p12 holding only the leaf, would make a keystore
whose entry Java sends without the intermediate: most partners refuse it. At import time
(and when the user adds "Chain files") we look for the missing issuers the engine's way
(webapp.pki.partner.complete_client_chain: the files, the operator's extra roots, the root
store, then the CA Issuers address through the outbound policy) and save the result with
where each certificate came from. When the issuer stays missing, the candidate keeps the plain
reason (`chain_problem`) and the keystore is ready only once the user chose "Create it with my
certificate alone" (issue 20: Java then sends the certificate alone, which works when the
partner already trusts its issuer); a choice, never a dead end.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ..pki.certs import certificate_pem, is_self_signed
from ..pki.keyimport import KeyPair
from ..pki.partner import (
    FROM_FILE,
    ClientChainReport,
    complete_client_chain,
)
from ..state import KeyPairCandidate
from ..web.outbound import outbound_policy, root_store

__all__ = ["CHAIN_FILES", "candidate_of", "completed_candidate"]

CHAIN_FILES = "Chain files"  # the source label of certificates the user added under that name
log = logging.getLogger(__name__)


def completed_candidate(
    pair: KeyPair, *, chain_files: Sequence[x509.Certificate] = ()
) -> KeyPairCandidate:
    """The candidate to save for `pair`: its chain completed as far as we can, with the
    source of each certificate, and the plain reason when the chain stays incomplete."""
    report = _complete(pair, chain_files)
    if report is None:  # the root stores could not be read: keep the file as it was
        return _candidate(pair, ["file"] * len(pair.chain), "")
    links = list(report.links)
    # A root the user's file did not hold is not sent by Java anyway (the partner has it);
    # keeping the chain as the file gave it leaves keystores of complete files unchanged.
    if len(links) > 1 and is_self_signed(links[-1].certificate) and links[-1].source != FROM_FILE:
        links.pop()
    own = {c.fingerprint(hashes.SHA256()) for c in pair.chain}
    sources = [
        CHAIN_FILES
        if link.source == FROM_FILE and link.certificate.fingerprint(hashes.SHA256()) not in own
        else link.source
        for link in links
    ]
    completed = KeyPair(
        pair.private_key,
        pair.certificate,
        tuple(link.certificate for link in links),
        pair.source_alias,
    )
    # Only a leaf with nothing above it is a problem: a file with its intermediate but not
    # the root works (servers hold their own roots), even when we cannot find that root.
    lonely = len(links) == 1 and not is_self_signed(pair.certificate)
    problem = (report.problem or "") if lonely and not report.complete else ""
    return _candidate(completed, sources, problem)


def candidate_of(pair: KeyPair) -> KeyPairCandidate:
    """The candidate to save for `pair` as it is, its chain not completed: a key made here
    (its certificate a placeholder until the CA answers) or one renewed from last year's
    files, whose chain came with them."""
    return KeyPairCandidate(
        bundle=pair.to_pem_bundle(),
        chain=[certificate_pem(c) for c in pair.chain],
        source_alias=pair.source_alias,
    )


def _candidate(pair: KeyPair, sources: list[str], problem: str) -> KeyPairCandidate:
    return KeyPairCandidate(
        bundle=pair.to_pem_bundle(),
        chain=[certificate_pem(c) for c in pair.chain],
        source_alias=pair.source_alias,
        chain_sources=sources,
        chain_problem=problem,
    )


def _complete(pair: KeyPair, chain_files: Sequence[x509.Certificate]) -> ClientChainReport | None:
    try:
        roots = root_store()
    except ValueError as exc:  # a broken EXTRA_ROOTS: the operator's problem, not the user's
        log.warning("chain completion skipped: %s", exc)
        return None
    report = complete_client_chain(
        pair, roots=roots, policy=outbound_policy(), chain_files=chain_files
    )
    for error in report.download_errors:  # may name refused addresses: the log only
        log.info("issuer download failed: %s", error)
    return report
