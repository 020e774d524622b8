"""Check a deployed setup on a schedule: own and partner expiry, the partner's chain today
against the truststore, and the connection test (issue 22). Prometheus output: prometheus.py."""

from webapp.pki.check.health import (
    DEFAULT_DAYS,
    EXPIRED,
    EXPIRES_SOON,
    PARTNER_CHANGED,
    PARTNER_EXPIRED,
    PARTNER_EXPIRES_SOON,
    CheckReport,
    Problem,
    check_setup,
)

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
