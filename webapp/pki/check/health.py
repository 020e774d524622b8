"""Check a deployed setup: what will break, and when (issue 22, `mtls-kit check`).

Given both stores as Java opens them and the partner's URL, it checks, in this order:

1. the user's own certificate: `expired`, or `expires-soon` within `days`;
2. the chain the partner's server presents TODAY against the truststore, exactly as Java's
   PKIX trust manager would (server_trust.py): `partner-changed` when the truststore no
   longer reaches it (a renewed or new server certificate from another CA),
   `partner-expired`, or `partner-expires-soon` within `days`;
3. the connection test itself (connection_test.py): any outcome but `accepted` is a problem
   with the outcome's own code and words.

Nothing here opens files or reads the environment; the CLI does (webapp/cli/check.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509

from webapp.pki.certs.names import plain_name
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner import outcomes as o
from webapp.pki.partner.connection_test import test_connection
from webapp.pki.partner.fetch import fetch_chain
from webapp.pki.partner.server_trust import check_server_trust
from webapp.pki.partner.settings import Settings
from webapp.pki.partner.targets import FetchError, parse_target

__all__ = [
    "DEFAULT_DAYS",
    "EXPIRED",
    "EXPIRES_SOON",
    "PARTNER_CHANGED",
    "PARTNER_EXPIRED",
    "PARTNER_EXPIRES_SOON",
    "CheckReport",
    "Problem",
    "check_setup",
]

DEFAULT_DAYS = 30  # the reminder's window too (reminder.ics is made 30 days ahead)
EXPIRED = "expired"
EXPIRES_SOON = "expires-soon"
PARTNER_CHANGED = "partner-changed"
PARTNER_EXPIRED = "partner-expired"
PARTNER_EXPIRES_SOON = "partner-expires-soon"


@dataclass(frozen=True)
class Problem:
    code: str
    message: str  # plain words

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class CheckReport:
    outcome: str | None  # the connection test's code; None when it could not run
    problems: tuple[Problem, ...]
    partner_chain: tuple[x509.Certificate, ...] = ()  # what the server sent today
    checked_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def ok(self) -> bool:
        return not self.problems and self.outcome == o.ACCEPTED

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "outcome": self.outcome,
            "problems": [p.as_dict() for p in self.problems],
            "checked_at": self.checked_at.isoformat(),
        }


def check_setup(
    url: str,
    *,
    key_pair: KeyPair,
    trusted: Sequence[x509.Certificate],
    settings: Settings,
    days: int = DEFAULT_DAYS,
    now: dt.datetime | None = None,
) -> CheckReport:
    """Check the setup; raises parse_target's FetchError when `url` is not a server address."""
    when = now or dt.datetime.now(dt.UTC)
    soon = when + dt.timedelta(days=days)
    problems = _own_expiry(key_pair.certificate, when, soon)
    target = parse_target(url)
    try:
        sent = fetch_chain(
            target,
            policy=settings.policy,
            connect_timeout=settings.timeout,
            handshake_timeout=settings.timeout,
        ).certificates
    except FetchError:
        sent = ()  # the connection test below says why, in its own words
    else:
        problems += _partner(sent, trusted, when, soon)
    result = test_connection(
        url,
        key_pair=key_pair,
        trust_anchors=trusted,
        policy=settings.policy,
        connect_timeout=settings.timeout,
        handshake_timeout=settings.timeout,
        now=when,
    )
    if result.outcome != o.ACCEPTED:
        problems.append(Problem(result.outcome, f"{result.headline} {result.next_step}"))
    return CheckReport(result.outcome, tuple(problems), tuple(sent), when)


def _own_expiry(cert: x509.Certificate, when: dt.datetime, soon: dt.datetime) -> list[Problem]:
    end = cert.not_valid_after_utc
    if end < when:
        return [Problem(EXPIRED, f"Your certificate expired on {end:%d %B %Y}. Renew it.")]
    if end < soon:
        days = (end - when).days
        return [
            Problem(
                EXPIRES_SOON,
                f"Your certificate expires on {end:%d %B %Y} (in {days} days). Ask your "
                "certificate authority for a new one and renew the keystore.",
            )
        ]
    return []


def _partner(
    sent: Sequence[x509.Certificate],
    trusted: Sequence[x509.Certificate],
    when: dt.datetime,
    soon: dt.datetime,
) -> list[Problem]:
    trust = check_server_trust(sent, trusted, now=when)
    if trust.anchor is None:
        return [
            Problem(
                PARTNER_CHANGED,
                "The partner's server now presents a certificate your truststore does not "
                f"trust. {trust.problem} Fetch its chain again and update the truststore.",
            )
        ]
    if not trust.trusted:
        return [Problem(PARTNER_EXPIRED, f"{trust.problem} Ask the partner to renew it.")]
    ending = [c for c in trust.path if c != trust.anchor and c.not_valid_after_utc < soon]
    return [
        Problem(
            PARTNER_EXPIRES_SOON,
            f"The partner's certificate ‘{plain_name(c.subject)}’ expires on "
            f"{c.not_valid_after_utc:%d %B %Y}. Ask the partner for the new one before then.",
        )
        for c in ending
    ]
