"""What the vault needs from a storage backend (SQLite file, Redis)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["EXPIRY_REFRESH_MS", "Change", "VaultBackend", "VaultStats", "refresh_after_ms"]

# Given the current record, return the new one. May raise to abort without writing.
# It may run more than once (Redis retries on conflict), so it must have no side effects.
Change = Callable[[bytes], bytes]

# A read pushes the idle expiry forward only when the last push is older than this: a
# refresh is a write (SQLite's write lock, a Redis write), and doing one per page view and
# per debounced keystroke was what made busy servers answer "storage unavailable" (issue 18).
# The cost: a session may end up to this much before "idle timeout after the last request".
EXPIRY_REFRESH_MS = 60_000


def refresh_after_ms(ttl_ms: int) -> int:
    """How stale an expiry may get before a read refreshes it (a tenth of short timeouts)."""
    return min(EXPIRY_REFRESH_MS, max(ttl_ms // 10, 1))


@dataclass(frozen=True)
class VaultStats:
    """How much the vault holds: unexpired sessions and the bytes of their records.

    `complete` is False when a backend stopped counting at its cost limit (the numbers are
    then lower bounds).
    """

    sessions: int
    bytes: int
    complete: bool = True


class VaultBackend(Protocol):
    """Opaque records under opaque keys, each with an idle expiry. Outages raise VaultUnavailable.

    Records whose expiry has passed are invisible to every method.
    """

    def create(self, storage_key: bytes, record: bytes, *, ttl_ms: int) -> bool:
        """Store a new record; False (nothing written) if the key is already taken."""
        ...

    def get(self, storage_key: bytes, *, ttl_ms: int) -> bytes | None:
        """Read a record without taking a write lock; push its expiry to now + ttl_ms when
        that moves it by at least refresh_after_ms(ttl_ms) (a best-effort touch)."""
        ...

    def modify(self, storage_key: bytes, change: Change, *, ttl_ms: int) -> bytes | None:
        """Atomically replace a record with change(record) and slide its expiry.

        Returns the new record, or None (nothing written) if the key does not exist.
        An exception raised by change propagates unchanged and nothing is written.
        """
        ...

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
        """In one atomic step: store change(old record) under new_key, mark moved_key as
        moved for moved_ttl_ms, and erase the old record (session rotation).

        None (nothing written) if old_key does not exist; False (nothing written) if new_key
        is already taken; True once moved. An exception from change propagates, nothing
        written.
        """
        ...

    def was_moved(self, moved_key: bytes) -> bool:
        """True while a mark written by move() has not expired."""
        ...

    def delete(self, storage_key: bytes) -> None:
        """Erase a record now (a missing key is fine)."""
        ...

    def purge_expired(self) -> int:
        """Erase expired records; return how many (0 where the store expires keys itself)."""
        ...

    def stats(self) -> VaultStats:
        """Count sessions and record bytes, at a bounded cost (metrics, `flask vault stats`)."""
        ...

    def purge_all(self) -> int:
        """Erase every record now (operator's `flask vault purge --all`); return how many."""
        ...

    def ping(self) -> bool:
        """True if the storage answers; never raises."""
        ...

    def close(self) -> None:
        """Release connections; call at shutdown."""
        ...
