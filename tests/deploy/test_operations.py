"""What operators rely on, through a real gunicorn with gunicorn.conf.py: JSON request logs
without secrets, and the worker settings."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.browser import Browser
from bench.procedure import KEYSTORE_PASSWORD, STEPS, TRUSTSTORE_PASSWORD, Materials, ProcedureWalk
from bench.servers import AppServer

from .conftest import app_env

LOG_FIELDS = {"request_id", "method", "path", "status", "ms", "htmx"}
QUERY_SECRET = "query-secret-4711"


@pytest.fixture(scope="module")
def logging_app(
    materials: Materials, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    """JSON logs on; workers left to gunicorn.conf.py (no WEB_CONCURRENCY)."""
    folder = tmp_path_factory.mktemp("logging-app")
    env = app_env(f"sqlite:///{folder / 'vault.db'}", materials, FLASK_LOG_JSON="true")
    del env["WEB_CONCURRENCY"]
    with AppServer(folder, env=env, name="logging") as server:
        yield server


def test_one_json_line_per_request_with_id_and_no_secrets(
    logging_app: AppServer, materials: Materials
) -> None:
    already = len(logging_app.stdout_text().splitlines())  # start-up health probes
    with Browser() as browser:
        traced = browser.get(
            logging_app.base_url + "/healthz", headers={"X-Request-Id": "trace-abc-123"}
        )
        hostile = browser.get(
            logging_app.base_url + "/healthz", headers={"X-Request-Id": "<script>" + "x" * 80}
        )
        browser.get(f"{logging_app.base_url}/finish/preview?reveal=1&token={QUERY_SECRET}")
        ProcedureWalk(browser, [logging_app.base_url], materials).run()

    lines = logging_app.stdout_text().splitlines()[already:]
    # Audit lines (issue 15) share stdout; they are tested in tests/web/test_audit.py.
    records = [r for r in map(json.loads, lines) if r.get("log") != "audit"]
    assert len(records) == 3 + len(STEPS)
    assert all(set(record) == LOG_FIELDS for record in records)
    assert records[0]["request_id"] == traced.header("X-Request-Id") == "trace-abc-123"
    assert re.fullmatch(r"[0-9a-f]{16}", records[1]["request_id"])  # replaced, not logged
    assert records[1]["request_id"] == hostile.header("X-Request-Id")
    assert len({record["request_id"] for record in records}) == len(records)
    assert [(r["method"], r["path"]) for r in records[2:4]] == [
        ("GET", "/finish/preview"),
        ("GET", "/"),
    ]
    assert [r["method"] for r in records[3:]] == ["GET", *["POST"] * 5, "GET"]
    assert all(isinstance(r["status"], int) and isinstance(r["ms"], float) for r in records)
    assert (records[-1]["path"], records[-1]["status"]) == ("/finish/bundle.zip", 200)

    everything = logging_app.stdout_text() + logging_app.stderr_text()
    for secret in (
        QUERY_SECRET,
        materials.p12_password,
        KEYSTORE_PASSWORD,
        TRUSTSTORE_PASSWORD,
        *browser.cookies.values(),
    ):
        assert secret not in everything


def test_gunicorn_conf_runs_two_workers_per_core_without_control_socket(
    logging_app: AppServer,
) -> None:
    assert len(logging_app.worker_pids()) == 2 * len(os.sched_getaffinity(0))
    log = logging_app.stderr_text()
    assert "Using worker: gthread" in log
    assert "Control socket" not in log  # two instances on one host would fight over it


def test_json_logs_are_off_by_default(
    start_app: Callable[..., AppServer], materials: Materials, tmp_path: Path
) -> None:
    app = start_app(app_env(f"sqlite:///{tmp_path / 'vault.db'}", materials))
    with Browser() as browser:
        assert browser.get(app.base_url + "/", fragment=False).status == 200
    assert app.stdout_text() == ""
