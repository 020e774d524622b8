"""The expiry reminder (.ics, RFC 5545) and its README sentence (issue 13)."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from tests.support.throwaway_pki import ThrowawayCA
from webapp.pki.java import ReminderError, expiry_reminder
from webapp.pki.java.reminder import DEFAULT_LEAD_DAYS

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def ca() -> ThrowawayCA:
    return ThrowawayCA("Reminder Root", key_kind="ec256")


@pytest.mark.parametrize("lead_days", [DEFAULT_LEAD_DAYS, 10])
@pytest.mark.parametrize("soonest", ["own", "partner"])
def test_the_event_falls_lead_days_before_the_earliest_expiry(ca, lead_days, soonest):
    own = ca.issue_client(
        "Our Client", not_after=NOW + dt.timedelta(days=200 if soonest == "partner" else 100)
    )
    partner = ca.issue_server("partner.example")  # 365 days
    partner_cert = (
        partner.cert
        if soonest == "own"
        else ca.issue_client("Partner Leaf", not_after=NOW + dt.timedelta(days=50)).cert
    )
    reminder = expiry_reminder(
        own=own.full_chain, partner=[partner_cert, ca.root.cert], lead_days=lead_days
    )
    expected = own.cert if soonest == "own" else partner_cert

    calendar = icalendar.Calendar.from_ical(reminder.ics())
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == (
        expected.not_valid_after_utc.date() - dt.timedelta(days=lead_days)
    )
    assert reminder.certificate == expected and reminder.owner == soonest
    name = "Our Client" if soonest == "own" else "Partner Leaf"
    assert name in str(event.get("summary")) and name in str(event.get("description"))
    todo = "Renew it" if soonest == "own" else "Ask the partner for its new certificate"
    assert todo in str(event.get("description"))
    assert calendar.get("version") == "2.0"
    sentence = reminder.readme_sentence()
    assert f"{expected.not_valid_after_utc:%d %B %Y}" in sentence
    assert f"{reminder.remind_on:%d %B %Y}, {lead_days} days before" in sentence


def test_the_same_certificate_gives_the_same_event_uid(ca):
    own = ca.issue_client("Stable")
    first = icalendar.Calendar.from_ical(expiry_reminder(own=[own.cert], partner=[]).ics())
    again = icalendar.Calendar.from_ical(expiry_reminder(own=[own.cert], partner=[]).ics())
    assert first.walk("VEVENT")[0]["uid"] == again.walk("VEVENT")[0]["uid"]


@pytest.mark.parametrize(
    "own, lead_days, message",
    [
        (False, 30, "There is no certificate to remind you about yet."),
        (True, 0, "Choose a reminder between 1 and 365 days before the expiry."),
    ],
)
def test_impossible_reminders_are_refused_in_plain_words(ca, own, lead_days, message):
    with pytest.raises(ReminderError, match=f"^{message}$"):
        expiry_reminder(own=[ca.root.cert] if own else [], partner=[], lead_days=lead_days)


def test_the_bundle_carries_the_reminder_and_names_the_dates(ca):
    import io
    import zipfile

    from webapp.pki.certs import describe_certificate
    from webapp.pki.java import DestinationConfig, build_bundle

    own = ca.issue_client("Bundle Client", not_after=NOW + dt.timedelta(days=90))
    partner = ca.issue_server("partner.example")
    reminder = expiry_reminder(own=own.full_chain, partner=[partner.cert])
    destination = DestinationConfig(
        "https://partner.example/api", "POST", "/k.jks", "pw1", "/t.jks", "pw2"
    )
    data = build_bundle(
        keystore=("keystore.jks", b"k"),
        truststore=("truststore.jks", b"t"),
        config=("destination.json", b"{}"),
        certificate=("client.pem", b"c"),
        destination=destination,
        own=describe_certificate(own.cert),
        trusted=[describe_certificate(partner.cert)],
        reminder=reminder,
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        readme = archive.read("README.txt").decode()
        event = icalendar.Calendar.from_ical(archive.read("reminder.ics")).walk("VEVENT")[0]
    assert reminder.readme_sentence() in readme
    assert "your certificate “Bundle Client”" in readme
    assert event.decoded("dtstart") == own.cert.not_valid_after_utc.date() - dt.timedelta(days=30)
