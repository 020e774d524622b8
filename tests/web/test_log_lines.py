"""Issue 19, point 9: the `storage_unavailable` log line is JSON like the request log, so a
decoded path with a line break cannot write a line of its own into the operator's log."""

from __future__ import annotations

import json
import logging
import sqlite3
from contextlib import closing

import pytest

from tests.conftest import ThrowawayPki, app_config_for
from webapp import create_app

from .procedure import page_of, upload_certificates

FORGED = '\n{"event": "all fine", "path": "none"}'


def test_storage_unavailable_is_one_json_line_with_the_path_encoded(
    tmp_path, throwaway_pki: ThrowawayPki, caplog: pytest.LogCaptureFixture
):
    app = create_app(app_config_for(tmp_path, throwaway_pki, VAULT_STORAGE_TIMEOUT=0.2))
    client = app.test_client()
    page_of(upload_certificates(client, [(throwaway_pki.root_pem.read_bytes(), "root.pem")]))
    # Reads do not wait for a writer (WAL, issue 18): shut readers out too, with the file
    # held in exclusive locking mode (which needs the app's idle connections closed first).
    app.extensions["mtls_vault"].close()
    with closing(sqlite3.connect(tmp_path / "vault.db", isolation_level=None)) as blocker:
        blocker.execute("PRAGMA locking_mode = EXCLUSIVE")
        blocker.execute("BEGIN EXCLUSIVE")  # another process stuck mid-write
        with caplog.at_level(logging.WARNING, logger="webapp.web.errors"):
            # %0A: the path as the app sees it (decoded) holds a line break.
            response = client.get("/finish/snippets/x%0A" + FORGED.strip().replace(" ", "%20"))
        blocker.execute("ROLLBACK")
    assert response.status_code == 503
    (line,) = [r.getMessage() for r in caplog.records if r.name == "webapp.web.errors"]
    assert "\n" not in line
    record = json.loads(line)
    assert record["event"] == "storage_unavailable"
    assert record["path"].startswith("/finish/snippets/x\n{")
    assert record["reason"].startswith("session storage is unavailable: database is locked")
    assert record["method"] == "GET" and record["request_id"]
    app.extensions["mtls_vault"].close()
