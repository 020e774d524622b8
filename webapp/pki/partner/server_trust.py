"""Would Java trust the partner's server with this truststore? Path building against anchors.

Java's default trust manager (PKIX) treats EVERY trusted-certificate entry of the truststore
as a trust anchor, intermediates included: a chain is trusted as soon as it reaches a
certificate issued by (or equal to) any truststore entry. Only the truststore's certificates
count, never the JDK's cacerts or certifi: the platform uses the truststore we build.

We build the path ourselves instead of using `cryptography.x509.verification`: that verifier
applies the CA/Browser Forum web profile (it requires key identifiers, EKUs and extensions
Java does not), so it would call partner chains untrusted that Java accepts. The checks here
are the ones Java's PKIX validator makes that partner chains fail in practice: names and
signatures link each certificate to the next, CAs are marked as CAs, and every certificate
below the anchor is within its validity period (the anchor's own dates are not checked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from webapp.pki.certs.chains import SignatureChecks, build_path, by_subject_name
from webapp.pki.certs.names import plain_name
from webapp.translation import _, long_date

__all__ = ["ServerTrust", "check_server_trust"]


@dataclass(frozen=True)
class ServerTrust:
    trusted: bool
    path: tuple[x509.Certificate, ...]  # from the leaf up, as far as it could be built
    anchor: x509.Certificate | None  # the truststore entry that closed the path
    problem: str | None  # plain words (translated): which certificate is missing or out of date


def check_server_trust(
    sent: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate], *, now: dt.datetime
) -> ServerTrust:
    """Judge the chain the server sent against ONLY `anchors` (the truststore's entries)."""
    if not sent:
        return ServerTrust(False, (), None, _("The server sent no certificate."))
    path, anchor = _path_to_anchor(sent, anchors)
    below_anchor = path if anchor is None or anchor is not path[-1] else path[:-1]
    if anchor is None:
        return ServerTrust(False, tuple(path), None, _missing(path[-1]))
    for cert in below_anchor:
        if now > cert.not_valid_after_utc:
            return ServerTrust(
                False,
                tuple(path),
                anchor,
                _(
                    "The server's certificate ‘{name}’ expired on {date}.",
                    name=plain_name(cert.subject),
                    date=long_date(cert.not_valid_after_utc),
                ),
            )
        if now < cert.not_valid_before_utc:
            return ServerTrust(
                False,
                tuple(path),
                anchor,
                _(
                    "The server's certificate ‘{name}’ is not valid until {date}.",
                    name=plain_name(cert.subject),
                    date=long_date(cert.not_valid_before_utc),
                ),
            )
    return ServerTrust(True, tuple(path), anchor, None)


@dataclass(frozen=True)
class _Link:
    cert: x509.Certificate
    entry: bool  # a truststore entry (not one the server sent)


def _path_to_anchor(
    sent: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate]
) -> tuple[list[x509.Certificate], x509.Certificate | None]:
    """The sent certificates from the leaf up, and the truststore entry that closes the path
    (a sent certificate that is an entry, or an entry that issued the last one), else None.

    Truststore entries are tried before sent certificates; of the sent ones, only CAs."""
    anchor_prints = {_print(a) for a in anchors}
    links = [*(_Link(a, True) for a in anchors), *(_Link(c, False) for c in sent[1:])]
    by_subject = by_subject_name(
        (link for link in links if link.entry or _is_ca(link.cert)),
        certificate=lambda link: link.cert,
    )
    checks = SignatureChecks()
    found = build_path(
        _Link(sent[0], False),
        checks=checks,
        certificate=lambda link: link.cert,
        issuers=lambda cert: by_subject.get(cert.issuer, []),
        is_anchor=lambda link: link.entry or _print(link.cert) in anchor_prints,
        prefer=lambda link: not link.entry,
    )
    last = found.links[-1]
    path = [link.cert for link in found.links if not link.entry]
    if last.entry or _print(last.cert) in anchor_prints:
        return path, last.cert
    if found.anchored:  # a self-signed certificate the server sent: an entry may sign it too
        for link in by_subject.get(last.cert.issuer, []):
            if link.entry and checks.issued_by(last.cert, link.cert):
                return path, link.cert
    return path, None


def _missing(last: x509.Certificate) -> str:
    if last.issuer == last.subject:
        return _(
            "The truststore lacks the root ‘{name}’ that the partner's server sent.",
            name=plain_name(last.subject),
        )
    return _(
        "The truststore lacks the certificate ‘{issuer}’ that issued ‘{name}’.",
        issuer=plain_name(last.issuer),
        name=plain_name(last.subject),
    )


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False


def _print(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())
