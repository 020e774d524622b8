"""Turn the errors a user can run into into plain sentences, never a stack trace."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.wsgi import get_input_stream

from ..translation import N_, _
from ..vault import MAX_STATE_BYTES, StateTooLarge, VaultUnavailable
from .pages import pages

log = logging.getLogger(__name__)

# Which field (and step) an over-size upload belongs to, by the form it was posted to.
UPLOAD_FIELDS = {
    "/keystore/import": ("key_file", "keystore"),
    "/truststore/upload": ("cert_files", "truststore"),
    "/keystore/open": ("existing_keystore", "keystore"),
    "/keystore/ca-reply": ("ca_reply", "keystore"),
    "/truststore/open": ("existing_truststore", "truststore"),
}
# Read and discard at most this much of an over-size body, so the browser gets to read our
# answer instead of a connection reset; beyond it, the client is not a browser we serve.
DRAIN_LIMIT = 64 * 1024 * 1024
# The error pages' words for people (the status code's own text otherwise).
HTTP_MESSAGES = {
    404: N_("There is nothing at this address."),
    405: N_("This page cannot be used that way."),
    # Flask-Limiter's own description ("10 per 1 minute") is English and says nothing useful.
    429: N_("That was too many times in a short while. Wait a minute, then try again."),
}
# Werkzeug's names of the statuses a user can meet, for the page's title.
HTTP_TITLES = (
    N_("Bad Request"),
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Conflict"),
    N_("Request Entity Too Large"),
    N_("Too Many Requests"),
    N_("Internal Server Error"),
    N_("Service Unavailable"),
)


def file_too_large(limit: int) -> str:
    """The one sentence for an over-size upload: the server says it, and static/app.js (which
    refuses the file before it is sent) reads it from <body data-file-too-large>."""
    return _(
        "This file is too large. Key pair and certificate files are a few KB; "
        "the limit is {kb} KB. Check that you chose the right file.",
        kb=limit // 1024,
    )


def init_app(app: Flask) -> None:
    app.context_processor(
        lambda: {"file_too_large": file_too_large(int(current_app.config["MAX_CONTENT_LENGTH"]))}
    )
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(CSRFError, page_expired)
    app.register_error_handler(VaultUnavailable, storage_unavailable)
    app.register_error_handler(StateTooLarge, state_too_large)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)


def too_large(exc: RequestEntityTooLarge):
    _drain_body()
    limit = int(request.max_content_length or 0)
    message = file_too_large(limit)
    field, step = UPLOAD_FIELDS.get(request.path, ("form", ""))
    if request.content_length is not None and request.content_length <= limit:
        # Within the size limit, so Werkzeug stopped at the number of parts (issue 10, hole
        # 11: "This file is too large" for 250 small files was wrong and unhelpful).
        parts = int(current_app.config.get("MAX_FORM_PARTS") or 0)
        message = _(
            "You sent more files or fields at once than this form takes (at most "
            "{parts}). Choose fewer files, for example only the partner's chain.",
            parts=parts,
        )
    elif field == "form":  # no file was sent here: talking about files would mislead
        message = _("What you sent is far longer than any of these fields allows. Please check it.")
    # 200 with the message beside the field: the user stays in the flow (htmx swaps it in).
    return pages().render_wizard(errors={field: message}, focus=f"step-{step}" if step else None)


def page_expired(exc: CSRFError):
    return _alert(
        _("Page expired"),
        _("This page expired — reload to continue. Your work so far is kept."),
        400,
    )


def storage_unavailable(exc: VaultUnavailable):
    # The vault's message names only the cause ("database is locked", "redis ConnectionError"),
    # never session contents: operators need it to tell a lock from a full disk or a dead Redis.
    log.warning(_log_line("storage_unavailable", reason=str(exc)))
    minutes = int(current_app.config["SESSION_IDLE_TIMEOUT"]) // 60
    message = _(
        "Storage is unavailable for a moment. Your work is kept for {minutes} minutes: "
        "please try again shortly.",
        minutes=minutes,
    )
    return _alert(_("Storage unavailable"), message, 503)


def moved_session(message: str) -> Response:
    """The session moved to a new token while this request was on its way (sessions.py)."""
    return make_response(_alert(_("Please do that again"), message, 409))


def state_too_large(exc: StateTooLarge):
    # Nothing was written: the work saved before this request is intact (issue 10, hole 8).
    log.info(_log_line("state_too_large"))
    message = _(
        "This would make your saved work larger than the {kb} KB "
        "this server keeps for one session. Nothing was added: remove certificates "
        "you do not need, or upload only the partner's chain.",
        kb=MAX_STATE_BYTES // 1024,
    )
    return _alert(_("Too much to keep"), message, 413)


def http_error(exc: HTTPException):
    known = HTTP_MESSAGES.get(exc.code or 0)
    message = _(known) if known else exc.description or ""
    name = exc.name
    return _alert(_(name) if name in HTTP_TITLES else name, message, exc.code or 500)


def unexpected_error(exc: Exception):
    # Log the type only: a message or traceback could quote a password or key material.
    log.error(_log_line("unexpected_error", error=type(exc).__name__))
    message = _("Something went wrong on our side. Your work so far is kept: reload and try again.")
    return _alert(_("Something went wrong"), message, 500)


def _log_line(event: str, **facts: str) -> str:
    """One JSON object, like the request log: the path is the client's (decoded, so it may
    hold a line break or anything else) and must not become a line of its own (issue 19)."""
    record = {"event": event, **facts, "method": request.method, "path": request.path}
    return json.dumps({**record, "request_id": g.get("request_id")})


def _alert(title: str, message: str, status: int):
    """A full error page for a browser; for htmx, an alert on top of the wizard, which stays."""
    if pages().is_htmx():
        response = make_response(
            render_template("_alert.html", message=message, title=title), status
        )
        response.headers["HX-Retarget"] = "#wizard"
        response.headers["HX-Reswap"] = "afterbegin"
        return response
    return render_template("error.html", title=title, message=message), status


def _drain_body() -> None:
    if "wsgi.input" not in request.environ:
        return
    # Bounded by Content-Length: werkzeug's own server (`flask run`) hands over the raw socket,
    # and reading past the body would wait forever for bytes the browser never sends.
    stream = get_input_stream(request.environ, max_content_length=None)
    remaining = DRAIN_LIMIT
    try:
        while remaining > 0:
            chunk = stream.read(min(65536, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
    except (OSError, ClientDisconnected):
        pass  # the body ended early (part of it was already parsed): nothing left to drain
