"""The words of the connection-test result panel: a headline, a next step, the technical detail.

Kept apart from the logic so the sentences can be read (and reviewed) in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509

from webapp.pki.certs.names import plain_name
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner import outcomes as o
from webapp.pki.partner.handshake import Attempt
from webapp.pki.partner.http_answer import HttpAnswer
from webapp.pki.partner.outbound import COULD_NOT_CONNECT
from webapp.pki.partner.targets import FetchError
from webapp.translation import N_, _, long_date

__all__ = [
    "NO_CONNECTION_DETAIL",
    "SERVER_CHANGED",
    "SENT_REQUEST",
    "Words",
    "describe",
    "unreachable_words",
]

# Module-level texts are marked N_ and translated with _() where a result is made (in the
# user's request; English outside one, as for the command line).
NO_CONNECTION_DETAIL = N_("No TCP connection was made to this address and port.")
SERVER_CHANGED = N_("The partner's server changed its certificate between two connections.")
SENT_REQUEST = N_("one empty HEAD request; no message is delivered")


@dataclass(frozen=True)
class Words:
    headline: str
    next_step: str
    detail: str


def unreachable_words(exc: FetchError) -> tuple[str, str, str]:
    """The fetch's own sentence, and a detail that never says why: a refused address and a
    closed port must read the same on the page (no port-scan oracle, see outbound.py)."""
    if exc.english == COULD_NOT_CONNECT:
        detail = _(NO_CONNECTION_DETAIL)
    else:
        detail = type(exc).__name__
    return str(exc), _("Check the address and port, then test again."), detail


def describe(
    outcome: str,
    *,
    attempt: Attempt,
    alert: tuple[str, str, str] | None,
    missing: str | None,
    host: str | None,
    key_pair: KeyPair,
    when: dt.datetime,
    server_outcome: str,
    answer: HttpAnswer | None = None,
) -> Words:
    """Headline, next step and detail for `outcome` (server_outcome: before the expiry rule)."""
    cert = key_pair.certificate
    words = (
        _server_words(outcome, attempt, missing, host)
        or _certificate_words(outcome, attempt, cert, when, answer)
        or _refusal_words(outcome, alert, answer)
    )
    return Words(*words, _detail(attempt, key_pair, server_outcome, answer))


def _server_words(
    outcome: str, attempt: Attempt, missing: str | None, host: str | None
) -> tuple[str, str] | None:
    """When the fault is on the partner's side of the handshake (or its address)."""
    if outcome == o.SERVER_NOT_TRUSTED and attempt.server_changed:
        headline = _(SERVER_CHANGED)
        next_step = _(
            "It showed a certificate your truststore trusts first, and another one when your "
            "certificate was about to be sent, so your certificate was not sent. Ask the "
            "partner whether this address is really theirs, and do not use it until then."
        )
    elif outcome == o.SERVER_NOT_TRUSTED:
        headline = _("Your truststore does not trust the partner's server.")
        next_step = _(
            "{missing} Go back to the truststore step and add the partner's "
            "missing certificate (fetch the chain again or upload it).",
            missing=missing,
        )
    elif outcome == o.HOSTNAME_MISMATCH:
        names = _names(attempt)
        headline = _("The partner's certificate is not made out for {host}.", host=host)
        next_step = _(
            "Check the address. The certificate names {names}; use one of those, "
            "or ask the partner for a certificate that names {host}.",
            names=names,
            host=host,
        )
    elif outcome == o.CLIENT_CERT_NOT_REQUESTED:
        headline = _(
            "The connection works, but the partner's server did not ask for your certificate."
        )
        next_step = _(
            "Mutual TLS is not switched on at this address. Check with the partner "
            "that this is the right address, or whether they still have to turn on "
            "client certificates."
        )
    else:
        return None
    return headline, next_step


def _certificate_words(
    outcome: str,
    attempt: Attempt,
    cert: x509.Certificate,
    when: dt.datetime,
    answer: HttpAnswer | None,
) -> tuple[str, str] | None:
    """When the partner's server cannot take your certificate: its dates, issuer, access."""
    issuer = plain_name(cert.issuer)
    if outcome == o.CERTIFICATE_EXPIRED:
        if when > cert.not_valid_after_utc:
            headline = _(
                "Your certificate expired on {date}.", date=long_date(cert.not_valid_after_utc)
            )
        else:
            headline = _(
                "Your certificate is not valid until {date}.",
                date=long_date(cert.not_valid_before_utc),
            )
        next_step = _(
            "Ask your certificate authority for a new certificate, import it, and test again."
        )
    elif outcome == o.ISSUER_NOT_ACCEPTED:
        accepts = ", ".join(f"‘{plain_name(n)}’" for n in attempt.acceptable) or _("none listed")
        headline = _(
            "The partner's server only accepts certificates from {accepted}; yours "
            "is from ‘{issuer}’, so Java will not send it.",
            accepted=accepts,
            issuer=issuer,
        )
        next_step = _(
            "Download the partner kit and send it to the partner's administrator and ask "
            "them to accept certificates from ‘{issuer}’.",
            issuer=issuer,
        )
    elif outcome == o.FORBIDDEN:
        headline = _(
            "The secure connection works, but the partner's server does not allow your "
            "certificate at this address ({status}).",
            status=answer.summary() if answer else "HTTP 403",
        )
        next_step = _(
            "Download the partner kit and send it to the partner's administrator and ask "
            "them to give your certificate ‘{name}’ access to this address, or check that "
            "the address is the right one.",
            name=plain_name(cert.subject),
        )
    else:
        return None
    return headline, next_step


def _refusal_words(
    outcome: str, alert: tuple[str, str, str] | None, answer: HttpAnswer | None
) -> tuple[str, str]:
    """The server's verdict on your certificate: refused (how it said so), or accepted.
    Whole sentences are joined with a space (alert: translated by translate_alert)."""
    if outcome == o.REJECTED and answer is not None and alert is None:
        headline = _(
            "The partner's server refused your certificate: it let the secure connection "
            "open, then answered the request with {answer}.",
            answer=answer.summary(),
        )
        if answer.names_certificate() and answer.text:
            headline += " " + _("It said: ‘{text}’.", text=answer.text[:120])
        next_step = _(
            "Download the partner kit and send it to the partner's administrator and ask "
            "them why their server refuses it (its log says why: for example revoked, a "
            "chain longer than it checks, or a missing client authentication use)."
        )
    elif outcome == o.REJECTED:
        headline = _("The partner's server refused your certificate.")
        if alert is not None:
            headline += " " + alert[1]
            next_step = alert[2]
        else:
            next_step = _(
                "Download the partner kit and send it to the partner's administrator and "
                "ask them to trust your certificate."
            )
    else:
        headline = _("The partner's server accepted your certificate.")
        next_step = _("All set: the platform can connect with these files.")
    return headline, next_step


def _names(attempt: Attempt) -> str:
    leaf = attempt.server_chain[0]
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        found = [str(v) for v in san.get_values_for_type(x509.DNSName)]
        found += [str(v) for v in san.get_values_for_type(x509.IPAddress)]
    except (x509.ExtensionNotFound, ValueError):
        found = []
    return ", ".join(found) or f"‘{plain_name(leaf.subject)}’"


def _detail(
    attempt: Attempt, key_pair: KeyPair, server_outcome: str, answer: HttpAnswer | None
) -> str:
    """The technical lines: labels translated; names, codes and OpenSSL's texts as they are."""
    cert = key_pair.certificate
    chain = " <- ".join(plain_name(c.subject) for c in attempt.server_chain)
    listed = "; ".join(n.rfc4514_string() for n in attempt.acceptable)
    lines = [
        _("TLS version: {version}", version=attempt.tls_version or _("handshake not completed")),
        _("Server certificates: {names}", names=chain) if chain else _("Server certificates: none"),
        _("Client certificate requested: yes")
        if attempt.certificate_requested
        else _("Client certificate requested: no"),
        _("Acceptable CAs listed by the server: {names}", names=listed)
        if listed
        else _("Acceptable CAs listed by the server: none (any issuer)"),
        _(
            "Your certificate: {subject}, issued by {issuer}, chain of {count}",
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            count=len(key_pair.chain),
        ),
        _("Server's reaction: {outcome} (data received)", outcome=server_outcome)
        if attempt.server_spoke
        else _("Server's reaction: {outcome}", outcome=server_outcome),
    ]
    if attempt.server_changed:
        lines.append(_("Server certificate changed since the first connection: yes"))
    if attempt.request_sent:
        shown = answer.summary() if answer else _("no HTTP answer")
        lines.append(
            _(
                "Request: HEAD, no body ({sent}); answer: {answer}",
                sent=_(SENT_REQUEST),
                answer=shown,
            )
        )
    if attempt.answer_problem:  # handshake.py's known texts are marked N_ there
        lines.append(_("Answer incomplete: {problem}", problem=_(attempt.answer_problem)))
    if attempt.failure:  # OpenSSL's text, or one of handshake.py's marked ones
        lines.append(_("TLS error: {error}", error=_(attempt.failure)))
    return "\n".join(lines)
