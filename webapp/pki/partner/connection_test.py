"""Prove the connection before the user leaves: mutual TLS with the new files, as Java does it.

`test_connection` connects to the partner's URL through the same outbound policy, resolve-once
rule and timeouts as the certificate fetch, and predicts what the Java platform will see:

1. A first handshake presents NO certificate. It shows the server's chain, whether the server
   asks for a client certificate, and its list of acceptable CAs. Its chain is judged against
   the truststore's certificates only (server_trust.py) and the host name as Java's HTTPS
   client checks it (hostnames.py). When either fails, Java would abort there, so we stop too.
2. If the server asked, we decide as Java's key manager does (acceptable_cas.py). When Java
   would send nothing, the first handshake already WAS the real test: its outcome is the
   server's reaction to no certificate, and the verdict is issuer-not-accepted.
3. Otherwise a second handshake presents the certificate and its stored chain, and we wait
   briefly after it for a TLS 1.3 rejection (handshake.py). That handshake is pinned to the
   server certificate the first one showed and is judged exactly like it: a server that
   shows another certificate never gets ours, and is not "accepted" (issue 20).
4. When it carried on we send ONE request, `HEAD` of the URL's path (no body, Connection:
   close), and read the status: what a server checks after the handshake shows there, as it
   does for Java's real request (http_answer.py).

The outcome codes and their precedence are in outcomes.py.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Sequence

from cryptography import x509

from webapp.pki.certs.names import plain_name
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner import outcomes as o
from webapp.pki.partner.acceptable_cas import java_would_send
from webapp.pki.partner.connect import DEFAULT_CONNECT_TIMEOUT, Connector, open_connection
from webapp.pki.partner.fetch import DEFAULT_HANDSHAKE_TIMEOUT, HandshakeFailed, NotTLS
from webapp.pki.partner.handshake import DEFAULT_AFTER_HANDSHAKE_WAIT, Attempt, attempt_handshake
from webapp.pki.partner.hostnames import hostname_matches
from webapp.pki.partner.http_answer import HttpAnswer, head_request, read_answer, verdict_for
from webapp.pki.partner.outbound import OutboundPolicy, Resolver
from webapp.pki.partner.server_trust import check_server_trust
from webapp.pki.partner.targets import FetchError, Target, parse_target
from webapp.pki.partner.wording import describe, unreachable_words

__all__ = ["test_connection"]


def test_connection(
    url: str,
    *,
    key_pair: KeyPair,
    trust_anchors: Sequence[x509.Certificate],
    policy: OutboundPolicy,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
    after_handshake_wait: float = DEFAULT_AFTER_HANDSHAKE_WAIT,
    now: dt.datetime | None = None,
    resolver: Resolver = socket.getaddrinfo,
    connector: Connector | None = None,
) -> o.ConnectionTestResult:
    """Test mutual TLS to `url` with `key_pair` and a truststore holding `trust_anchors`.

    Raises the FetchError subclasses of `parse_target` when `url` is not a server address
    (a message for beside the field); every other problem is an outcome in the result.
    """
    target = parse_target(url)
    when = now or dt.datetime.now(dt.UTC)
    base = _Report(target.url, when, key_pair)

    def attempt(identity: KeyPair | None, pinned: x509.Certificate | None = None) -> Attempt:
        sock, _unused = open_connection(
            target, policy=policy, timeout=connect_timeout, resolver=resolver, connector=connector
        )
        return attempt_handshake(
            sock,
            target.sni,
            identity=identity,
            timeout=handshake_timeout,
            after_handshake_wait=after_handshake_wait,
            pinned=pinned,
            request=head_request(url, target) if identity is not None else None,
        )

    try:
        probe = attempt(None)
        if not probe.server_chain:
            raise _handshake_error(probe)
        problem = _server_problem(target, probe, trust_anchors, when, base)
        if problem is not None:
            return problem
        if not probe.certificate_requested:
            if probe.carried_on:
                return base.result(o.CLIENT_CERT_NOT_REQUESTED, probe)
            return base.result(o.REJECTED, probe)
        if not java_would_send(key_pair.chain, probe.acceptable):
            return base.result(o.ISSUER_NOT_ACCEPTED, probe)
        final = attempt(key_pair, pinned=probe.server_chain[0])
    except FetchError as exc:
        return base.unreachable(exc)
    return _final_verdict(target, final, trust_anchors, when, base)


def _final_verdict(
    target: Target,
    final: Attempt,
    anchors: Sequence[x509.Certificate],
    when: dt.datetime,
    base: _Report,
) -> o.ConnectionTestResult:
    """Judge the connection that presented our certificate: same checks as the first one."""
    if final.server_changed:
        return base.result(o.SERVER_NOT_TRUSTED, final)
    if final.server_chain:
        problem = _server_problem(target, final, anchors, when, base)
        if problem is not None:
            return problem
    if not final.carried_on:
        return base.result(o.REJECTED, final)
    if not final.certificate_requested:  # it asked the first time only: Java sends nothing
        return base.result(o.CLIENT_CERT_NOT_REQUESTED, final)
    answer = read_answer(final.answer) if final.request_sent else None
    if answer is None:
        return base.result(o.ACCEPTED, final)
    return base.result(verdict_for(answer, requested=True), final, answer=answer)


_SERVER_REACTIONS = (o.REJECTED, o.ISSUER_NOT_ACCEPTED, o.FORBIDDEN, o.ACCEPTED)

test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _server_problem(
    target: Target,
    probe: Attempt,
    anchors: Sequence[x509.Certificate],
    when: dt.datetime,
    base: _Report,
) -> o.ConnectionTestResult | None:
    trust = check_server_trust(probe.server_chain, anchors, now=when)
    if not trust.trusted:
        return base.result(o.SERVER_NOT_TRUSTED, probe, missing=trust.problem)
    if not hostname_matches(probe.server_chain[0], target.host):
        return base.result(o.HOSTNAME_MISMATCH, probe, host=target.host)
    return None


def _handshake_error(attempt: Attempt) -> FetchError:
    detail = attempt.failure or "no certificate from the server"
    if attempt.alert_reason is None and not attempt.handshake_done:
        return NotTLS(detail)
    return HandshakeFailed(detail)


class _Report:
    """Turns observations into a ConnectionTestResult with the words from wording.py."""

    def __init__(self, url: str, when: dt.datetime, key_pair: KeyPair) -> None:
        self.url, self.when, self.key_pair = url, when, key_pair
        cert = key_pair.certificate
        self.expired = when > cert.not_valid_after_utc
        self.not_yet_valid = when < cert.not_valid_before_utc

    def unreachable(self, exc: FetchError) -> o.ConnectionTestResult:
        headline, next_step, detail = unreachable_words(exc)
        return o.ConnectionTestResult(
            url=self.url,
            outcome=o.UNREACHABLE,
            headline=headline,
            next_step=next_step,
            detail=detail,
            tested_at=self.when,
            log_detail=f"{type(exc).__name__}: {exc.detail}",
            your_issuer=plain_name(self.key_pair.certificate.issuer),
        )

    def result(
        self,
        outcome: str,
        attempt: Attempt,
        *,
        missing: str | None = None,
        host: str | None = None,
        answer: HttpAnswer | None = None,
    ) -> o.ConnectionTestResult:
        if (self.expired or self.not_yet_valid) and outcome not in (
            o.SERVER_NOT_TRUSTED,
            o.HOSTNAME_MISMATCH,
        ):
            outcome_reported = o.CERTIFICATE_EXPIRED
        else:
            outcome_reported = outcome
        # The probe's alert (no certificate sent) is the server's reaction only when that
        # probe was the real test; after a server problem Java would not have got that far.
        alert = (
            o.translate_alert(attempt.alert_reason)
            if attempt.alert_reason and outcome in _SERVER_REACTIONS
            else None
        )
        words = describe(
            outcome_reported,
            attempt=attempt,
            alert=alert,
            missing=missing,
            host=host,
            key_pair=self.key_pair,
            when=self.when,
            server_outcome=outcome,
            answer=answer,
        )
        return o.ConnectionTestResult(
            url=self.url,
            outcome=outcome_reported,
            headline=words.headline,
            next_step=words.next_step,
            detail=words.detail,
            tested_at=self.when,
            tls_version=attempt.tls_version,
            certificate_requested=attempt.certificate_requested,
            acceptable_issuers=tuple(plain_name(n) for n in attempt.acceptable),
            your_issuer=plain_name(self.key_pair.certificate.issuer),
            alert=alert[1] if alert else None,
            alert_code=alert[0] if alert else None,
            missing_certificate=missing,
            server_certificates=tuple(plain_name(c.subject) for c in attempt.server_chain),
            http_status=answer.status if answer else None,
        )
