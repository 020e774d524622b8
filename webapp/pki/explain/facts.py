"""What the files of this session say about an explained error: cheap, from saved values only.

No connection is made here: "fetch again" is the user's step. Each sentence is computed from
the certificates the session already holds (the keystore's chain, the truststore's entries,
what the partner's server sent at the last fetch) and the destination address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from webapp.pki.certs.names import plain_name
from webapp.pki.explain import rules as r
from webapp.pki.partner import outcomes as o
from webapp.pki.partner.hostnames import hostname_matches
from webapp.translation import _, long_date, ngettext

__all__ = ["SavedFiles", "what_the_files_show"]


@dataclass(frozen=True)
class SavedFiles:
    own_chain: tuple[x509.Certificate, ...] = ()  # the keystore's chain, leaf first
    trusted: tuple[x509.Certificate, ...] = ()  # the truststore's certificates
    partner_chain: tuple[x509.Certificate, ...] = ()  # what the server sent, leaf first
    destination_host: str = ""
    keystore_type: str = ""  # "JKS" or "PKCS12"

    @property
    def empty(self) -> bool:
        return not (self.own_chain or self.trusted or self.partner_chain)


def what_the_files_show(
    cause: str, files: SavedFiles, *, now: dt.datetime | None = None
) -> list[str]:
    """Plain sentences about `cause` from the session's files; [] when they say nothing."""
    when = now or dt.datetime.now(dt.UTC)
    if cause == o.SERVER_NOT_TRUSTED:
        return _trust(files)
    if cause == r.EXPIRED:
        return _dates(files, when)
    if cause == o.HOSTNAME_MISMATCH:
        return _names(files)
    if cause in (o.REJECTED, o.ISSUER_NOT_ACCEPTED) and files.own_chain:
        leaf = files.own_chain[0]
        said = [
            _(
                "Your certificate was issued by ‘{issuer}’: the partner must trust that authority.",
                issuer=plain_name(leaf.issuer),
            )
        ]
        if leaf.not_valid_after_utc < when:
            said.append(
                _(
                    "Your certificate expired on {date}; renew it first.",
                    date=long_date(leaf.not_valid_after_utc),
                )
            )
        return said
    if cause in (r.WRONG_STORE_PASSWORD, r.KEY_PASSWORD_MISMATCH) and files.own_chain:
        return [
            _(
                "The stores made here use one password for the store and for the key: give "
                "the platform exactly the passwords shown in the destination settings."
            )
        ]
    if cause in (o.UNREACHABLE, r.TIMEOUT) and files.destination_host:
        return [
            _(
                "Your settings here send the platform to {host}: check that the platform uses "
                "this address, and that its network may reach it.",
                host=files.destination_host,
            )
        ]
    if cause == r.NOT_A_KEYSTORE and files.keystore_type:
        return [
            _(
                "Your keystore from this session is a {type} file: set the platform's keystore "
                "type to {type}.",
                type=files.keystore_type,
            )
        ]
    return []


def _trust(files: SavedFiles) -> list[str]:
    if not files.trusted:
        return []
    if not files.partner_chain:
        count = len(files.trusted)
        return [
            ngettext(  # English keeps its "certificate(s)"; the catalogues say it properly
                "Your truststore holds {n} certificate(s); fetch the partner's chain in the "
                "truststore step to compare.",
                "Your truststore holds {n} certificate(s); fetch the partner's chain in the "
                "truststore step to compare.",
                count,
            )
        ]
    leaf = files.partner_chain[0]
    if leaf in files.trusted:
        return [
            _(
                "Your truststore holds the partner's server certificate itself, as last "
                "fetched here. The partner may have changed its certificate since: fetch again "
                "and compare."
            )
        ]
    issuers = [c for c in files.trusted if c.subject == leaf.issuer]
    if not issuers:
        return [
            _(
                "Your truststore does not contain the certificate that issued the partner's "
                "current server certificate (‘{issuer}’); fetch again.",
                issuer=plain_name(leaf.issuer),
            )
        ]
    return [
        _(
            "Your truststore holds ‘{name}’, which issued the partner's server certificate "
            "when it was last fetched here. The partner may have changed its certificate "
            "since: fetch again and compare.",
            name=plain_name(issuers[0].subject),
        )
    ]


def _dates(files: SavedFiles, when: dt.datetime) -> list[str]:
    said = []
    if files.own_chain:
        leaf = files.own_chain[0]
        end = leaf.not_valid_after_utc
        if end < when:
            said.append(_("Your certificate expired on {date}.", date=long_date(end)))
        else:
            said.append(_("Your certificate is valid until {date}.", date=long_date(end)))
    said += [
        _(
            "In your truststore, ‘{name}’ expired on {date}.",
            name=plain_name(c.subject),
            date=long_date(c.not_valid_after_utc),
        )
        for c in _expired(files.trusted, when)
    ]
    said += [
        _(
            "The partner's server sent ‘{name}’, which expired on {date}.",
            name=plain_name(c.subject),
            date=long_date(c.not_valid_after_utc),
        )
        for c in _expired(files.partner_chain, when)
    ]
    return said


def _expired(certs: Sequence[x509.Certificate], when: dt.datetime) -> list[x509.Certificate]:
    return [c for c in certs if c.not_valid_after_utc < when]


def _names(files: SavedFiles) -> list[str]:
    if not (files.partner_chain and files.destination_host):
        return []
    leaf, host = files.partner_chain[0], files.destination_host
    if hostname_matches(leaf, host):
        return [
            _(
                "The partner's certificate as last fetched here does name {host}: check the "
                "address in the platform's settings.",
                host=host,
            )
        ]
    return [_("The partner's certificate as last fetched here does not name {host}.", host=host)]
