"""Storage outages mid-procedure: a 503 page that says the work is kept, no crash, recovery.

Two ways Redis goes away, because production sees both:
- stopped and restarted (an upgrade, a failover, a crash): connections are refused, so the
  503 comes at once; the restarted server reloads its append-only file, and the app must
  replace its dead pooled connections by itself. The test Redis runs with
  `--appendonly yes --appendfsync always`, as a Redis holding users' work should.
- frozen with SIGSTOP (a network partition, a hung host): connections stay open and nothing
  answers, so only the storage timeout (FLASK_VAULT_STORAGE_TIMEOUT) ends the wait.
SQLite: another process holds the write lock (`BEGIN EXCLUSIVE`) longer than the busy timeout.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from bench.browser import Browser, HTTPResponse
from bench.procedure import Materials, ProcedureWalk, zip_members
from bench.servers import AppServer, RedisServer

from .conftest import app_env

# errors.storage_unavailable, with SESSION_IDLE_TIMEOUT at its default of 30 minutes.
STORAGE_MESSAGE = re.compile(r"Storage is unavailable.*Your work is kept for 30 minutes", re.S)


@pytest.mark.redis
def test_redis_restart_mid_procedure_is_a_503_then_the_user_continues(
    start_redis: Callable[..., RedisServer],
    start_app: Callable[..., AppServer],
    materials: Materials,
) -> None:
    redis_server = start_redis(persistent=True)
    app = start_app(app_env(redis_server.url, materials))
    workers = app.worker_pids()
    with Browser() as browser:
        walk = ProcedureWalk(browser, [app.base_url], materials).run(until="upload certificates")
        redis_server.stop()

        _assert_storage_unavailable(walk.attempt(), htmx=True)
        assert walk.next_step == "upload certificates"
        _assert_storage_unavailable(browser.get(app.base_url + "/", fragment=False), htmx=False)
        assert _probe(app, "/readyz") == (503, {"status": "storage unavailable"})
        assert _probe(app, "/healthz") == (200, {"status": "ok"})

        redis_server.start()  # same port and folder: the append-only file brings the data back
        assert _probe(app, "/readyz") == (200, {"status": "ready"})
        walk.run()  # the upload again, then the rest, on the work saved before the outage

    assert set(zip_members(walk.bundle)) >= {"keystore.jks", "truststore.jks", "destination.json"}
    _assert_no_crash(app, workers)


@pytest.mark.redis
def test_redis_not_answering_is_a_503_after_the_storage_timeout_then_recovers(
    start_redis: Callable[..., RedisServer],
    start_app: Callable[..., AppServer],
    materials: Materials,
) -> None:
    redis_server = start_redis()
    app = start_app(app_env(redis_server.url, materials))  # storage timeout: 1 s
    workers = app.worker_pids()
    with Browser() as browser:
        walk = ProcedureWalk(browser, [app.base_url], materials).run(until="truststore settings")
        redis_server.pause()
        try:
            started = time.monotonic()
            _assert_storage_unavailable(walk.attempt(), htmx=True)
            # One socket timeout, plus the single retry redis-py makes: not a long hang.
            assert time.monotonic() - started < 4
            assert _probe(app, "/readyz") == (503, {"status": "storage unavailable"})
            assert _probe(app, "/healthz") == (200, {"status": "ok"})
        finally:
            redis_server.resume()
        walk.run()

    assert "truststore.jks" in zip_members(walk.bundle)
    _assert_no_crash(app, workers)


def test_sqlite_locked_is_a_503_then_recovers(
    start_app: Callable[..., AppServer], materials: Materials, tmp_path: Path
) -> None:
    db = tmp_path / "vault.db"
    app = start_app(app_env(f"sqlite:///{db}", materials))  # busy timeout: 1 s
    workers = app.worker_pids()
    with Browser() as browser:
        walk = ProcedureWalk(browser, [app.base_url], materials).run(until="keystore settings")
        with closing(sqlite3.connect(db, isolation_level=None)) as blocker:
            blocker.execute("BEGIN EXCLUSIVE")  # another process stuck mid-write
            _assert_storage_unavailable(walk.attempt(), htmx=True)
            assert walk.next_step == "keystore settings"
            # The file still reads (WAL), but nothing can be written: not ready.
            assert _probe(app, "/readyz") == (503, {"status": "storage unavailable"})
            assert _probe(app, "/healthz") == (200, {"status": "ok"})
            blocker.execute("ROLLBACK")
        assert _probe(app, "/readyz") == (200, {"status": "ready"})
        walk.run()

    assert "keystore.jks" in zip_members(walk.bundle)
    _assert_no_crash(app, workers)


def _assert_storage_unavailable(response: HTTPResponse, *, htmx: bool) -> None:
    assert response.status == 503
    assert STORAGE_MESSAGE.search(response.text), response.text[:500]
    if htmx:
        # An alert on top of the wizard, which stays as it was (errors.py).
        assert response.header("HX-Retarget") == "#wizard"
    else:
        assert "<h1>Storage unavailable</h1>" in response.text


def _probe(app: AppServer, path: str) -> tuple[int, dict]:
    status, body = app.get(path)
    return status, json.loads(body)


def _assert_no_crash(app: AppServer, workers: list[int]) -> None:
    """The same workers still serve (none died or was killed as stuck); nothing unexpected."""
    assert app.worker_pids() == workers
    log = app.stderr_text()
    assert "Traceback" not in log
    assert "unexpected error" not in log and "unexpected_error" not in log
