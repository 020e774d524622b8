"""(d) Memory: what one session costs the server, and worker RSS after many sessions."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

__all__ = ["VaultSizes", "redis_vault_sizes", "sqlite_vault_sizes"]


@dataclass(frozen=True)
class VaultSizes:
    sessions: int
    mean_record: float  # bytes of the encrypted record (what the vault stores)
    max_record: int
    storage_per_session: float  # bytes of storage used per session, overheads included


def sqlite_vault_sizes(db: Path) -> VaultSizes:
    """Record sizes from the vault table; storage = database + WAL file sizes."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        count, mean, largest = conn.execute(
            "SELECT count(*), avg(length(record)), max(length(record)) FROM vault_records"
        ).fetchone()
    files = [db, db.with_name(db.name + "-wal")]
    on_disk = sum(path.stat().st_size for path in files if path.exists())
    return VaultSizes(count, mean or 0.0, largest or 0, on_disk / count if count else 0.0)


def redis_vault_sizes(url: str) -> VaultSizes:
    """Record sizes (STRLEN) and Redis's own accounting (MEMORY USAGE) of the vault's keys."""
    import redis

    from webapp.vault.redis_backend import KEY_PREFIX

    client = redis.Redis.from_url(url)
    try:
        lengths, usage = [], []
        for name in client.scan_iter(match=KEY_PREFIX + b"*", count=1000):
            lengths.append(client.strlen(name))
            usage.append(client.memory_usage(name) or 0)
    finally:
        client.close()
    count = len(lengths)
    return VaultSizes(
        count,
        sum(lengths) / count if count else 0.0,
        max(lengths, default=0),
        sum(usage) / count if count else 0.0,
    )
