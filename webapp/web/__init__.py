"""Flask glue around the core: the vault session, security headers, the language, errors,
rate limits, static files, the outbound settings, and (in ops/) the audit trail, metrics and
request logs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Every piece of glue, in the order they wrap a request (logs and headers outermost)."""
    from . import (
        errors,
        languages,
        limits,
        outbound,
        security,
        sessions,
        static_files,
        vault_commands,
    )
    from .ops import audit, metrics, observability

    observability.init_app(app)
    security.init_app(app)
    languages.init_app(app)
    sessions.init_app(app)
    limits.init_app(app)
    errors.init_app(app)
    static_files.init_app(app)
    outbound.init_app(app)
    audit.init_app(app)
    metrics.init_app(app)
    vault_commands.init_app(app)
