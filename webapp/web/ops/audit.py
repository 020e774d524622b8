"""The audit trail: one JSON line per meaningful action, on the `mtls_kit.audit` logger.

Operators route it like any logger (it writes JSON lines to stdout unless AUDIT_STDOUT is off,
then it propagates to whatever logging they configured). Each line names the time (UTC), the
request id, the user (from the SSO proxy's header, see `current_user`), the client address
(after ProxyFix), the action and its public facts: certificate subjects and SHA-256
fingerprints, the partner host, file names, outcome codes.

Never a password, a key or a session token: fields whose names suggest one are dropped (and
the drop is logged as a warning, so a careless call is found in review, not in an incident),
and values must be plain JSON (bytes are refused, so a key cannot slip in as bytes).

Other code records an action with one call::

    audit("connection.tested", partner_host=target.host, outcome="handshake-ok")
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from cryptography import x509
from flask import Flask, current_app, g, has_request_context, request

from ...pki.certs.describe import fingerprint_sha256
from .observability import StdoutHandler

__all__ = [
    "ACTIONS",
    "add_listener",
    "audit",
    "certificate_facts",
    "current_user",
    "init_app",
    "logger",
    "outcome_code",
]

logger = logging.getLogger("mtls_kit.audit")
_warnings = logging.getLogger(__name__)

# The actions the app records; other engineers add theirs here (a typo then fails the tests).
ACTIONS = frozenset(
    {
        "keypair.imported",
        "keystore.downloaded",
        "certificate.downloaded",
        "truststore.downloaded",
        "partner.fetched",
        "connection.tested",
        "config.downloaded",
        "bundle.downloaded",
        "session.erased",
        "keystore.opened",
        "careply.imported",
        "lastyear.opened",
        "lastyear.renewed",
        "keypair.generated",
        "request.downloaded",
        "truststore.opened",
        "reminder.downloaded",
    }
)
_SECRET_NAMES = re.compile(r"pass|secret|token|private|key_pem|cookie|credential", re.IGNORECASE)
_MAX_USER = 200  # a user name from a header; longer is not a user name
# Called with (action, fields) after each line: the metrics count actions without views
# having to call a second API (see webapp.web.ops.metrics).
_listeners: list[Callable[[str, dict[str, Any]], None]] = []


def add_listener(listener: Callable[[str, dict[str, Any]], None]) -> None:
    """Call `listener(action, fields)` for every audited action (once per process)."""
    if listener not in _listeners:
        _listeners.append(listener)


def init_app(app: Flask) -> None:
    """Write audit lines to stdout (JSON, one per line) unless AUDIT_STDOUT is False."""
    if app.config.get("AUDIT_STDOUT", True):
        if not any(isinstance(h, StdoutHandler) for h in logger.handlers):
            handler = StdoutHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO)


def audit(action: str, **fields: Any) -> None:
    """Log one audit line for `action` with `fields` (public facts only; JSON values)."""
    if action not in ACTIONS:
        _warnings.warning(
            "audit: unknown action %r (add it to webapp.web.ops.audit.ACTIONS)", action
        )
    line: dict[str, Any] = {
        "log": "audit",  # tells audit lines from request lines when both go to stdout
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "action": action,
    }
    if has_request_context():
        line.update(request_id=g.get("request_id"), user=current_user(), client=request.remote_addr)
    for name, value in fields.items():
        if _SECRET_NAMES.search(name) or isinstance(value, (bytes, bytearray)):
            _warnings.warning(
                "audit: field %r dropped from %s (it may hold a secret)", name, action
            )
            continue
        line[name] = value
    logger.info(json.dumps(line, ensure_ascii=False, default=str))
    for listener in _listeners:
        listener(action, line)


def current_user() -> str | None:
    """The user the SSO proxy authenticated, from USER_HEADER (e.g. X-Forwarded-User).

    Honoured only behind a trusted proxy (PROXY_FIX > 0): without one, anybody could send the
    header and write any name into the audit trail.
    """
    header = current_app.config.get("USER_HEADER")
    if not header or int(current_app.config.get("PROXY_FIX") or 0) <= 0:
        return None
    value = request.headers.get(header, "")
    shown = "".join(ch for ch in value if ch.isprintable())[:_MAX_USER].strip()
    return shown or None


def certificate_facts(certificates: Iterable[x509.Certificate]) -> list[dict[str, str]]:
    """Subject and SHA-256 fingerprint of each certificate, for an audit line."""
    return [
        {"subject": c.subject.rfc4514_string(), "sha256": fingerprint_sha256(c)}
        for c in certificates
    ]


def outcome_code(exc: BaseException | None) -> str:
    """A stable code for an outcome: "ok", or the error's class in kebab case
    (NameNotFound -> "name-not-found", ProxyRefused -> "proxy-refused")."""
    if exc is None:
        return "ok"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", type(exc).__name__).lower()
