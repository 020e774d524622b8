"""Vault records in Redis: for deployments with workers on more than one host.

Read-modify-write uses optimistic locking (WATCH / MULTI / EXEC): if another request changed
the record between our read and our write, EXEC fails and we retry on the fresh value. Expiry
is Redis's own key TTL, slid by every write (SET ... PX) and by a read when the TTL has run
down by a minute (PEXPIRE), so reads stay reads.
"""

from __future__ import annotations

import random
import time

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, WatchError
from redis.retry import Retry

from .backend import Change, VaultStats, refresh_after_ms
from .errors import VaultUnavailable

__all__ = ["KEY_PREFIX", "MAX_WATCH_ATTEMPTS", "RedisBackend"]

# Namespaces our keys when the Redis database is shared with other applications.
KEY_PREFIX = b"mtls-kit:vault:"
# Marks of rotated-away tokens (Vault.rotate); outside KEY_PREFIX, so stats never count them.
MOVED_PREFIX = b"mtls-kit:vault-moved:"
# One session's requests rarely overlap by more than a few; 50 conflicts in a row means the
# store is overloaded, which the user should see as "unavailable", not as a hang.
MAX_WATCH_ATTEMPTS = 50
# stats() looks at no more keys than this (SCAN is incremental, STRLEN is O(1) per key), so a
# scrape stays cheap even if the database is shared with a huge keyspace.
MAX_STATS_KEYS = 100_000
_SCAN_BATCH = 1000
# Random pause after a conflict, growing with the attempt, so retries do not collide again.
_CONFLICT_PAUSE_S = 0.001


class RedisBackend:
    """VaultBackend over a Redis server, from a redis:// / rediss:// / unix:// URL."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        # One immediate retry replaces a pooled connection that died (e.g. Redis restarted);
        # redis-py's default (10 retries with backoff) would stall a request for seconds.
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
        )

    def create(self, storage_key: bytes, record: bytes, *, ttl_ms: int) -> bool:
        try:
            return bool(self._client.set(_name(storage_key), record, px=ttl_ms, nx=True))
        except RedisError as exc:
            raise _unavailable(exc) from exc

    def get(self, storage_key: bytes, *, ttl_ms: int) -> bytes | None:
        # GET and PTTL in one round trip, both reads; PEXPIRE (a write, replicated) only when
        # the TTL has run down by refresh_after_ms, about once a minute per session.
        name = _name(storage_key)
        try:
            with self._client.pipeline(transaction=False) as pipe:
                pipe.get(name)
                pipe.pttl(name)
                record, left = pipe.execute()
            if record is not None and 0 <= left <= ttl_ms - refresh_after_ms(ttl_ms):
                self._client.pexpire(name, ttl_ms)  # a key gone meanwhile is left gone
        except RedisError as exc:
            raise _unavailable(exc) from exc
        return record

    def modify(self, storage_key: bytes, change: Change, *, ttl_ms: int) -> bytes | None:
        name = _name(storage_key)
        for attempt in range(MAX_WATCH_ATTEMPTS):
            try:
                with self._client.pipeline(transaction=True) as pipe:
                    pipe.watch(name)
                    record = pipe.get(name)
                    if record is None:
                        return None
                    new_record = change(record)  # type: ignore[arg-type]
                    pipe.multi()
                    pipe.set(name, new_record, px=ttl_ms)
                    pipe.execute()
                    return new_record
            except WatchError:
                time.sleep(random.uniform(0, _CONFLICT_PAUSE_S * (attempt + 1)))
            except RedisError as exc:
                raise _unavailable(exc) from exc
        raise VaultUnavailable("session storage is unavailable: too many concurrent changes")

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
        old, new = _name(old_key), _name(new_key)
        for attempt in range(MAX_WATCH_ATTEMPTS):
            try:
                with self._client.pipeline(transaction=True) as pipe:
                    pipe.watch(old, new)
                    record = pipe.get(old)
                    if record is None:
                        return None
                    if pipe.exists(new):
                        return False
                    new_record = change(record)  # type: ignore[arg-type]
                    pipe.multi()
                    pipe.set(new, new_record, px=ttl_ms)
                    pipe.set(MOVED_PREFIX + moved_key.hex().encode("ascii"), b"1", px=moved_ttl_ms)
                    pipe.delete(old)
                    pipe.execute()
                    return True
            except WatchError:
                time.sleep(random.uniform(0, _CONFLICT_PAUSE_S * (attempt + 1)))
            except RedisError as exc:
                raise _unavailable(exc) from exc
        raise VaultUnavailable("session storage is unavailable: too many concurrent changes")

    def was_moved(self, moved_key: bytes) -> bool:
        try:
            return bool(self._client.exists(MOVED_PREFIX + moved_key.hex().encode("ascii")))
        except RedisError as exc:
            raise _unavailable(exc) from exc

    def delete(self, storage_key: bytes) -> None:
        try:
            self._client.delete(_name(storage_key))
        except RedisError as exc:
            raise _unavailable(exc) from exc

    def purge_expired(self) -> int:
        return 0  # Redis drops expired keys itself.

    def stats(self) -> VaultStats:
        sessions = size = 0
        try:
            for batch in self._scan_batches():
                with self._client.pipeline(transaction=False) as pipe:
                    for name in batch:
                        pipe.strlen(name)
                    lengths = pipe.execute()
                sessions += sum(1 for n in lengths if n)  # 0: expired between SCAN and STRLEN
                size += sum(lengths)
                if sessions >= MAX_STATS_KEYS:
                    return VaultStats(sessions, size, complete=False)
        except RedisError as exc:
            raise _unavailable(exc) from exc
        return VaultStats(sessions, size)

    def purge_all(self) -> int:
        purged = 0
        try:
            for batch in self._scan_batches(limit=None):
                purged += int(self._client.delete(*batch))
        except RedisError as exc:
            raise _unavailable(exc) from exc
        return purged

    def _scan_batches(self, limit: int | None = MAX_STATS_KEYS):
        cursor, seen = 0, 0
        while True:
            cursor, names = self._client.scan(cursor, match=KEY_PREFIX + b"*", count=_SCAN_BATCH)
            if names:
                seen += len(names)
                yield names
            if cursor == 0 or (limit is not None and seen >= limit):
                return

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except RedisError:
            return False

    def close(self) -> None:
        self._client.close()


def _name(storage_key: bytes) -> bytes:
    return KEY_PREFIX + storage_key.hex().encode("ascii")


def _unavailable(exc: RedisError) -> VaultUnavailable:
    # Only the error class: redis-py annotates pipeline errors with the command arguments.
    return VaultUnavailable(f"session storage is unavailable: redis {type(exc).__name__}")
