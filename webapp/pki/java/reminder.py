"""A calendar reminder before the first certificate of a connection expires (RFC 5545 .ics).

Issue 13: certificates expire, and nobody remembers the procedure a year later. The bundle
carries an .ics file with one all-day event a set number of days before the earliest expiry
among the user's own chain and the partner's certificates, saying which one expires and
what to do, plus the same dates as a sentence for the README. Its words are in the reader's
language (issue 23); the UID, which last year's files are read back by, never changes.
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
from webapp.translation import _, long_date, ngettext

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
    def name(self) -> str:
        """The certificate's name, on one line: "Client One"."""
        return _name(self.certificate)

    @property
    def todo(self) -> str:
        if self.owner == "own":
            return _(
                "Renew it: open the keystore in mtls-kit, make a new key pair or load the "
                "CA's renewed certificate, and send the partner the new certificate."
            )
        return _(
            "Ask the partner for its new certificate, then update the truststore in "
            "mtls-kit, keeping the old certificate until the partner has switched."
        )

    def readme_sentence(self) -> str:
        """For the bundle README: which certificate expires when, and the reminder date."""
        dates = {"expires": long_date(self.expires), "remind_on": long_date(self.remind_on)}
        if self.owner == "own":
            # English keeps "1 days" as it always wrote; a translation gets its own singular.
            return ngettext(
                "The first certificate to expire is your certificate “{name}”, on {expires}; "
                "the calendar file reminder.ics reminds you on {remind_on}, {n} days before.",
                "The first certificate to expire is your certificate “{name}”, on {expires}; "
                "the calendar file reminder.ics reminds you on {remind_on}, {n} days before.",
                self.lead_days,
                name=self.name,
                **dates,
            )
        return ngettext(
            "The first certificate to expire is the partner's certificate “{name}”, on "
            "{expires}; the calendar file reminder.ics reminds you on {remind_on}, {n} days "
            "before.",
            "The first certificate to expire is the partner's certificate “{name}”, on "
            "{expires}; the calendar file reminder.ics reminds you on {remind_on}, {n} days "
            "before.",
            self.lead_days,
            name=self.name,
            **dates,
        )

    def summary(self) -> str:
        """The calendar event's title."""
        date = long_date(self.expires)
        if self.owner == "own":
            return _(
                "Certificate expires on {date}: your certificate “{name}”",
                date=date,
                name=self.name,
            )
        return _(
            "Certificate expires on {date}: the partner's certificate “{name}”",
            date=date,
            name=self.name,
        )

    def description(self) -> str:
        """The calendar event's text: which certificate expires when, and what to do."""
        when = {"date": long_date(self.expires), "time": f"{self.expires:%H:%M}"}
        if self.owner == "own":
            expires = _(
                "Your certificate “{name}” expires on {date} at {time} UTC.", name=self.name, **when
            )
        else:
            expires = _(
                "The partner's certificate “{name}” expires on {date} at {time} UTC.",
                name=self.name,
                **when,
            )
        return f"{expires} {self.todo}"

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
        event.add("summary", self.summary())
        event.add("description", self.description())
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
        raise ReminderError(_("Choose a reminder between 1 and 365 days before the expiry."))
    candidates: list[tuple[x509.Certificate, Owner]] = [
        *((cert, "own") for cert in own),
        *((cert, "partner") for cert in partner),
    ]
    if not candidates:
        raise ReminderError(_("There is no certificate to remind you about yet."))
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
        or _("unnamed")
    )
