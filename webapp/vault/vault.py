"""The vault: encrypted server-side session state, addressed by a cookie token."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .backend import VaultBackend, VaultStats
from .errors import SessionGone
from .sealing import decode_state, encode_state, seal, unseal
from .tokens import (
    MIN_SECRET_BYTES,
    SessionToken,
    moved_key_for,
    new_token,
    parse_token,
    storage_key_for,
)
from .versions import Loaded, StaleVersion, _Changed

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_MOVED_GRACE",
    "Loaded",
    "StaleVersion",
    "Vault",
    "open_vault",
]

# Half an hour of inactivity: long enough to fetch a certificate from a colleague, short
# enough that an abandoned private key does not linger.
DEFAULT_IDLE_TIMEOUT = 30 * 60
# Seconds a storage call may wait (SQLite lock, Redis socket) before VaultUnavailable.
DEFAULT_STORAGE_TIMEOUT = 5.0
# A fresh 128-bit id collides with probability ~2**-128; a repeat means a broken RNG.
_NEW_SESSION_ATTEMPTS = 3
# Seconds a rotated-away token is still known as "moved" (see Vault.rotate): long enough for
# requests that were in flight with the old cookie to arrive, short enough to say little.
DEFAULT_MOVED_GRACE = 60

# The saved work as the vault stores it: the JSON record of webapp.state.State.
StateRecord = dict[str, Any]


class Vault:
    """Session state stored encrypted on the server under a key only the cookie holds.

    Thread-safe; one instance per process. All methods may raise VaultUnavailable.
    """

    def __init__(
        self, backend: VaultBackend, *, secret: bytes, idle_timeout: int = DEFAULT_IDLE_TIMEOUT
    ) -> None:
        if not isinstance(secret, bytes):
            raise TypeError("the vault secret must be bytes")
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the vault secret must be at least {MIN_SECRET_BYTES} bytes")
        if isinstance(idle_timeout, bool) or not isinstance(idle_timeout, int) or idle_timeout <= 0:
            raise ValueError("idle_timeout must be a positive number of seconds")
        self._backend = backend
        self._secret = secret
        self._ttl_ms = idle_timeout * 1000

    def new_session(self, state: StateRecord | None = None) -> str:
        """Start a session holding ``state`` (default empty); return its cookie token."""
        plaintext = encode_state({} if state is None else state)
        for _ in range(_NEW_SESSION_ATTEMPTS):
            token = new_token()
            storage_key = self._storage_key(token)
            record = seal(plaintext, key=token.key, storage_key=storage_key)
            if self._backend.create(storage_key, record, ttl_ms=self._ttl_ms):
                return str(token)
        raise RuntimeError("could not pick an unused session id; is the system RNG broken?")

    def load(self, token: str | None) -> StateRecord | None:
        """The session's state, or None if the token is missing, malformed, wrong or expired.

        A successful load restarts the idle timer (the backend writes that at most about
        once a minute, so a read does not take a write lock; see backend.refresh_after_ms).
        """
        loaded = self.read(token)
        return None if loaded is None else loaded.state

    def read(self, token: str | None) -> Loaded | None:
        """Like load(), with the version to hand to replace() (one read, one decode)."""
        parsed = parse_token(token)
        if parsed is None:
            return None
        storage_key = self._storage_key(parsed)
        record = self._backend.get(storage_key, ttl_ms=self._ttl_ms)
        return None if record is None else self._open(parsed, storage_key, record)

    def replace(self, token: str | None, state: StateRecord, *, version: bytes) -> bytes:
        """Store ``state`` if the record is still the one read at ``version``; the new version.

        Optimistic: encoding and encryption happen before the storage transaction, which
        only compares bytes and writes. Raises StaleVersion (holding the newer record) when
        another request wrote in between, SessionGone if the session does not exist.
        """
        parsed = parse_token(token)
        if parsed is None:
            raise SessionGone()
        storage_key = self._storage_key(parsed)
        sealed = seal(encode_state(state), key=parsed.key, storage_key=storage_key)

        def swap(record: bytes) -> bytes:
            if record != version:
                raise _Changed(record)
            return sealed

        try:
            written = self._backend.modify(storage_key, swap, ttl_ms=self._ttl_ms)
        except _Changed as changed:
            current = self._open(parsed, storage_key, changed.record)
            if current is None:
                raise SessionGone() from None
            raise StaleVersion(current) from None
        if written is None:
            raise SessionGone()
        return written

    def update(self, token: str | None, fn: Callable[[StateRecord], object]) -> StateRecord:
        """Apply ``fn`` to the latest state atomically and store the result; return it.

        ``fn`` mutates the dict it is given in place; its return value is ignored (so
        ``lambda s: s.pop("x", None)`` is fine). It runs inside the storage transaction and
        may run more than once (Redis retries on conflict): keep it cheap (do key decryption
        and parsing before calling update) and free of side effects. If ``fn`` raises, nothing
        is written and the exception propagates. The returned dict equals what the next
        load() gives (JSON round trip: tuples become lists). Raises SessionGone if the
        session does not exist (expired, deleted, bad token).
        """
        parsed = parse_token(token)
        if parsed is None:
            raise SessionGone()
        storage_key = self._storage_key(parsed)
        written: list[bytes] = []

        def change(record: bytes) -> bytes:
            plaintext = unseal(record, key=parsed.key, storage_key=storage_key)
            if plaintext is None:
                raise SessionGone()
            state = decode_state(plaintext)
            fn(state)
            new_plaintext = encode_state(state)
            written[:] = [new_plaintext]
            return seal(new_plaintext, key=parsed.key, storage_key=storage_key)

        if self._backend.modify(storage_key, change, ttl_ms=self._ttl_ms) is None:
            raise SessionGone()
        return decode_state(written[0])

    def rotate(
        self, token: str | None, *, grace_seconds: int = DEFAULT_MOVED_GRACE
    ) -> tuple[str, StateRecord] | None:
        """Move the session under a fresh token (new id, new key), atomically; return the new
        token and the state moved, or None if there was no session to move.

        The old record is erased in the same step, and the old token is remembered as
        "moved" for ``grace_seconds`` (was_moved). The mark holds nothing: no link to the new
        token, no state. Whoever holds the old token (the user's other tab, or whoever
        planted it) learns only that it moved, never where to.
        """
        parsed = parse_token(token)
        if parsed is None:
            return None
        for _ in range(_NEW_SESSION_ATTEMPTS):
            fresh = new_token()
            outcome = self._move_to(parsed, fresh, grace_ms=grace_seconds * 1000)
            if outcome is None:
                return None
            if isinstance(outcome, dict):
                return str(fresh), outcome
        raise RuntimeError("could not pick an unused session id; is the system RNG broken?")

    def _move_to(
        self, old: SessionToken, fresh: SessionToken, *, grace_ms: int
    ) -> StateRecord | bool | None:
        """One try of rotate: the state moved, None (no session), False (fresh id taken)."""
        old_key, new_key = self._storage_key(old), self._storage_key(fresh)
        moved: list[bytes] = []

        def reseal(record: bytes) -> bytes:
            plaintext = unseal(record, key=old.key, storage_key=old_key)
            if plaintext is None:
                raise SessionGone()
            moved[:] = [plaintext]
            return seal(plaintext, key=fresh.key, storage_key=new_key)

        try:
            outcome = self._backend.move(
                old_key,
                new_key,
                reseal,
                ttl_ms=self._ttl_ms,
                moved_key=self._moved_key(old),
                moved_ttl_ms=grace_ms,
            )
        except SessionGone:
            return None
        return decode_state(moved[0]) if outcome else outcome

    def was_moved(self, token: str | None) -> bool:
        """True if ``token`` was rotated away from less than the grace period ago."""
        parsed = parse_token(token)
        return parsed is not None and self._backend.was_moved(self._moved_key(parsed))

    def delete(self, token: str | None) -> None:
        """Erase the session now ("Start over", wipe after download). Bad tokens are ignored."""
        parsed = parse_token(token)
        if parsed is not None:
            self._backend.delete(self._storage_key(parsed))

    def purge_expired(self) -> int:
        """Erase expired sessions now; returns how many. (Also happens on its own.)"""
        return self._backend.purge_expired()

    def stats(self) -> VaultStats:
        """Sessions and bytes held (bounded cost; see the backends)."""
        return self._backend.stats()

    def purge_all(self) -> int:
        """Erase every session now; return how many records went."""
        return self._backend.purge_all()

    def ping(self) -> bool:
        """True if the storage answers (for a health check); never raises."""
        return self._backend.ping()

    def close(self) -> None:
        """Release storage connections (at shutdown)."""
        self._backend.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @staticmethod
    def _open(token: SessionToken, storage_key: bytes, record: bytes) -> Loaded | None:
        plaintext = unseal(record, key=token.key, storage_key=storage_key)
        return None if plaintext is None else Loaded(decode_state(plaintext), record)

    def _storage_key(self, token: SessionToken) -> bytes:
        return storage_key_for(token.session_id, secret=self._secret)

    def _moved_key(self, token: SessionToken) -> bytes:
        return moved_key_for(token.session_id, secret=self._secret)


def open_vault(
    url: str,
    *,
    secret: bytes,
    idle_timeout: int = DEFAULT_IDLE_TIMEOUT,
    storage_timeout: float = DEFAULT_STORAGE_TIMEOUT,
    clock: Callable[[], float] = time.time,
) -> Vault:
    """Open the vault a URL names. Does no I/O: an unreachable store shows on first use.

    - ``sqlite:///<path>``: everything after the three slashes is the file path, as in
      SQLAlchemy: ``sqlite:////srv/app/instance/vault.db`` (absolute, note four slashes, i.e.
      ``f"sqlite:///{absolute_path}"``) or ``sqlite:///vault.db`` (relative to the cwd now).
    - ``redis://host:port/db`` (also ``rediss://``, ``unix://``).

    ``storage_timeout`` is the SQLite busy timeout or the Redis socket timeout. ``clock``
    (seconds) judges expiry for SQLite; Redis expires keys by its own clock.
    """
    scheme = url.partition(":")[0].lower()
    if scheme == "sqlite":
        backend: VaultBackend = _sqlite_backend(url, storage_timeout, clock)
    elif scheme in ("redis", "rediss", "unix"):
        from .redis_backend import RedisBackend  # redis is only imported when used

        backend = RedisBackend(url, timeout=storage_timeout)
    else:
        # Only the scheme: the URL may carry a Redis password.
        raise ValueError(f"unsupported vault URL scheme {scheme!r}; use sqlite:/// or redis://")
    return Vault(backend, secret=secret, idle_timeout=idle_timeout)


def _sqlite_backend(url: str, busy_timeout: float, clock: Callable[[], float]) -> VaultBackend:
    from .sqlite_backend import SQLiteBackend

    prefix = "sqlite:///"
    path = url[len(prefix) :] if url[: len(prefix)].lower() == prefix else ""
    if not path or path == ":memory:":
        # An in-memory database would be private to each thread's connection.
        raise ValueError("a sqlite vault URL must name a file: sqlite:///<path>")
    return SQLiteBackend(path, busy_timeout=busy_timeout, clock=clock)
