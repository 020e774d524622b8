"""Request ids and request logs. Logs name the request, never its form data or files."""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time

from flask import Flask, Response, g, request

logger = logging.getLogger("mtls_kit.requests")

# Accept a caller's request id only if it looks like one: it ends up in our logs.
_MAX_REQUEST_ID = 64


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is when a line is logged, not when the app was made
    (a test harness or a reloader may swap it; a stale stream may already be closed)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout  # not setStream(): it would flush the old, maybe closed, one
        super().emit(record)


StdoutHandler = _StdoutHandler  # shared with webapp.web.ops.audit, so both log the same way


def init_app(app: Flask) -> None:
    """Give each request an id and, when LOG_JSON is set, log it as one JSON line."""
    if app.config.get("LOG_JSON"):
        # The logger is process-wide: creating a second app (tests, workers importing twice)
        # must not add a second handler and print every line twice.
        if not any(isinstance(h, _StdoutHandler) for h in logger.handlers):
            handler = _StdoutHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    app.before_request(_start_request)
    app.after_request(_finish_request)


def _start_request() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    valid = 0 < len(incoming) <= _MAX_REQUEST_ID and incoming.replace("-", "").isalnum()
    g.request_id = incoming if valid else secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    response.headers["X-Request-Id"] = g.get("request_id", "")
    started = g.get("request_started")
    record = {
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "htmx": request.headers.get("HX-Request") == "true",
    }
    logger.info(json.dumps(record))
    return response
