"""The check's pieces without a network: the "What will break when" dates, and the textfile's
metrics read back with prometheus_client's own parser."""

from __future__ import annotations

import datetime as dt

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.throwaway_pki import NOW, ThrowawayCA
from webapp.pki.check import CheckReport, Problem
from webapp.pki.check.prometheus import registry_for
from webapp.pki.check.timeline import break_dates


def test_break_dates_are_soonest_first_and_count_the_days():
    ca = ThrowawayCA("Timeline Root", key_kind="ec256")
    now = NOW.replace(microsecond=0)  # certificates keep whole seconds
    own = ca.issue_client("Me", key_kind="ec256", not_after=now + dt.timedelta(days=20))
    gone = ca.issue_client(
        "Gone",
        key_kind="ec256",
        not_before=now - dt.timedelta(days=30),
        not_after=now - dt.timedelta(days=2),
    )
    dates = break_dates(own.cert, [ca.root.cert, gone.cert, ca.root.cert], now=now)
    assert [d.when for d in dates] == sorted(d.when for d in dates)
    assert len(dates) == 3  # the repeated root is listed once
    first, mine, root = dates
    assert (first.past, first.days_left) == (True, -2)
    assert first.what.startswith("The partner's certificate ‘Gone")
    assert (mine.past, mine.days_left) == (False, 20)
    assert mine.what.startswith("Your certificate ‘Me")
    assert root.when == ca.root.cert.not_valid_after_utc


def test_metrics_escape_labels_and_mark_one_outcome():
    hostile = ThrowawayCA('Line\nbreak "quoted" \\ back', key_kind="ec256")
    report = CheckReport(
        "rejected",
        (Problem("rejected", "refused"), Problem("expires-soon", "soon")),
        checked_at=NOW,
    )
    registry = registry_for(report, [("truststore", 'alias "x"', hostile.root.cert)])
    families = {
        f.name: f for f in text_string_to_metric_families(generate_latest(registry).decode())
    }
    [expiry] = families["mtls_kit_certificate_expiry_timestamp_seconds"].samples
    assert expiry.labels == {
        "store": "truststore",
        "alias": 'alias "x"',
        "subject": hostile.root.cert.subject.rfc4514_string(),
    }
    assert expiry.value == hostile.root.cert.not_valid_after_utc.timestamp()
    assert [s.value for s in families["mtls_kit_check_ok"].samples] == [0]
    outcome = {s.labels["outcome"]: s.value for s in families["mtls_kit_check_outcome"].samples}
    assert outcome["rejected"] == 1 and sum(outcome.values()) == 1
    problems = {s.labels["code"] for s in families["mtls_kit_check_problem"].samples}
    assert problems == {"rejected", "expires-soon"}
    [when] = families["mtls_kit_check_timestamp_seconds"].samples
    assert when.value == NOW.timestamp()
