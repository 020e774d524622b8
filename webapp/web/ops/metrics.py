"""Prometheus metrics at /metrics (issue 15), added up over every gunicorn worker.

prometheus-client runs in multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (gunicorn.conf.py
sets it up): each worker writes its counters to files there and a scrape adds them up, so
the numbers do not depend on which worker answers. Without it (flask run, tests) the
process's own registry is served.

What is counted, and where it comes from (views need no metrics calls):
- mtls_kit_procedures_completed_total: first bundle download of a session (a user who
  downloads the bundle again, or the single files, is not counted twice);
- mtls_kit_files_built_total{kind,format}: every download (each is built fresh);
- mtls_kit_partner_fetches_total{outcome}, mtls_kit_connection_tests_total{outcome}: by code;
  these three come from the audit trail (webapp.web.ops.audit listener);
- mtls_kit_errors_shown_total{kind}: every message shown beside a field ("field:<name>") or
  as an alert ("alert:<title>"), from the templates rendered;
- mtls_kit_request_duration_seconds{route,method}: per URL rule (not the raw path, whose
  values would explode the label set), and per method from a fixed list (anything else is
  "other": 300 requests with made-up methods grew /metrics from 27 KB to 503 KB, issue 19);
- mtls_kit_upload_bytes{route}: sizes of multipart uploads;
- mtls_kit_vault_sessions / mtls_kit_vault_bytes / mtls_kit_vault_up: asked of the vault at
  scrape time (VaultBackend.stats(), bounded cost).

/metrics answers only clients in METRICS_ALLOWED_NETWORKS (default loopback), 404 otherwise.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, request, template_rendered
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ...vault import Vault, VaultUnavailable
from . import audit

__all__ = ["bp", "init_app"]

PROCEDURES = Counter(
    "mtls_kit_procedures_completed", "Procedures completed: first bundle download of a session"
)
FILES_BUILT = Counter("mtls_kit_files_built", "Files built for download", ["kind", "format"])
FETCHES = Counter("mtls_kit_partner_fetches", "Partner certificate fetches by outcome", ["outcome"])
CONNECTION_TESTS = Counter("mtls_kit_connection_tests", "Connection tests by outcome", ["outcome"])
ERRORS_SHOWN = Counter("mtls_kit_errors_shown", "Messages shown to users by kind", ["kind"])
LATENCY = Histogram(
    "mtls_kit_request_duration_seconds",
    "Request latency by route",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
UPLOAD_BYTES = Histogram(
    "mtls_kit_upload_bytes",
    "Sizes of uploads (whole request body)",
    ["route"],
    buckets=(1024, 4096, 16384, 65536, 262144, 1048576),
)

DEFAULT_ALLOWED = '["127.0.0.0/8", "::1/128"]'
_FILE_ACTIONS = {
    "keystore.downloaded": "keystore",
    "truststore.downloaded": "truststore",
    "certificate.downloaded": "certificate",
    "config.downloaded": "config",
    "bundle.downloaded": "bundle",
}
# Every label value that comes from a request is one of a fixed set (issue 19, point 4): a
# label value is a new series in every worker's multiprocess file, kept until restart.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Download names are the user's (keystore file name): only these extensions are labels.
_FILE_EXTENSIONS = frozenset({"jks", "p12", "pfx", "pem", "crt", "json", "zip", "ics", "csr"})
_PER_ENTRY_SUFFIX = re.compile(r"-[0-9a-f]{16,}$")  # alias-<fingerprint> fields: one kind
_SLUG = re.compile(r"[^a-z0-9]+")
# The text format every Prometheus version reads; our metric names need nothing newer.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

bp = Blueprint("metrics", __name__)


def init_app(app: Flask) -> None:
    """Time every request, count what users see, and serve /metrics to allowed networks."""
    app.extensions["metrics_allowed"] = _networks(app.config.get("METRICS_ALLOWED_NETWORKS"))
    app.after_request(_observe_request)
    template_rendered.connect(_count_errors_shown, app)
    audit.add_listener(_count_action)
    app.register_blueprint(bp)


@bp.get("/metrics")
def metrics() -> Response:
    """The metrics in Prometheus text format, for allowed addresses only."""
    if not _allowed(request.remote_addr):
        abort(404)  # not 403: nothing here for others to discover
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    vault_registry = CollectorRegistry(auto_describe=False)
    vault_registry.register(VaultCollector(current_app.extensions["mtls_vault"]))
    response = Response(body + generate_latest(vault_registry), mimetype=None)
    response.headers["Content-Type"] = CONTENT_TYPE
    response.headers["Cache-Control"] = "no-store"
    return response


class VaultCollector(Collector):
    """Sessions and bytes in the vault, asked of the backend at scrape time."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("mtls_kit_vault_up", "1 if the vault answered the stats query")
        try:
            stats = self._vault.stats()
        except VaultUnavailable:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "mtls_kit_vault_sessions", "Unexpired sessions in the vault", value=stats.sessions
        )
        yield GaugeMetricFamily(
            "mtls_kit_vault_bytes", "Bytes of encrypted session records", value=stats.bytes
        )


def _observe_request(response: Response) -> Response:
    # url_rule.rule is one of the app's own rules, never the path as sent.
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    method = request.method if request.method in _METHODS else "other"
    started = g.get("request_started")
    if started is not None:
        LATENCY.labels(route, method).observe(time.perf_counter() - started)
    if request.mimetype == "multipart/form-data" and request.content_length:
        UPLOAD_BYTES.labels(route).observe(request.content_length)
    return response


def _count_errors_shown(
    sender: Flask, template: Any, context: dict[str, Any], **extra: Any
) -> None:
    if template.name in ("error.html", "_alert.html"):
        ERRORS_SHOWN.labels("alert:" + _slug(str(context.get("title") or "alert"))).inc()
        return
    for name, message in (context.get("errors") or {}).items():
        if message:
            ERRORS_SHOWN.labels("field:" + _PER_ENTRY_SUFFIX.sub("", str(name))).inc()


def _count_action(action: str, fields: dict[str, Any]) -> None:
    if action in _FILE_ACTIONS:
        extension = str(fields.get("file", "")).rpartition(".")[2].lower()
        extension = extension if extension in _FILE_EXTENSIONS else "other" if extension else "none"
        FILES_BUILT.labels(_FILE_ACTIONS[action], extension).inc()
        if action == "bundle.downloaded" and fields.get("first"):
            PROCEDURES.inc()
    elif action == "partner.fetched":  # outcomes: the app's own codes, a fixed set
        FETCHES.labels(str(fields.get("outcome", "unknown"))).inc()
    elif action == "connection.tested":
        CONNECTION_TESTS.labels(str(fields.get("outcome", "unknown"))).inc()


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:40] or "alert"


def _networks(value: Any) -> tuple[Any, ...]:
    raw = json.loads(value) if isinstance(value, str) else value
    if raw is None:
        raw = json.loads(DEFAULT_ALLOWED)
    if not isinstance(raw, list):
        raise ValueError(
            "FLASK_METRICS_ALLOWED_NETWORKS must be a JSON list of networks, "
            'for example ["127.0.0.0/8", "10.0.5.0/24"]'
        )
    return tuple(ipaddress.ip_network(str(entry), strict=False) for entry in raw)


def _allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in current_app.extensions["metrics_allowed"])
