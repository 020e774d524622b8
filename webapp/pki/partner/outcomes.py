"""What a connection test found, in plain words: one outcome code, a headline, a next step.

Outcome precedence (the first that applies wins), chosen to match what the Java platform
would run into first:

1. unreachable                 no TCP/TLS connection at all (same words as the certificate fetch)
2. server-not-trusted          Java checks the server's chain DURING the handshake, before it
3. hostname-mismatch           sends anything of its own, so these two hide everything later
4. certificate-expired         our own certificate is out of date: whatever the server does
                               with it today, it has to be renewed (checked before connecting;
                               the server's reaction is still reported in `detail`)
5. client-cert-not-requested   the handshake worked, but the server never asked for a certificate
6. issuer-not-accepted         the server listed acceptable CAs and none issued our chain, so
                               Java sends no certificate (see acceptable_cas.py)
7. rejected                    we sent the certificate and the server refused it: a TLS
                               alert, or (issue 20) an HTTP 400 naming a certificate problem
                               or 495/496 in answer to our one HEAD request (http_answer.py)
8. forbidden                   the TLS connection works, but the server answered the request
                               with 401/403: this certificate is not allowed at that address
9. accepted                    we sent it, the server carried on and answered the request
                               with anything else (2xx, 3xx, 404, 405...: the status is in
                               `detail`)

A server that shows another certificate on the second connection than on the first gets
server-not-trusted (Java would meet whichever it is shown; neither is proven).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from webapp.translation import N_, _

__all__ = [
    "ACCEPTED",
    "CERTIFICATE_EXPIRED",
    "CLIENT_CERT_NOT_REQUESTED",
    "FORBIDDEN",
    "HOSTNAME_MISMATCH",
    "ISSUER_NOT_ACCEPTED",
    "OUTCOMES",
    "REJECTED",
    "SERVER_NOT_TRUSTED",
    "UNREACHABLE",
    "ConnectionTestResult",
    "translate_alert",
]

ACCEPTED = "accepted"
SERVER_NOT_TRUSTED = "server-not-trusted"
HOSTNAME_MISMATCH = "hostname-mismatch"
CLIENT_CERT_NOT_REQUESTED = "client-cert-not-requested"
ISSUER_NOT_ACCEPTED = "issuer-not-accepted"
REJECTED = "rejected"
CERTIFICATE_EXPIRED = "certificate-expired"
UNREACHABLE = "unreachable"
FORBIDDEN = "forbidden"

# In order of precedence (see the module docstring).
OUTCOMES = (
    UNREACHABLE,
    SERVER_NOT_TRUSTED,
    HOSTNAME_MISMATCH,
    CERTIFICATE_EXPIRED,
    CLIENT_CERT_NOT_REQUESTED,
    ISSUER_NOT_ACCEPTED,
    REJECTED,
    FORBIDDEN,
    ACCEPTED,
)

_ASK_PARTNER = N_(
    "Send the partner kit to the partner's administrator and ask them to trust "
    "your certificate's issuer."
)

_NEW_CERTIFICATE = N_("Ask your certificate authority for a new certificate.")

# TLS alert (OpenSSL's wording, without the "sslv3 alert" prefix) -> (code, plain words, next).
# The words are marked N_ and translated by translate_alert, where a result is made.
_ALERTS: dict[str, tuple[str, str, str]] = {
    "unknown ca": (
        "unknown_ca",
        N_("The partner's server does not know the authority that issued your certificate."),
        _ASK_PARTNER,
    ),
    "bad certificate": (
        "bad_certificate",
        N_(
            "The partner's server could not accept your certificate: usually it "
            "does not trust its issuer, or the chain sent with it is incomplete."
        ),
        N_(
            "Check that your key pair includes its intermediate certificates, then send the "
            "partner kit to the partner's administrator and ask them to trust your "
            "certificate's issuer."
        ),
    ),
    "certificate unknown": (
        "certificate_unknown",
        N_("The partner's server could not check your certificate."),
        _ASK_PARTNER,
    ),
    "unsupported certificate": (
        "unsupported_certificate",
        N_("The partner's server does not support this kind of certificate (key type or usage)."),
        N_("Ask the partner which kind of certificate they need."),
    ),
    "certificate required": (
        "certificate_required",
        N_("The partner's server requires a client certificate, and none was sent."),
        _ASK_PARTNER,
    ),
    "certificate expired": (
        "certificate_expired",
        N_("The partner's server says your certificate has expired."),
        _NEW_CERTIFICATE,
    ),
    "certificate revoked": (
        "certificate_revoked",
        N_(
            "The partner's server says your certificate has been revoked "
            "(withdrawn by the authority that issued it)."
        ),
        _NEW_CERTIFICATE,
    ),
    "access denied": (
        "access_denied",
        N_("The partner's server trusts your certificate but does not allow it access."),
        N_("Ask the partner's administrator to give this certificate access."),
    ),
    "handshake failure": (
        "handshake_failure",
        N_(
            "The partner's server ended the secure connection setup; with "
            "mutual TLS this usually means it did not get a certificate it "
            "accepts."
        ),
        _ASK_PARTNER,
    ),
    "decrypt error": (
        "decrypt_error",
        N_("The partner's server could not verify the signature made with your key."),
        N_("Check that the key and the certificate belong together."),
    ),
}


def translate_alert(reason: str) -> tuple[str, str, str] | None:
    """(alert code, plain sentence, next step) for an OpenSSL reason like 'tlsv13 alert
    certificate required', or None when it is not a known alert. The sentences are in the
    current language (English outside a request); the code never is translated."""
    text = reason.lower()
    if "alert " not in text:
        return None
    name = text.rsplit("alert ", 1)[1].strip()
    known = _ALERTS.get(name)
    if known is not None:
        code, words, next_step = known
        return code, _(words), _(next_step)
    return (
        name.replace(" ", "_"),
        _("The partner's server ended the connection ({name}).", name=name),
        _(_ASK_PARTNER),
    )


@dataclass(frozen=True)
class ConnectionTestResult:
    """Everything the result panel shows. `outcome` is one of OUTCOMES (the data-outcome code)."""

    url: str
    outcome: str
    headline: str  # one plain sentence
    next_step: str  # what to do next
    detail: str  # technical, for a folded-away section (no secrets)
    tested_at: dt.datetime
    tls_version: str | None = None
    certificate_requested: bool | None = None  # None: we never got that far
    acceptable_issuers: tuple[str, ...] = ()  # "Name (Organisation)", as the server listed them
    your_issuer: str | None = None  # the issuer of the user's certificate, same form
    alert: str | None = None  # the server's TLS alert in plain words
    alert_code: str | None = None  # e.g. "certificate_required"
    missing_certificate: str | None = None  # for server-not-trusted
    server_certificates: tuple[str, ...] = ()  # what the server sent, leaf first
    http_status: int | None = None  # the status of the answer to our HEAD request, if any
    log_detail: str = ""  # for the server log ONLY: may say why an address was refused

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready values (for the vault or an htmx fragment); no secrets inside."""
        values = dataclasses.asdict(self)
        del values["log_detail"]
        values["tested_at"] = self.tested_at.isoformat()
        values["acceptable_issuers"] = list(self.acceptable_issuers)
        values["server_certificates"] = list(self.server_certificates)
        return values

    @property
    def passed(self) -> bool:
        """True when Java would complete mutual TLS with these files."""
        return self.outcome == ACCEPTED
