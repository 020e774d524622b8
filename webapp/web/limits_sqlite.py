"""Rate-limit counters in the embedded SQLite file, shared by every worker on the host.

Issue 19, point 8: with the default embedded deployment (gunicorn, 2+ workers, SQLite vault)
the counters were in each worker's memory, so a per-address limit of N let N per worker
through: 40 fetches in a minute from one address all reached the partner. The counters now
live in a small table of the vault's SQLite file (not in the vault: no session, no secret;
the keys are Flask-Limiter's, the client address and a hash of the session token).

A `limits` storage for the fixed-window strategy (Flask-Limiter's default), registered as
the scheme `mtls-sqlite:///<path>`. One UPSERT per hit: atomic across processes (SQLite's
write lock), a window that has run out starts again from this hit. Connections are kept per
thread and per process, never closed while running, for the reasons vault/sqlite_file.py gives
(closing a connection to a file drops this process's locks on it, the vault's included).
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import time

from limits.storage import Storage

from ..vault.sqlite_file import connect_wal

__all__ = ["SCHEME", "SQLiteLimitStorage"]

SCHEME = "mtls-sqlite"
# Expired counters are deleted along with every Nth hit (an indexed range delete).
PURGE_EVERY_HITS = 200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_limits (
    key         TEXT PRIMARY KEY NOT NULL,
    hits        INTEGER NOT NULL,
    expires_at  REAL NOT NULL  -- unix time, seconds
);
CREATE INDEX IF NOT EXISTS rate_limits_expires_at ON rate_limits (expires_at);
"""
_HIT = """
INSERT INTO rate_limits (key, hits, expires_at) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN expires_at <= :now THEN :amount ELSE hits + :amount END,
    expires_at = CASE WHEN expires_at <= :now THEN :now + :expiry ELSE expires_at END
RETURNING hits
"""


class SQLiteLimitStorage(Storage):
    """Fixed-window counters in a SQLite file (`mtls-sqlite:///<absolute path>`)."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (limits reads a list by this name)

    def __init__(
        self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._path = uri[len(SCHEME) + len("://") :]
        if not self._path:
            raise ValueError(f"{SCHEME}:// needs a file path: {SCHEME}:///<path>")
        self._timeout = float(options.get("timeout", 5.0))
        self._local = threading.local()
        self._schema_lock = threading.Lock()
        self._schema_ready = False
        self._hits = itertools.count(1)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        conn = self._connection()
        now = time.time()
        if next(self._hits) % PURGE_EVERY_HITS == 0:
            conn.execute("DELETE FROM rate_limits WHERE expires_at <= ?", (now,))
        row = conn.execute(_HIT, {"key": key, "amount": amount, "now": now, "expiry": expiry})
        return int(row.fetchone()[0])

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row[1]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1 FROM rate_limits LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM rate_limits").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM rate_limits WHERE key = ?", (key,))

    def _row(self, key: str) -> tuple[int, float] | None:
        rows = (
            self._connection()
            .execute(
                "SELECT hits, expires_at FROM rate_limits WHERE key = ? AND expires_at > ?",
                (key, time.time()),
            )
            .fetchall()
        )
        return rows[0] if rows else None

    def _connection(self) -> sqlite3.Connection:
        held = getattr(self._local, "held", None)
        if held is None or held[1] != os.getpid():
            # A worker forked after the parent used the file opens its own (the parent's
            # connection is left alone, as in sqlite_backend.py).
            held = (self._open(), os.getpid())
            self._local.held = held
        return held[0]

    def _open(self) -> sqlite3.Connection:
        # The vault's own opener (owner-only file, WAL, autocommit: the UPSERT is one statement).
        conn = connect_wal(self._path, timeout=self._timeout)
        with self._schema_lock:
            if not self._schema_ready:
                conn.executescript(_SCHEMA)
                self._schema_ready = True
        return conn
