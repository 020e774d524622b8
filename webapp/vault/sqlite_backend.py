"""Vault records in one SQLite file, safe for several worker processes on one host.

Choices, and why:
- A read is a plain SELECT (no lock in WAL mode); it writes the idle expiry only when that is
  over a minute old (backend.refresh_after_ms), so page views do not queue for the write lock.
- Every read-modify-write runs in ``BEGIN IMMEDIATE``: the write lock is taken before the
  read, so two processes can never both read the old record and overwrite each other.
  (A plain BEGIN would upgrade to a write lock later and fail with SQLITE_BUSY_SNAPSHOT.)
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
"""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from .backend import Change, VaultStats, refresh_after_ms
from .errors import VaultUnavailable

__all__ = ["PURGE_EVERY_CREATES", "SQLiteBackend"]

log = logging.getLogger(__name__)

# Expired rows are deleted along with every Nth new session: cheap (indexed range delete)
# and keeps the table bounded by the sessions started in roughly one idle period.
PURGE_EVERY_CREATES = 50
# Milliseconds a read's expiry refresh waits for a busy write lock before giving up on it.
_TOUCH_WAIT_MS = 100

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


class SQLiteBackend:
    """VaultBackend over a SQLite file. Expiry is judged by ``clock`` (seconds, like time.time)."""

    def __init__(
        self, path: str, *, busy_timeout: float = 5.0, clock: Callable[[], float] = time.time
    ) -> None:
        # Resolved now so a later chdir cannot move the store.
        self._path = os.path.abspath(path)
        self._busy_timeout = busy_timeout
        self._clock = clock
        self._local = threading.local()
        self._all_connections: weakref.WeakSet[_ThreadConnection] = weakref.WeakSet()
        self._schema_lock = threading.Lock()
        self._schema_ready = False
        self._creates = itertools.count(1)

    # --- VaultBackend ---------------------------------------------------------------------
    def create(self, storage_key: bytes, record: bytes, *, ttl_ms: int) -> bool:
        with self._transaction() as conn:
            now = self._now_ms()
            if next(self._creates) % PURGE_EVERY_CREATES == 0:
                self._change(conn, "DELETE FROM vault_records WHERE expires_at <= ?", (now,))
                self._change(conn, "DELETE FROM vault_moved WHERE expires_at <= ?", (now,))
            try:
                conn.execute(
                    "INSERT INTO vault_records (storage_key, record, expires_at) VALUES (?, ?, ?)",
                    (storage_key, record, now + ttl_ms),
                )
            except sqlite3.IntegrityError:
                return False
            except sqlite3.DatabaseError as exc:
                raise _unavailable(exc) from exc
        return True

    def get(self, storage_key: bytes, *, ttl_ms: int) -> bytes | None:
        # A plain read (WAL: no lock, never waits for a writer); the expiry is written only
        # when it is more than refresh_after_ms behind, about once a minute per session.
        conn = self._connection()
        now = self._now_ms()
        rows = self._fetch(
            conn,
            "SELECT record, expires_at FROM vault_records WHERE storage_key = ? AND expires_at > ?",
            (storage_key, now),
        )
        if not rows:
            return None
        record, expires_at = rows[0]
        if now + ttl_ms - expires_at >= refresh_after_ms(ttl_ms):
            self._touch(conn, storage_key, now + ttl_ms, now)
        return record

    def _touch(self, conn: sqlite3.Connection, storage_key: bytes, expires: int, now: int) -> None:
        # One autocommit statement; "AND expires_at > ?": an expired row stays expired. It
        # waits for a busy write lock only briefly: the read already worked, a missed refresh
        # only shortens the session by a minute, and the next read tries again.
        try:
            conn.execute(f"PRAGMA busy_timeout = {_TOUCH_WAIT_MS}")
            self._change(
                conn,
                "UPDATE vault_records SET expires_at = max(expires_at, ?)"
                " WHERE storage_key = ? AND expires_at > ?",
                (expires, storage_key, now),
            )
        except (VaultUnavailable, sqlite3.DatabaseError) as exc:
            log.info("vault: expiry not refreshed (%s)", exc)
        finally:
            with suppress(sqlite3.DatabaseError):
                conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")

    def modify(self, storage_key: bytes, change: Change, *, ttl_ms: int) -> bytes | None:
        with self._transaction() as conn:
            rows = self._fetch(
                conn,
                "SELECT record FROM vault_records WHERE storage_key = ? AND expires_at > ?",
                (storage_key, self._now_ms()),
            )
            if not rows:
                return None
            new_record = change(rows[0][0])
            self._change(
                conn,
                "UPDATE vault_records SET record = ?, expires_at = ? WHERE storage_key = ?",
                (new_record, self._now_ms() + ttl_ms, storage_key),
            )
        return new_record

    def move(
        self,
        old_key: bytes,
        new_key: bytes,
        change: Change,
        *,
        ttl_ms: int,
        moved_key: bytes,
        moved_ttl_ms: int,
    ) -> bool | None:
        # One BEGIN IMMEDIATE: a request of another tab changes the old record either before
        # the move (and its change moves with it) or after (and finds it gone, and marked).
        with self._transaction() as conn:
            now = self._now_ms()
            rows = self._fetch(
                conn,
                "SELECT record FROM vault_records WHERE storage_key = ? AND expires_at > ?",
                (old_key, now),
            )
            if not rows:
                return None
            new_record = change(rows[0][0])
            try:
                conn.execute(
                    "INSERT INTO vault_records (storage_key, record, expires_at) VALUES (?, ?, ?)",
                    (new_key, new_record, now + ttl_ms),
                )
            except sqlite3.IntegrityError:
                return False
            except sqlite3.DatabaseError as exc:
                raise _unavailable(exc) from exc
            self._change(
                conn,
                "INSERT OR REPLACE INTO vault_moved (moved_key, expires_at) VALUES (?, ?)",
                (moved_key, now + moved_ttl_ms),
            )
            self._change(conn, "DELETE FROM vault_records WHERE storage_key = ?", (old_key,))
        return True

    def was_moved(self, moved_key: bytes) -> bool:
        rows = self._fetch(
            self._connection(),
            "SELECT 1 FROM vault_moved WHERE moved_key = ? AND expires_at > ?",
            (moved_key, self._now_ms()),
        )
        return bool(rows)

    def delete(self, storage_key: bytes) -> None:
        with self._transaction() as conn:
            self._change(conn, "DELETE FROM vault_records WHERE storage_key = ?", (storage_key,))

    def purge_expired(self) -> int:
        with self._transaction() as conn:
            purged = self._change(
                conn, "DELETE FROM vault_records WHERE expires_at <= ?", (self._now_ms(),)
            )
            self._change(conn, "DELETE FROM vault_moved WHERE expires_at <= ?", (self._now_ms(),))
        log.debug("purged %d expired vault records", purged)
        return purged

    def stats(self) -> VaultStats:
        # One indexed-table scan; the table holds about one idle period of sessions (purged).
        rows = self._fetch(
            self._connection(),
            "SELECT count(*), coalesce(sum(length(record)), 0) FROM vault_records"
            " WHERE expires_at > ?",
            (self._now_ms(),),
        )
        return VaultStats(sessions=int(rows[0][0]), bytes=int(rows[0][1]))

    def purge_all(self) -> int:
        with self._transaction() as conn:
            self._change(conn, "DELETE FROM vault_moved", ())
            return self._change(conn, "DELETE FROM vault_records", ())

    def ping(self) -> bool:
        try:
            self._fetch(self._connection(), "SELECT 1 FROM vault_records LIMIT 1", ())
        except VaultUnavailable:
            return False
        return True

    def close(self) -> None:
        """Close every thread's connection; only call when no request is in flight."""
        for held in list(self._all_connections):
            if held.conn is not None and held.pid == os.getpid():
                held.conn.close()
                held.conn = None

    # --- connections and transactions -----------------------------------------------------
    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _connection(self) -> sqlite3.Connection:
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

    def _open(self) -> sqlite3.Connection:
        conn = None
        try:
            # Create the file owner-only before SQLite does (SQLite would use 0644 & umask).
            # O_EXCL: only ever create it. Opening and closing an existing database file drops
            # every POSIX lock this process holds on it, after which another process closing
            # its last connection believes it is alone and deletes the WAL under our feet.
            with suppress(FileExistsError):
                os.close(os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
            # isolation_level=None: we issue BEGIN/COMMIT ourselves. check_same_thread=False
            # only so close() can close other threads' connections at shutdown.
            conn = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA secure_delete = ON")
            self._ensure_schema(conn)
        except (sqlite3.DatabaseError, OSError) as exc:
            if conn is not None:
                conn.close()
            raise _unavailable(exc) from exc
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        with self._schema_lock:
            if not self._schema_ready:
                # executescript commits by itself; IF NOT EXISTS makes racing workers harmless.
                conn.executescript(_SCHEMA)
                self._schema_ready = True

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        self._change(conn, "BEGIN IMMEDIATE", ())
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
            raise _unavailable(exc) from exc

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

    @staticmethod
    def _fetch(conn: sqlite3.Connection, sql: str, params: tuple) -> list[tuple]:
        try:
            # fetchall(): a RETURNING statement only finishes once all rows are stepped.
            return conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _unavailable(exc) from exc

    @staticmethod
    def _change(conn: sqlite3.Connection, sql: str, params: tuple) -> int:
        try:
            return conn.execute(sql, params).rowcount
        except sqlite3.DatabaseError as exc:
            raise _unavailable(exc) from exc


def _unavailable(exc: BaseException) -> VaultUnavailable:
    # SQLite messages ("database is locked", "database or disk is full") never echo values.
    # OSError.strerror is the plain cause without the file name.
    if isinstance(exc, sqlite3.Error):
        reason = str(exc)
    else:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
    return VaultUnavailable(f"session storage is unavailable: {reason}")
