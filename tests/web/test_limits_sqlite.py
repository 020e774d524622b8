"""The SQLite rate-limit storage (issue 19, point 8): counters shared through the vault's file."""

from __future__ import annotations

import os
import stat
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from flask import Flask
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from webapp.web.limits_sqlite import SCHEME, SQLiteLimitStorage


def _hit(uri: str) -> int:
    return storage_from_string(uri).incr("LIMITER/shared", 60)


def test_counts_are_shared_by_processes_and_windows_start_again(tmp_path: Path):
    uri = f"{SCHEME}://{tmp_path / 'vault.db'}"
    with ProcessPoolExecutor(max_workers=2) as pool:
        counts = sorted(pool.map(_hit, [uri] * 20))
    assert counts == list(range(1, 21))  # each hit saw every earlier one, none lost
    storage = storage_from_string(uri)
    assert isinstance(storage, SQLiteLimitStorage)
    assert storage.get("LIMITER/shared") == 20
    assert storage.get_expiry("LIMITER/shared") > time.time()
    assert storage.incr("LIMITER/short", 0.2) == 1
    time.sleep(0.3)
    assert storage.get("LIMITER/short") == 0 and storage.incr("LIMITER/short", 0.2) == 1
    storage.clear("LIMITER/shared")
    assert storage.get("LIMITER/shared") == 0 and storage.check()
    assert stat.S_IMODE(os.stat(tmp_path / "vault.db").st_mode) == 0o600


def test_the_fixed_window_limiter_refuses_past_the_limit(tmp_path: Path):
    limiter = FixedWindowRateLimiter(storage_from_string(f"{SCHEME}://{tmp_path / 'l.db'}"))
    per_minute = RateLimitItemPerMinute(3)
    assert [limiter.hit(per_minute, "1.2.3.4") for _ in range(5)] == [True] * 3 + [False] * 2


def test_the_app_counts_in_its_sqlite_vault_file(app: Flask):
    uri = app.config["RATELIMIT_STORAGE_URI"]
    assert uri.startswith(f"{SCHEME}:///") and uri.endswith("vault.db")
    assert app.config["VAULT_URL"].endswith(uri[len(SCHEME) + 3 :])
