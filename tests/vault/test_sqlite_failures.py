"""SQLite outages (lock held too long, missing directory, disk full) become VaultUnavailable."""

from __future__ import annotations

import multiprocessing
import re
import shutil
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest

from webapp.vault import VaultUnavailable, open_vault

from . import _workers
from ._support import SECRET


def test_lock_held_too_long_is_unavailable_then_recovers(tmp_path: Path) -> None:
    db = tmp_path / "vault.db"
    with open_vault(f"sqlite:///{db}", secret=SECRET, storage_timeout=0.05) as vault:
        token = vault.new_session({"step": "secret-step-name"})
        with closing(sqlite3.connect(db, isolation_level=None)) as blocker:
            blocker.execute("BEGIN EXCLUSIVE")  # another process stuck mid-write
            # Reads never wait for the write lock (WAL, and no expiry write on a fresh read).
            assert vault.load(token) == {"step": "secret-step-name"}
            started = time.monotonic()
            for call in (
                lambda: vault.update(token, lambda state: state.update(a=1)),
                vault.new_session,
                lambda: vault.delete(token),
                vault.purge_expired,
            ):
                with pytest.raises(VaultUnavailable, match="database is locked") as info:
                    call()
                assert "secret-step-name" not in str(info.value)
            assert time.monotonic() - started < 2  # the short busy timeout was used
            blocker.execute("ROLLBACK")
        # No connection was left holding a transaction: everything works again.
        assert vault.update(token, lambda state: state.update(a=1)) == {
            "step": "secret-step-name",
            "a": 1,
        }


def test_missing_directory_is_unavailable(tmp_path: Path) -> None:
    with open_vault(f"sqlite:///{tmp_path}/missing/vault.db", secret=SECRET) as vault:
        assert vault.ping() is False
        with pytest.raises(VaultUnavailable):
            vault.new_session()
        with pytest.raises(VaultUnavailable):
            vault.load("A" * 22 + "." + "A" * 43)


def test_directory_removed_under_a_restarted_app_is_unavailable(tmp_path: Path) -> None:
    folder = tmp_path / "instance"
    folder.mkdir()
    url = f"sqlite:///{folder}/vault.db"
    with open_vault(url, secret=SECRET) as vault:
        token = vault.new_session()
    shutil.rmtree(folder)
    with open_vault(url, secret=SECRET) as restarted:
        with pytest.raises(VaultUnavailable, match="No such file or directory"):
            restarted.load(token)


def test_not_a_database_is_unavailable(tmp_path: Path) -> None:
    db = tmp_path / "vault.db"
    db.write_bytes(b"this is not an SQLite file" * 200)
    with open_vault(f"sqlite:///{db}", secret=SECRET) as vault:
        assert vault.ping() is False
        with pytest.raises(VaultUnavailable, match="not a database"):
            vault.new_session()


def test_disk_full_is_unavailable_and_keeps_the_old_state(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vault.db'}"
    with open_vault(url, secret=SECRET) as vault:
        token = vault.new_session({"before": True})
    # In a child process, so the file size cap does not touch pytest's own files.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcome, state_after = pool.submit(
            _workers.update_beyond_file_size_limit, url, SECRET, token, 256 * 1024
        ).result()
    # A real full disk (ENOSPC) reads "database or disk is full"; the size cap gives EFBIG,
    # which SQLite reports as an I/O error. Either way: unavailable, not a crash.
    assert re.fullmatch(
        "VaultUnavailable: session storage is unavailable: "
        "(database or disk is full|disk I/O error)",
        outcome,
    )
    assert state_after == {"before": True}
    with open_vault(url, secret=SECRET) as vault:
        assert vault.update(token, lambda state: state.update(after=True)) == {
            "before": True,
            "after": True,
        }
