"""A calendar reminder before the first certificate of a connection expires (RFC 5545 .ics).

Issue 13: certificates expire, and nobody remembers the procedure a year later. The bundle
carries an .ics file with one all-day event a set number of days before the earliest expiry
among the user's own chain and the partner's certificates, saying which one expires and
what to do, plus the same dates as a sentence for the README.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import icalendar
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from webapp.pki.certs.names import first_attribute
from webapp.pki.text import one_line

__all__ = ["DEFAULT_LEAD_DAYS", "ExpiryReminder", "ReminderError", "expiry_reminder"]

# A month leaves time to order a certificate from a CA and for the partner to trust it.
DEFAULT_LEAD_DAYS = 30
_PRODUCT_ID = "-//mtls-kit//expiry reminder//EN"

Owner = Literal["own", "partner"]


class ReminderError(ValueError):
    """No reminder can be made; str() is a sentence for the user."""


@dataclass(frozen=True)
class ExpiryReminder:
    """The certificate that expires first and the day to be reminded of it."""

    certificate: x509.Certificate
    owner: Owner
    expires: dt.datetime  # UTC
    remind_on: dt.date
    lead_days: int

    @property
    def what(self) -> str:
        """Which certificate, in words: "your certificate “Client One”"."""
        whose = "your" if self.owner == "own" else "the partner's"
        return f"{whose} certificate “{_name(self.certificate)}”"

    @property
    def todo(self) -> str:
        if self.owner == "own":
            return (
                "Renew it: open the keystore in mtls-kit, make a new key pair or load the "
                "CA's renewed certificate, and send the partner the new certificate."
            )
        return (
            "Ask the partner for its new certificate, then update the truststore in "
            "mtls-kit, keeping the old certificate until the partner has switched."
        )

    def readme_sentence(self) -> str:
        """For the bundle README: which certificate expires when, and the reminder date."""
        return (
            f"The first certificate to expire is {self.what}, on "
            f"{self.expires:%d %B %Y}; the calendar file reminder.ics reminds you on "
            f"{self.remind_on:%d %B %Y}, {self.lead_days} days before."
        )

    def ics(self, *, now: dt.datetime | None = None) -> bytes:
        """An RFC 5545 calendar with one all-day event on `remind_on`."""
        calendar = icalendar.Calendar()
        calendar.add("prodid", _PRODUCT_ID)
        calendar.add("version", "2.0")
        event = icalendar.Event()
        # Stable across downloads of the same bundle: a calendar replaces, not duplicates.
        serial = self.certificate.fingerprint(hashes.SHA256()).hex()[:32]
        event.add("uid", f"{serial}-{self.lead_days}@mtls-kit")
        event.add("dtstamp", now or dt.datetime.now(dt.UTC))
        event.add("dtstart", self.remind_on)
        event.add("dtend", self.remind_on + dt.timedelta(days=1))
        event.add("summary", f"Certificate expires on {self.expires:%d %B %Y}: {self.what}")
        event.add(
            "description",
            f"{self.what[0].upper()}{self.what[1:]} expires on "
            f"{self.expires:%d %B %Y at %H:%M} UTC. {self.todo}",
        )
        calendar.add_component(event)
        return bytes(calendar.to_ical())


def expiry_reminder(
    *,
    own: Sequence[x509.Certificate],
    partner: Sequence[x509.Certificate],
    lead_days: int = DEFAULT_LEAD_DAYS,
) -> ExpiryReminder:
    """The reminder for whichever of `own` (your chain) and `partner` expires first."""
    if not 1 <= lead_days <= 365:
        raise ReminderError("Choose a reminder between 1 and 365 days before the expiry.")
    candidates: list[tuple[x509.Certificate, Owner]] = [
        *((cert, "own") for cert in own),
        *((cert, "partner") for cert in partner),
    ]
    if not candidates:
        raise ReminderError("There is no certificate to remind you about yet.")
    cert, owner = min(candidates, key=lambda pair: pair[0].not_valid_after_utc)
    expires = cert.not_valid_after_utc
    return ExpiryReminder(
        cert, owner, expires, expires.date() - dt.timedelta(days=lead_days), lead_days
    )


def _name(cert: x509.Certificate) -> str:
    # The certificate's words go into the .ics and the README: one line, in order (issue 19).
    return one_line(
        first_attribute(cert.subject, NameOID.COMMON_NAME)
        or first_attribute(cert.subject, NameOID.ORGANIZATION_NAME)
        or cert.subject.rfc4514_string()
        or "unnamed"
    )
