"""The check as a node-exporter textfile: expiry dates, ok, and the connection test's outcome.

Built with prometheus_client (already the portal's /metrics library), which escapes label
values (a subject may hold quotes, backslashes or line breaks) and whose write_to_textfile
writes a temporary file beside the target and renames it, so the textfile collector never
reads half a file.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography import x509
from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from webapp.pki.check.health import CheckReport
from webapp.pki.partner.outcomes import OUTCOMES

__all__ = ["Labelled", "registry_for", "write_textfile"]

# (store, alias, certificate): store is "keystore", "truststore" or "partner".
Labelled = tuple[str, str, x509.Certificate]


def registry_for(report: CheckReport, certificates: Iterable[Labelled]) -> CollectorRegistry:
    """A fresh registry holding this check's metrics only (none of the process's own)."""
    registry = CollectorRegistry()
    expiry = Gauge(
        "mtls_kit_certificate_expiry_timestamp_seconds",
        "When the certificate expires (Unix time), per store, alias and subject.",
        ["store", "alias", "subject"],
        registry=registry,
    )
    for store, alias, cert in certificates:
        expiry.labels(store, alias, cert.subject.rfc4514_string()).set(
            cert.not_valid_after_utc.timestamp()
        )
    Gauge("mtls_kit_check_ok", "1 when the setup is healthy, else 0.", registry=registry).set(
        1 if report.ok else 0
    )
    outcome = Gauge(
        "mtls_kit_check_outcome",
        "1 for the connection test's outcome, 0 for the others.",
        ["outcome"],
        registry=registry,
    )
    for code in dict.fromkeys([*OUTCOMES, report.outcome or "not-run"]):
        outcome.labels(code).set(1 if code == (report.outcome or "not-run") else 0)
    problems = Gauge(
        "mtls_kit_check_problem",
        "1 for each problem the check found, by code.",
        ["code"],
        registry=registry,
    )
    for problem in report.problems:
        problems.labels(problem.code).set(1)
    Gauge(
        "mtls_kit_check_timestamp_seconds", "When the check ran (Unix time).", registry=registry
    ).set(report.checked_at.timestamp())
    return registry


def write_textfile(path: str, registry: CollectorRegistry) -> None:
    """Write atomically (temporary file in the same folder, then rename)."""
    write_to_textfile(path, registry)
