"""What the vault needs from a storage backend (SQLite file, Redis)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Change", "VaultBackend", "VaultStats"]

# Given the current record, return the new one. May raise to abort without writing.
# It may run more than once (Redis retries on conflict), so it must have no side effects.
Change = Callable[[bytes], bytes]


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
        """Read a record and, in the same atomic step, push its expiry to now + ttl_ms."""
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
