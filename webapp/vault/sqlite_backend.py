"""Vault records in one SQLite file, safe for several worker processes on one host.

Choices, and why:
- A read is a plain SELECT (no lock in WAL mode); it writes the idle expiry only when that is
  over a minute old (backend.refresh_after_ms), so page views do not queue for the write lock.
- Every read-modify-write runs in ``BEGIN IMMEDIATE``: the write lock is taken before the
  read, so two processes can never both read the old record and overwrite each other.
- The file itself (0600, WAL, synchronous=NORMAL, secure_delete, one connection per thread
  and per process) is set up in sqlite_file.py, which gives the reasons.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import time
from collections.abc import Callable
from contextlib import suppress

from .backend import Change, VaultStats, refresh_after_ms
from .errors import VaultUnavailable
from .sqlite_file import SQLiteFile, fetch_rows, run_change, unavailable

__all__ = ["PURGE_EVERY_CREATES", "SQLiteBackend"]

log = logging.getLogger(__name__)

# Expired rows are deleted along with every Nth new session: cheap (indexed range delete)
# and keeps the table bounded by the sessions started in roughly one idle period.
PURGE_EVERY_CREATES = 50
# Milliseconds a read's expiry refresh waits for a busy write lock before giving up on it.
_TOUCH_WAIT_MS = 100


class SQLiteBackend:
    """VaultBackend over a SQLite file. Expiry is judged by ``clock`` (seconds, like time.time)."""

    def __init__(
        self, path: str, *, busy_timeout: float = 5.0, clock: Callable[[], float] = time.time
    ) -> None:
        self._file = SQLiteFile(path, busy_timeout=busy_timeout)
        self._clock = clock
        self._creates = itertools.count(1)

    # --- VaultBackend ---------------------------------------------------------------------
    def create(self, storage_key: bytes, record: bytes, *, ttl_ms: int) -> bool:
        with self._file.transaction() as conn:
            now = self._now_ms()
            if next(self._creates) % PURGE_EVERY_CREATES == 0:
                run_change(conn, "DELETE FROM vault_records WHERE expires_at <= ?", (now,))
                run_change(conn, "DELETE FROM vault_moved WHERE expires_at <= ?", (now,))
            try:
                conn.execute(
                    "INSERT INTO vault_records (storage_key, record, expires_at) VALUES (?, ?, ?)",
                    (storage_key, record, now + ttl_ms),
                )
            except sqlite3.IntegrityError:
                return False
            except sqlite3.DatabaseError as exc:
                raise unavailable(exc) from exc
        return True

    def get(self, storage_key: bytes, *, ttl_ms: int) -> bytes | None:
        # A plain read (WAL: no lock, never waits for a writer); the expiry is written only
        # when it is more than refresh_after_ms behind, about once a minute per session.
        conn = self._file.connection()
        now = self._now_ms()
        rows = fetch_rows(
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
            run_change(
                conn,
                "UPDATE vault_records SET expires_at = max(expires_at, ?)"
                " WHERE storage_key = ? AND expires_at > ?",
                (expires, storage_key, now),
            )
        except (VaultUnavailable, sqlite3.DatabaseError) as exc:
            log.info("vault: expiry not refreshed (%s)", exc)
        finally:
            with suppress(sqlite3.DatabaseError):
                conn.execute(f"PRAGMA busy_timeout = {int(self._file.busy_timeout * 1000)}")

    def modify(self, storage_key: bytes, change: Change, *, ttl_ms: int) -> bytes | None:
        with self._file.transaction() as conn:
            rows = fetch_rows(
                conn,
                "SELECT record FROM vault_records WHERE storage_key = ? AND expires_at > ?",
                (storage_key, self._now_ms()),
            )
            if not rows:
                return None
            new_record = change(rows[0][0])
            run_change(
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
        with self._file.transaction() as conn:
            now = self._now_ms()
            rows = fetch_rows(
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
                raise unavailable(exc) from exc
            run_change(
                conn,
                "INSERT OR REPLACE INTO vault_moved (moved_key, expires_at) VALUES (?, ?)",
                (moved_key, now + moved_ttl_ms),
            )
            run_change(conn, "DELETE FROM vault_records WHERE storage_key = ?", (old_key,))
        return True

    def was_moved(self, moved_key: bytes) -> bool:
        rows = fetch_rows(
            self._file.connection(),
            "SELECT 1 FROM vault_moved WHERE moved_key = ? AND expires_at > ?",
            (moved_key, self._now_ms()),
        )
        return bool(rows)

    def delete(self, storage_key: bytes) -> None:
        with self._file.transaction() as conn:
            run_change(conn, "DELETE FROM vault_records WHERE storage_key = ?", (storage_key,))

    def purge_expired(self) -> int:
        with self._file.transaction() as conn:
            purged = run_change(
                conn, "DELETE FROM vault_records WHERE expires_at <= ?", (self._now_ms(),)
            )
            run_change(conn, "DELETE FROM vault_moved WHERE expires_at <= ?", (self._now_ms(),))
        log.debug("purged %d expired vault records", purged)
        return purged

    def stats(self) -> VaultStats:
        # One indexed-table scan; the table holds about one idle period of sessions (purged).
        rows = fetch_rows(
            self._file.connection(),
            "SELECT count(*), coalesce(sum(length(record)), 0) FROM vault_records"
            " WHERE expires_at > ?",
            (self._now_ms(),),
        )
        return VaultStats(sessions=int(rows[0][0]), bytes=int(rows[0][1]))

    def purge_all(self) -> int:
        with self._file.transaction() as conn:
            run_change(conn, "DELETE FROM vault_moved", ())
            return run_change(conn, "DELETE FROM vault_records", ())

    def ping(self) -> bool:
        try:
            fetch_rows(self._file.connection(), "SELECT 1 FROM vault_records LIMIT 1", ())
        except VaultUnavailable:
            return False
        return True

    def close(self) -> None:
        """Close every thread's connection; only call when no request is in flight."""
        self._file.close()

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)
