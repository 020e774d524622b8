"""The rule table: one rule per cause, its patterns and its plain words (issue 22).

Rules are listed in PRECEDENCE order and the first one with a matching line wins. The order
follows what stops Java first, not where a line sits in the paste: a store that cannot be
opened stops the platform before it connects (and its "Caused by:
UnrecoverableKeyException" must not read as a key password problem); an expired certificate
is the deepest cause of a "PKIX path validation failed"; the server's identity is checked
before the client certificate is ever sent; network failures come last, because a refusal
by the partner often ends in a reset or a broken pipe too.

There is one cause per code; a code has a second rule where the evidence or the side that
refused differs (an expired certificate seen by Java or by the partner's server; "Java sent
no certificate" read from a javax.net.debug log or from the server's alert).

Patterns are case-insensitive regular expressions searched in each line, so log prefixes
(timestamps, levels, thread and logger names) and javax.net.debug decorations do not matter.
Repetitions are bounded: a 64 KB paste of "TrustAnchor TrustAnchor …" must not cost seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.pki.partner import outcomes as o
from webapp.pki.partner.outbound import COULD_NOT_CONNECT

__all__ = [
    "EXPIRED",
    "KEY_PASSWORD_MISMATCH",
    "NOT_A_KEYSTORE",
    "PROTOCOL_MISMATCH",
    "RULES",
    "TIMEOUT",
    "UNKNOWN",
    "WRONG_STORE_PASSWORD",
    "Rule",
    "UNKNOWN_RULE",
]

WRONG_STORE_PASSWORD = "wrong-store-password"
KEY_PASSWORD_MISMATCH = "key-password-mismatch"
NOT_A_KEYSTORE = "not-a-keystore"
EXPIRED = "expired"
PROTOCOL_MISMATCH = "protocol-mismatch"
TIMEOUT = "timeout"
UNKNOWN = "unknown"

YOU = "Your platform (Java)"
PARTNER = "The partner's server"
NETWORK = "The network"


def _alert(name: str) -> tuple[str, str]:
    """The connection test's own words for a TLS alert: (plain sentence, next step)."""
    words = o.translate_alert(f"alert {name}")
    assert words is not None
    return words[1], words[2]


_KIT = "Download the partner kit and send it to the partner's administrator"
_UNKNOWN_CA, _ASK_PARTNER = _alert("unknown ca")
_REQUIRED, _ = _alert("certificate required")


@dataclass(frozen=True)
class Rule:
    code: str  # the data-cause code
    patterns: tuple[str, ...]  # any one matching a line decides (see `requires`)
    headline: str
    side: str  # which side refused: YOU, PARTNER or NETWORK
    why: str
    next_step: str
    partner_kit: bool = False  # the partner kit is part of the next step
    requires: tuple[str, ...] = ()  # all of these must appear somewhere in the paste too


RULES: tuple[Rule, ...] = (
    Rule(
        WRONG_STORE_PASSWORD,
        (
            r"Keystore was tampered with, or password was incorrect",
            r"keystore password was incorrect",
            r"failed to decrypt safe contents entry",
        ),
        "The platform cannot open the keystore or truststore: the password is wrong.",
        YOU,
        "Java checks the store password before it reads anything; the password in the "
        "platform's settings is not the one the file was saved with.",
        "Copy the store passwords from the destination settings (Finish step) into the "
        "platform exactly, or build the stores again with the passwords you have.",
    ),
    Rule(
        NOT_A_KEYSTORE,
        (
            r"Invalid keystore format",
            r"toDerInputStream rejects tag type",
            r"DerInputStream\.getLength\(\): lengthTag",
            r"Unrecognized keystore format",
            r"keystore type \S{1,80} not found|KeyStore \S{1,80} implementation not found",
        ),
        "The file is not a keystore of the type the platform was told.",
        YOU,
        "Java read the file as a JKS or PKCS#12 store and found something else: often a PEM "
        "certificate, or a PKCS#12 file configured as JKS (or the other way round).",
        "Give the platform the .jks or .p12 file made here, and set its store type to the "
        "one shown in the Finish step (JKS or PKCS12).",
    ),
    Rule(
        KEY_PASSWORD_MISMATCH,
        (r"Cannot recover key", r"UnrecoverableKeyException", r"Get Key failed"),
        "The platform opened the keystore but cannot unlock the key in it.",
        YOU,
        "The key entry has a password of its own that differs from the store password; the "
        "platform uses one password for both.",
        "Build the keystore here: it protects the key with the store password, as the "
        "platform expects.",
    ),
    Rule(
        EXPIRED,
        (
            r"CertificateExpiredException",
            r"CertificateNotYetValidException",
            r"validity check failed",
        ),
        "A certificate of the partner's server is out of date.",
        YOU,
        "Java checks the dates of every certificate the partner's server sends; one of them "
        "has expired (or is not valid yet), so Java stopped before sending anything.",
        "Ask the partner to renew its server certificate, then fetch its chain again in the "
        "truststore step.",
    ),
    Rule(
        EXPIRED,
        (r"certificate_expired",),
        "The partner's server says your certificate is out of date.",
        PARTNER,
        _alert("certificate expired")[0],
        _alert("certificate expired")[1]
        + " Then renew the keystore with it (open last year's keystore in the keystore step).",
    ),
    Rule(
        o.HOSTNAME_MISMATCH,
        (
            r"No subject alternative DNS name matching",
            r"No subject alternative names matching",
            r"No subject alternative names present",
            r"No name matching \S{1,255} found",
        ),
        "The partner's certificate is not made out for the address the platform uses.",
        YOU,
        "Java compares the address in the destination URL with the names in the partner's "
        "server certificate, and none matches.",
        "Check the address. Use a name the partner's certificate lists, or ask the partner "
        "for a certificate that names this address.",
    ),
    Rule(
        o.SERVER_NOT_TRUSTED,
        (
            r"PKIX path building failed",
            r"unable to find valid certification path",
            r"PKIX path validation failed",
            r"No trusted certificate found",
            r"TrustAnchor .{1,400} is not a CA certificate",
        ),
        "Your truststore does not trust the partner's server.",
        YOU,
        "Java could not link the certificate the partner's server sent to any certificate "
        "in the truststore, so it stopped before sending anything.",
        "Go back to the truststore step and add the partner's missing certificate (fetch "
        "the chain again or upload it).",
    ),
    Rule(
        PROTOCOL_MISMATCH,
        (
            r"protocol_version",
            r"No appropriate protocol",
            r"not enabled or supported|is not accepted by client preferences",
            r"Unsupported or unrecognized SSL message",
            r"insufficient_security",
        ),
        "The platform and the partner's server do not speak a common TLS version.",
        PARTNER,
        "One side offers only TLS versions the other has switched off (for example the "
        "platform allows TLS 1.2 and the server only TLS 1.3), so they stop at the first "
        "message.",
        "Ask the partner which TLS versions its server accepts, and allow that version on "
        "the platform (jdk.tls.client.protocols / https.protocols).",
    ),
    Rule(
        o.ISSUER_NOT_ACCEPTED,
        (r"use empty Certificate message instead",),
        "The partner's server asked for a certificate, and Java sent none.",
        PARTNER,
        "The server's CertificateRequest named the certificate authorities it accepts; none "
        "of them issued your certificate, so Java answered with an empty certificate list "
        "and the server ended the connection.",
        f"{_KIT} and ask them to accept certificates from your certificate's issuer.",
        partner_kit=True,
        requires=(r"Exception|fatal|alert",),
    ),
    Rule(
        o.ISSUER_NOT_ACCEPTED,
        (r"certificate_required", r"No required SSL certificate was sent"),
        "The partner's server asked for a certificate, and Java sent none.",
        PARTNER,
        _REQUIRED + " Java sends its certificate only when its issuer is one the server "
        "names as acceptable.",
        f"{_KIT} and ask them to accept certificates from your certificate's issuer.",
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
        "The partner's server refused your certificate.",
        PARTNER,
        _UNKNOWN_CA + " It ended the connection during or right after the handshake, or "
        "answered the first request with an error about the certificate.",
        _ASK_PARTNER,
        partner_kit=True,
    ),
    Rule(
        o.FORBIDDEN,
        (
            r"HTTP response code: 40[13]\b",
            r"\b40[13] (?:Forbidden|Unauthorized)\b",
            r"status(?: code)?[ :=]+40[13]\b",
        ),
        "The secure connection works, but the partner's server does not allow your "
        "certificate at this address.",
        PARTNER,
        "The server accepted the certificate during the handshake, then answered the request "
        "with 401 or 403: this certificate (or this address) is not given access.",
        f"{_KIT} and ask them to give your certificate access to this address, or check "
        "that the address is the right one.",
        partner_kit=True,
    ),
    Rule(
        TIMEOUT,
        (r"connect timed out", r"Read timed out", r"SocketTimeoutException", r"timed out"),
        "The partner's server did not answer in time.",
        NETWORK,
        "The connection (or the answer) took longer than the platform waits: a firewall "
        "that drops the packets, a wrong port, or a slow proxy.",
        "Check the address and port, and ask your network team whether the platform may "
        "reach the partner (and through which proxy).",
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
        "The platform could not reach the partner's server.",
        NETWORK,
        COULD_NOT_CONNECT,
        "Check the address and port, then test again.",
    ),
)

UNKNOWN_RULE = Rule(
    UNKNOWN,
    (),
    "We do not recognise this error.",
    "Not known",
    "It is not one of the mutual-TLS errors we know.",
    "Run the connection test in the Finish step: it tries the files the way Java does and "
    "says what the partner's server does with them.",
)
