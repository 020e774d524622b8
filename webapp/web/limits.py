"""Rate limits (Flask-Limiter): per client address AND per session.

The fetch rate limit used to count per session only, and a request without the cookie got a
new session: 25 of 25 fetches went through in 0.2 s, each creating a vault record (issue
10, hole 8). Now every fetch counts against the client's address (the real one: ProxyFix
runs first when PROXY_FIX is set) and, when it has one, against its session. Counters live
in the same Redis as the vault when FLASK_VAULT_URL is redis://, and in a table of the vault's
SQLite file otherwise (limits_sqlite.py), so all workers share them either way (issue 19,
point 8: in memory, each of gunicorn's workers counted its own). Counting never touches the
vault's records, so a refused fetch creates nothing there.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from typing import IO, Any

from flask import Flask, Request, current_app, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from flask_limiter.util import get_remote_address

from ..translation import N_, _
from .pages import pages
from .sessions import cookie_name

__all__ = ["FETCH_TOO_OFTEN", "init_app", "limit_fetches", "limit_outbound", "limiter"]

FETCH_TOO_OFTEN = N_(
    "You have checked many addresses in a short time. Wait a minute and try again."
)

limiter = Limiter(key_func=get_remote_address, default_limits=[])


class InMemoryUploadsRequest(Request):
    """Uploaded files are kept in memory, never spooled to a temporary file.

    The request is capped at MAX_CONTENT_LENGTH (1 MiB), so memory is bounded; key pair files
    never touch the disk; and a form whose parsing stops half-way (too many parts) leaves no
    temporary file open behind it (Werkzeug does not close those).
    """

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()


def init_app(app: Flask) -> None:
    """Counters in the vault's Redis when there is one, else in the vault's SQLite file;
    uploads in memory (see InMemoryUploadsRequest)."""
    from . import limits_sqlite  # registers the mtls-sqlite:// storage scheme

    app.request_class = InMemoryUploadsRequest
    vault_url = str(app.config.get("VAULT_URL") or "")
    if vault_url.startswith(("redis://", "rediss://")):
        app.config.setdefault("RATELIMIT_STORAGE_URI", vault_url)
    elif vault_url.startswith("unix://"):
        app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")  # limits has no unix://
    else:
        path = vault_url[len("sqlite:///") :] or os.path.join(app.instance_path, "vault.db")
        uri = f"{limits_sqlite.SCHEME}://{os.path.abspath(path)}"
        app.config.setdefault("RATELIMIT_STORAGE_URI", uri)
        # A busy file waits as long as the vault would, then counts in memory (fallback).
        timeout = app.config.get("VAULT_STORAGE_TIMEOUT")
        if timeout is not None:
            app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"timeout": float(timeout)})
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # A Redis outage must not turn every fetch into an error page: fall back to memory.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # One Limiter serves every app this process makes (tests, `flask` commands). Flask-Limiter
    # merges each app's storage options into the previous ones and keeps its "storage is
    # down" flag across init_app: a SQLite app's {"timeout"} reached the next app's Redis
    # client, which then counted in memory. Each app starts from a clean slate.
    limiter._storage_options = {}
    limiter._storage_dead = False
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _limit_exceeded)


def _limit_exceeded(exc: RateLimitExceeded) -> Any:
    # The on_breach callbacks below build the answer (the message beside the field); any
    # other limit gets the plain 429 page.
    if exc.response is not None:
        return exc.response
    from .errors import http_error

    return http_error(exc)


def _session_key() -> str:
    # A hash of the vault token: the token itself (it holds the key) never reaches Redis.
    token = request.cookies.get(cookie_name(), "")
    return "session:" + hashlib.sha256(token.encode()).hexdigest()


def _no_session() -> bool:
    return not request.cookies.get(cookie_name())


def _per_session() -> str:
    return f"{int(current_app.config['FETCH_RATE_LIMIT'])}/minute"


def _per_address() -> str:
    return f"{int(current_app.config['FETCH_RATE_LIMIT_PER_ADDRESS'])}/minute"


def _refused_beside(field: str, focus: str) -> Callable[[RequestLimit], Any]:
    def refused(limit: RequestLimit) -> Any:
        # Beside the field, status 200, like every other fetch problem: the user stays in
        # the flow.
        return pages().render_wizard(
            errors={field: _(FETCH_TOO_OFTEN)},
            focus=focus,
            values={field: request.form.get(field, "")[:1000]},
        )

    return refused


def limit_outbound(field: str, focus: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view that connects to a partner: FETCH_RATE_LIMIT per session and
    FETCH_RATE_LIMIT_PER_ADDRESS per client address, each per minute. Every such view counts
    against the same allowance (the connection test of issue 11 as much as the fetch); a
    refusal is the message beside `field`, in the step `focus`."""
    refused = _refused_beside(field, focus)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        # shared_limit: one counter for every decorated view (limit() counts per view).
        per_session = limiter.shared_limit(
            _per_session,
            "fetch-session",
            key_func=_session_key,
            exempt_when=_no_session,
            on_breach=refused,
        )
        per_address = limiter.shared_limit(_per_address, "fetch-address", on_breach=refused)
        return per_address(per_session(view))

    return decorate


limit_fetches = limit_outbound("server_url", "step-truststore")
limit_fetches.__doc__ = "The fetch view's limits (limit_outbound beside the server address)."
