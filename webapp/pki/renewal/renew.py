"""Renew: last year's files and a new key pair in, the new files and their proof out.

One call does what the procedure asks a year later: the new key pair goes into a keystore of
the same alias, password, file name and format (its chain completed as at import); the
partner's chain is fetched again and the truststore updated; the connection is tested with
the new files; and the zip is built by the same builder as "Download all", so destination.json
keeps last year's passwords, file names and URL.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from webapp.pki.java.file_names import FileNameError, check_distinct
from webapp.pki.java.stores import build_keystore, build_truststore
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner.client_chain import complete_client_chain
from webapp.pki.partner.collect import collect_partner_chain
from webapp.pki.partner.connect import DEFAULT_CONNECT_TIMEOUT
from webapp.pki.partner.connection_test import test_connection
from webapp.pki.partner.fetch import DEFAULT_HANDSHAKE_TIMEOUT
from webapp.pki.partner.outbound import OutboundPolicy
from webapp.pki.partner.roots import load_root_store
from webapp.pki.renewal.errors import LastYearError, LastYearFilesError, NotRenewedError
from webapp.pki.renewal.last_year import LastYear
from webapp.pki.renewal.result import Renewal, day, renewal_bundle
from webapp.pki.renewal.trust import TrustUpdate, update_truststore
from webapp.translation import _

__all__ = ["Network", "renew"]

File = tuple[str, bytes]


@dataclass(frozen=True)
class Network:
    """Where and how long the renewal may connect: the fetch's and the test's settings."""

    policy: OutboundPolicy
    extra_roots: Sequence[str | os.PathLike[str]] = ()  # the operator's FLASK_EXTRA_ROOTS
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT


def renew(
    last: LastYear,
    new: KeyPair,
    *,
    network: Network,
    url: str | None = None,
    now: dt.datetime | None = None,
) -> Renewal:
    """The renewed files for `last` with the key pair `new`, tested against the partner.

    `url`: only when last year's files hold none (field "url"). Raises LastYearError
    (NotRenewedError when `new` is last year's certificate or no newer) and FetchError when
    the partner's server cannot be reached for its chain; the connection test's outcome,
    whatever it is, is in the result.
    """
    target = _target(last, url)
    _check_renewed(last, new)
    pair, added = _complete_chain(new, last, network)
    partner = collect_partner_chain(
        target,
        policy=network.policy,
        extra_roots=network.extra_roots,
        connect_timeout=network.connect_timeout,
        handshake_timeout=network.handshake_timeout,
    )
    trust = update_truststore(
        last.truststore.opened,
        partner=[item.certificate for item in partner.certificates],
        old_own=last.own_chain,
        new_own=pair.chain,
        now=now,
    )
    keystore, truststore = _build_stores(last, pair, trust)
    tested = test_connection(
        target,
        key_pair=pair,
        trust_anchors=[cert for _alias, cert in trust.kept_entries],
        policy=network.policy,
        connect_timeout=network.connect_timeout,
        handshake_timeout=network.handshake_timeout,
    )
    renewal = Renewal(
        last_year=last,
        key_pair=pair,
        keystore=keystore,
        truststore=truststore,
        destination=replace(last.destination, url=target),
        trust=trust,
        partner_warnings=partner.warnings,
        chain_added=added,
        connection=tested,
    )
    try:
        return replace(renewal, bundle=renewal_bundle(renewal))
    except FileNameError as error:  # two members of one name: the platform has one file
        raise LastYearFilesError(str(error)) from None


def _target(last: LastYear, url: str | None) -> str:
    """The partner's URL (last year's unless given), once the two names are known apart."""
    try:
        check_distinct(last.keystore.file_name, last.truststore.file_name)
    except FileNameError as error:
        raise LastYearFilesError(
            _("{file}: {error}", file="destination.json", error=error)
        ) from None
    target = (url or last.destination.url).strip()
    if not target:
        raise LastYearError(
            _("Enter the partner's URL: last year's files do not say where to connect."),
            field="url",
        )
    return target


def _build_stores(last: LastYear, pair: KeyPair, trust: TrustUpdate) -> tuple[File, File]:
    """Both stores under last year's names, formats and passwords; the key under its alias."""
    keystore = build_keystore(
        alias=last.alias,
        private_key=pair.private_key,
        chain=pair.chain,
        password=last.keystore.password,
        format=last.keystore.format,
    )
    truststore = build_truststore(
        entries=trust.kept_entries,
        password=last.truststore.password,
        format=last.truststore.format,
    )
    return (last.keystore.file_name, keystore), (last.truststore.file_name, truststore)


def _check_renewed(last: LastYear, new: KeyPair) -> None:
    """Until the key is renewed the keystore is not ready: refuse last year's certificate."""
    old = last.own_chain[0]
    if _print(new.certificate) == _print(old):
        raise NotRenewedError(
            _(
                "This key pair file holds last year's certificate. Choose the file with your "
                "new certificate."
            )
        )
    if new.certificate.not_valid_after_utc <= old.not_valid_after_utc:
        raise NotRenewedError(
            _(
                "This certificate is valid until {new}, no later than last year's ({old}). "
                "Choose the file with your new certificate.",
                new=day(new.certificate.not_valid_after_utc),
                old=day(old.not_valid_after_utc),
            )
        )


def _complete_chain(
    new: KeyPair, last: LastYear, network: Network
) -> tuple[KeyPair, tuple[x509.Certificate, ...]]:
    """The chain completed as at import; last year's chain and truststore lend the issuers
    (a renewed certificate usually comes from the same CA). Incomplete: kept as given."""
    known = [*last.own_chain[1:], *(e.certificate for e in last.truststore.opened.trusted_entries)]
    try:
        roots = load_root_store(network.extra_roots)
    except ValueError:  # a broken FLASK_EXTRA_ROOTS: complete from the files alone
        roots = load_root_store(())
    report = complete_client_chain(new, roots=roots, policy=network.policy, chain_files=known)
    if len(report.links) <= len(new.chain) and not report.complete:
        return new, ()
    completed = report.completed_key_pair(new)
    given = {_print(c) for c in new.chain}
    return completed, tuple(c for c in completed.chain if _print(c) not in given)


def _print(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())
