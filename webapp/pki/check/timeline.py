""" "What will break when": the dates the Finish step lists after opening last year's files.

The same dates `mtls-kit check` watches, read from the stores alone (no connection): the
user's own certificate, and the partner's certificates in the truststore.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from webapp.pki.certs.names import plain_name
from webapp.translation import _

__all__ = ["BreakDate", "break_dates"]


@dataclass(frozen=True)
class BreakDate:
    when: dt.datetime
    what: str  # plain words: what stops working on that day
    days_left: int  # negative: already past

    @property
    def past(self) -> bool:
        return self.days_left < 0


def break_dates(
    own: x509.Certificate | None,
    partner: Sequence[x509.Certificate],
    *,
    now: dt.datetime | None = None,
) -> tuple[BreakDate, ...]:
    """Soonest first. `partner`: the truststore's certificates that are not the user's own."""
    when = now or dt.datetime.now(dt.UTC)
    found = []
    if own is not None:
        found.append(
            _date(
                own,
                when,
                _(
                    "Your certificate ‘{name}’ expires: from then on the partner refuses the "
                    "connection. Renew it before.",
                    name=plain_name(own.subject),
                ),
            )
        )
    for cert in dict.fromkeys(partner):
        found.append(
            _date(
                cert,
                when,
                _(
                    "The partner's certificate ‘{name}’ in your truststore expires: the "
                    "partner changes it before then; fetch again once it has.",
                    name=plain_name(cert.subject),
                ),
            )
        )
    return tuple(sorted(found, key=lambda b: b.when))


def _date(cert: x509.Certificate, now: dt.datetime, what: str) -> BreakDate:
    end = cert.not_valid_after_utc
    if end >= now:
        return BreakDate(end, what, (end - now).days)
    # Past: at least one day ago, so that an hour-old expiry reads "already passed".
    return BreakDate(end, what, -max(1, (now - end).days))
