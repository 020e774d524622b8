"""The explain rules for what the partner's server or the network refuses, after Java's own
checks passed; and the answer when no rule matches (precedence: rules.py)."""

from __future__ import annotations

from webapp.pki.explain.rule import (
    NETWORK,
    PARTNER,
    PROTOCOL_MISMATCH,
    TIMEOUT,
    UNKNOWN,
    Rule,
    alert_words,
)
from webapp.pki.partner import outcomes as o
from webapp.pki.partner.outbound import COULD_NOT_CONNECT
from webapp.translation import N_

__all__ = ["PARTNER_RULES", "UNKNOWN_RULE"]

_UNKNOWN_CA, _ASK_PARTNER = alert_words("unknown ca")
_REQUIRED = alert_words("certificate required")[0]
_KIT_ISSUER = N_(
    "Download the partner kit and send it to the partner's administrator and ask them to "
    "accept certificates from your certificate's issuer."
)

PARTNER_RULES: tuple[Rule, ...] = (
    Rule(
        PROTOCOL_MISMATCH,
        (
            r"protocol_version",
            r"No appropriate protocol",
            r"not enabled or supported|is not accepted by client preferences",
            r"Unsupported or unrecognized SSL message",
            r"insufficient_security",
        ),
        N_("The platform and the partner's server do not speak a common TLS version."),
        PARTNER,
        (
            N_(
                "One side offers only TLS versions the other has switched off (for example the "
                "platform allows TLS 1.2 and the server only TLS 1.3), so they stop at the "
                "first message."
            ),
        ),
        (
            N_(
                "Ask the partner which TLS versions its server accepts, and allow that version "
                "on the platform (jdk.tls.client.protocols / https.protocols)."
            ),
        ),
    ),
    Rule(
        o.ISSUER_NOT_ACCEPTED,
        (r"use empty Certificate message instead",),
        N_("The partner's server asked for a certificate, and Java sent none."),
        PARTNER,
        (
            N_(
                "The server's CertificateRequest named the certificate authorities it accepts; "
                "none of them issued your certificate, so Java answered with an empty "
                "certificate list and the server ended the connection."
            ),
        ),
        (_KIT_ISSUER,),
        partner_kit=True,
        requires=(r"Exception|fatal|alert",),
    ),
    Rule(
        o.ISSUER_NOT_ACCEPTED,
        (r"certificate_required", r"No required SSL certificate was sent"),
        N_("The partner's server asked for a certificate, and Java sent none."),
        PARTNER,
        (
            _REQUIRED,
            N_(
                "Java sends its certificate only when its issuer is one the server names as "
                "acceptable."
            ),
        ),
        (_KIT_ISSUER,),
        partner_kit=True,
    ),
    Rule(
        o.REJECTED,
        (
            r"bad_certificate",
            r"certificate_unknown",
            r"unknown_ca",
            r"certificate_revoked",
            r"access_denied",
            r"decrypt_error",
            r"handshake_failure",
            r"The SSL certificate error",
            r"HTTP response code: 49[56]\b|\b49[56] (?:SSL Certificate Error|Cert)",
            r"Broken pipe",
            r"Connection reset",
            r"Remote host terminated the handshake",
        ),
        N_("The partner's server refused your certificate."),
        PARTNER,
        (
            _UNKNOWN_CA,
            N_(
                "It ended the connection during or right after the handshake, or answered the "
                "first request with an error about the certificate."
            ),
        ),
        (_ASK_PARTNER,),
        partner_kit=True,
    ),
    Rule(
        o.FORBIDDEN,
        (
            r"HTTP response code: 40[13]\b",
            r"\b40[13] (?:Forbidden|Unauthorized)\b",
            r"status(?: code)?[ :=]+40[13]\b",
        ),
        N_(
            "The secure connection works, but the partner's server does not allow your "
            "certificate at this address."
        ),
        PARTNER,
        (
            N_(
                "The server accepted the certificate during the handshake, then answered the "
                "request with 401 or 403: this certificate (or this address) is not given access."
            ),
        ),
        (
            N_(
                "Download the partner kit and send it to the partner's administrator and ask "
                "them to give your certificate access to this address, or check that the "
                "address is the right one."
            ),
        ),
        partner_kit=True,
    ),
    Rule(
        TIMEOUT,
        (r"connect timed out", r"Read timed out", r"SocketTimeoutException", r"timed out"),
        N_("The partner's server did not answer in time."),
        NETWORK,
        (
            N_(
                "The connection (or the answer) took longer than the platform waits: a "
                "firewall that drops the packets, a wrong port, or a slow proxy."
            ),
        ),
        (
            N_(
                "Check the address and port, and ask your network team whether the platform "
                "may reach the partner (and through which proxy)."
            ),
        ),
    ),
    Rule(
        o.UNREACHABLE,
        (
            r"Connection refused",
            r"UnknownHostException",
            r"No route to host",
            r"Network is unreachable",
            r"ConnectException",
            r"NoRouteToHostException",
        ),
        N_("The platform could not reach the partner's server."),
        NETWORK,
        (COULD_NOT_CONNECT,),
        (N_("Check the address and port, then test again."),),
    ),
)


UNKNOWN_RULE = Rule(
    UNKNOWN,
    (),
    N_("We do not recognise this error."),
    N_("Not known"),
    (N_("It is not one of the mutual-TLS errors we know."),),
    (
        N_(
            "Run the connection test in the Finish step: it tries the files the way Java does "
            "and says what the partner's server does with them."
        ),
    ),
)
