"""The vault's SQLite file: its 0600 creation, pragmas, schema, per-thread connections and
transactions (SQLiteBackend in sqlite_backend.py runs the queries over them).

Choices, and why:
- WAL journal: readers never block on a writer, commits are sequential appends.
  ``synchronous=NORMAL`` is durable against process crashes; a power cut can lose the last
  few commits, which for a 30-minute scratch session is an acceptable trade for no fsync
  per request.
- One connection per thread, kept open (threading.local), not one per call: closing the last
  connection checkpoints and deletes the WAL (an fsync per request), and reopening costs
  more than the query. Connections remember their process id so a worker forked after the
  parent touched the vault opens its own instead of sharing the parent's file locks
  (https://www.sqlite.org/howtocorrupt.html#_carrying_an_open_database_connection_across_a_fork_).
- ``secure_delete=ON``: a deleted session's bytes are overwritten in the file, not left in
  free pages ("wipe after download" means wiped).
- The file is created mode 0600; SQLite gives the -wal/-shm files the same mode.
- Every read-modify-write runs in ``BEGIN IMMEDIATE`` (transaction()): the write lock is
  taken before the read, so two processes can never both read the old record and overwrite
  each other. (A plain BEGIN would upgrade to a write lock later and fail with
  SQLITE_BUSY_SNAPSHOT.)
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from .errors import VaultUnavailable

# The backend's logger: its log lines keep the name they had before this module split off.
log = logging.getLogger("webapp.vault.sqlite_backend")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vault_records (
    storage_key BLOB PRIMARY KEY NOT NULL,
    record      BLOB NOT NULL,
    expires_at  INTEGER NOT NULL  -- unix time in milliseconds
);
CREATE INDEX IF NOT EXISTS vault_records_expires_at ON vault_records (expires_at);
-- Tokens rotated away from a moment ago (Vault.rotate): a mark only, no record, no link.
CREATE TABLE IF NOT EXISTS vault_moved (
    moved_key   BLOB PRIMARY KEY NOT NULL,
    expires_at  INTEGER NOT NULL
);
PRAGMA user_version = 1;
"""

# Connections a forked child inherited: never used, never closed (closing could drop locks
# the parent still holds). Kept referenced so garbage collection does not close them either.
_INHERITED_ACROSS_FORK: list[sqlite3.Connection] = []


class _ThreadConnection:
    """One thread's connection, tagged with the process that opened it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn: sqlite3.Connection | None = conn
        self.pid = os.getpid()


class SQLiteFile:
    """Per-thread connections to one vault file, opened on first use with the schema ready."""

    def __init__(self, path: str, *, busy_timeout: float) -> None:
        # Resolved now so a later chdir cannot move the store.
        self.path = os.path.abspath(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._all_connections: weakref.WeakSet[_ThreadConnection] = weakref.WeakSet()
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    def connection(self) -> sqlite3.Connection:
        held: _ThreadConnection | None = getattr(self._local, "held", None)
        if held is not None and held.pid != os.getpid():
            if held.conn is not None:
                _INHERITED_ACROSS_FORK.append(held.conn)
            held = None
        if held is None or held.conn is None:
            held = _ThreadConnection(self._open())
            self._local.held = held
            self._all_connections.add(held)
        assert held.conn is not None
        return held.conn

    def close(self) -> None:
        """Close every thread's connection; only call when no request is in flight."""
        for held in list(self._all_connections):
            if held.conn is not None and held.pid == os.getpid():
                held.conn.close()
                held.conn = None

    def _open(self) -> sqlite3.Connection:
        conn = None
        try:
            conn = connect_wal(self.path, timeout=self.busy_timeout)
            conn.execute("PRAGMA secure_delete = ON")
            self._ensure_schema(conn)
        except (sqlite3.DatabaseError, OSError) as exc:
            if conn is not None:
                conn.close()
            raise unavailable(exc) from exc
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        with self._schema_lock:
            if not self._schema_ready:
                # executescript commits by itself; IF NOT EXISTS makes racing workers harmless.
                conn.executescript(_SCHEMA)
                self._schema_ready = True

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self.connection()
        run_change(conn, "BEGIN IMMEDIATE", ())
        try:
            yield conn
        except BaseException:
            self._rollback(conn)
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            # A failed COMMIT (disk full) can leave the transaction open, holding the lock.
            self._rollback(conn)
            raise unavailable(exc) from exc

    def _rollback(self, conn: sqlite3.Connection) -> None:
        if not conn.in_transaction:
            return
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            # Never keep a connection that may still hold the write lock: drop it.
            log.warning("vault: rollback failed, discarding the SQLite connection")
            conn.close()
            held = getattr(self._local, "held", None)
            if held is not None:
                held.conn = None


def connect_wal(path: str, *, timeout: float) -> sqlite3.Connection:
    """An autocommit connection to the owner-only file at `path`, in WAL mode.

    Shared by the vault and the rate-limit counters (web/limits_sqlite.py), which live in
    the same file.
    """
    # Create the file owner-only before SQLite does (SQLite would use 0644 & umask).
    # O_EXCL: only ever create it. Opening and closing an existing database file drops
    # every POSIX lock this process holds on it, after which another process closing
    # its last connection believes it is alone and deletes the WAL under our feet.
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    # isolation_level=None: callers issue BEGIN/COMMIT themselves (or none: autocommit).
    # check_same_thread=False only so a connection can be closed from another thread.
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        _switch_to_wal(conn, timeout)
        conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def _switch_to_wal(conn: sqlite3.Connection, timeout: float) -> None:
    # Switching a new file to WAL needs an exclusive lock, and SQLite may answer "database is
    # locked" at once, without its busy timeout, when two processes open a new file together
    # (seen in CI). WAL is a property of the file: once one opener has set it the others see
    # it and skip the switch; until then they retry, for as long as the busy timeout.
    deadline = time.monotonic() + timeout
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def fetch_rows(conn: sqlite3.Connection, sql: str, params: tuple) -> list[tuple]:
    try:
        # fetchall(): a RETURNING statement only finishes once all rows are stepped.
        return conn.execute(sql, params).fetchall()
    except sqlite3.DatabaseError as exc:
        raise unavailable(exc) from exc


def run_change(conn: sqlite3.Connection, sql: str, params: tuple) -> int:
    try:
        return conn.execute(sql, params).rowcount
    except sqlite3.DatabaseError as exc:
        raise unavailable(exc) from exc


def unavailable(exc: BaseException) -> VaultUnavailable:
    # SQLite messages ("database is locked", "database or disk is full") never echo values.
    # OSError.strerror is the plain cause without the file name.
    if isinstance(exc, sqlite3.Error):
        reason = str(exc)
    else:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
    return VaultUnavailable(f"session storage is unavailable: {reason}")
