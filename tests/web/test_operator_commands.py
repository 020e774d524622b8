"""Issue 15: `flask --app webapp vault stats|purge`, through Flask's CLI runner."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from flask import Flask

from tests.conftest import ThrowawayPki, app_config_for
from webapp import create_app


def make_app(tmp_path: Path, pki: ThrowawayPki) -> Flask:
    return create_app(app_config_for(tmp_path, pki, SESSION_IDLE_TIMEOUT=60))


def expire_one(tmp_path: Path) -> None:
    """Backdate one record's expiry, as if its user left an hour ago."""
    with sqlite3.connect(tmp_path / "vault.db") as conn:
        conn.execute(
            "UPDATE vault_records SET expires_at = ? WHERE rowid = "
            "(SELECT min(rowid) FROM vault_records)",
            (int(time.time() * 1000) - 3600_000,),
        )
    conn.close()


def test_stats_and_purge_of_expired_sessions(tmp_path, throwaway_pki):
    app = make_app(tmp_path, throwaway_pki)
    vault = app.extensions["mtls_vault"]
    for i in range(3):
        vault.new_session({"n": i})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["vault", "stats"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ") for line in result.output.splitlines())
    assert lines["sessions"] == "3" and int(lines["bytes"]) > 0
    expire_one(tmp_path)
    result = runner.invoke(args=["vault", "purge"])
    assert (result.exit_code, result.output) == (0, "purged 1 expired session(s)\n")
    assert "sessions: 2\n" in runner.invoke(args=["vault", "stats"]).output
    vault.close()


def test_purge_all_asks_first_and_stops_on_no(tmp_path, throwaway_pki):
    app = make_app(tmp_path, throwaway_pki)
    vault = app.extensions["mtls_vault"]
    token = vault.new_session({"keep": True})
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["vault", "purge", "--all"], input="n\n")
    assert refused.exit_code == 1 and "Erase EVERY session?" in refused.output
    assert vault.load(token) == {"keep": True}
    agreed = runner.invoke(args=["vault", "purge", "--all"], input="y\n")
    assert agreed.exit_code == 0 and "purged 1 session(s)" in agreed.output
    assert vault.load(token) is None
    vault.new_session()
    assert "purged 1 session(s)" in runner.invoke(args=["vault", "purge", "--all", "--yes"]).output
    vault.close()
