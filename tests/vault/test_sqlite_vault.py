"""SQLite specifics: idle expiry (with a fake clock), purging, where records are filed, URLs."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import stat
import time
from contextlib import closing
from pathlib import Path

import pytest

from webapp.vault import DEFAULT_IDLE_TIMEOUT, SessionGone, Vault, open_vault
from webapp.vault.backend import EXPIRY_REFRESH_MS
from webapp.vault.sqlite_backend import PURGE_EVERY_CREATES
from webapp.vault.tokens import parse_token

from ._support import SECRET, FakeClock


def _rows(db: Path) -> list[tuple[bytes, bytes, int]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT storage_key, record, expires_at FROM vault_records").fetchall()


def test_default_idle_timeout_is_thirty_minutes() -> None:
    assert DEFAULT_IDLE_TIMEOUT == 1800


def test_idle_session_expires(sqlite_vault: Vault, clock: FakeClock) -> None:
    token = sqlite_vault.new_session({"a": 1})
    clock.advance(1800)
    assert sqlite_vault.load(token) is None
    with pytest.raises(SessionGone):
        sqlite_vault.update(token, lambda state: state.update(a=2))


def test_load_and_update_slide_the_expiry(sqlite_vault: Vault, clock: FakeClock) -> None:
    token = sqlite_vault.new_session({"a": 1})
    clock.advance(1799)
    assert sqlite_vault.load(token) == {"a": 1}
    clock.advance(1799)
    sqlite_vault.update(token, lambda state: state.update(a=2))
    clock.advance(1799)
    assert sqlite_vault.load(token) == {"a": 2}
    clock.advance(1800)
    assert sqlite_vault.load(token) is None


def test_idle_timeout_is_configurable(sqlite_url: str, clock: FakeClock) -> None:
    with open_vault(sqlite_url, secret=SECRET, idle_timeout=60, clock=clock) as vault:
        token = vault.new_session()
        clock.advance(59)
        assert vault.load(token) == {}
        clock.advance(60)
        assert vault.load(token) is None


def test_expired_rows_are_invisible_then_purged(
    sqlite_vault: Vault, clock: FakeClock, tmp_path: Path
) -> None:
    old = [sqlite_vault.new_session() for _ in range(3)]
    clock.advance(1000)
    live = sqlite_vault.new_session()
    clock.advance(900)
    assert [sqlite_vault.load(token) for token in old] == [None, None, None]
    assert len(_rows(tmp_path / "vault.db")) == 4  # invisible, not yet gone
    assert sqlite_vault.purge_expired() == 3
    assert len(_rows(tmp_path / "vault.db")) == 1
    assert sqlite_vault.load(live) == {}


def test_new_sessions_purge_expired_rows_by_themselves(
    sqlite_vault: Vault, clock: FakeClock, tmp_path: Path
) -> None:
    for _ in range(10):
        sqlite_vault.new_session()
    clock.advance(1801)
    for _ in range(PURGE_EVERY_CREATES - 10):
        sqlite_vault.new_session()
    assert len(_rows(tmp_path / "vault.db")) == PURGE_EVERY_CREATES - 10


def test_records_are_filed_under_the_hmac_of_the_session_id(
    sqlite_vault: Vault, tmp_path: Path
) -> None:
    token = sqlite_vault.new_session({"a": 1})
    parsed = parse_token(token)
    assert parsed is not None
    [(storage_key, _record, _)] = _rows(tmp_path / "vault.db")
    assert (
        storage_key
        == hmac.new(
            SECRET, b"mtls-kit/vault/storage-key/v1\x00" + parsed.session_id, hashlib.sha256
        ).digest()
    )
    assert storage_key != parsed.session_id
    raw = (tmp_path / "vault.db").read_bytes() + (tmp_path / "vault.db-wal").read_bytes()
    for part in (parsed.session_id, parsed.key, *token.split(".")):
        assert (part.encode() if isinstance(part, str) else part) not in raw


def test_files_are_private_to_the_owner(sqlite_vault: Vault, tmp_path: Path) -> None:
    sqlite_vault.new_session()
    for name in ("vault.db", "vault.db-wal", "vault.db-shm"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_uses_wal_mode(sqlite_vault: Vault, tmp_path: Path) -> None:
    sqlite_vault.new_session()
    with closing(sqlite3.connect(tmp_path / "vault.db")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_relative_and_absolute_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "instance").mkdir()
    monkeypatch.chdir(tmp_path)
    with open_vault("sqlite:///instance/relative.db", secret=SECRET) as vault:
        token = vault.new_session({"where": "relative"})
    absolute = tmp_path / "instance" / "absolute.db"
    with open_vault(f"sqlite:///{absolute}", secret=SECRET) as vault:
        vault.new_session()
    monkeypatch.chdir("/")
    assert (tmp_path / "instance" / "relative.db").exists() and absolute.exists()
    with open_vault(f"sqlite:///{tmp_path}/instance/relative.db", secret=SECRET) as vault:
        assert vault.load(token) == {"where": "relative"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///",
        "sqlite:///:memory:",
        "sqlite://host/vault.db",
        "vault.db",
        "postgres://x/y",
        "mysql://user:hunter2@db/x",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError) as info:
        open_vault(url, secret=SECRET)
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"secret": "a str, not bytes, 0123456789"}, TypeError),
        ({"secret": b"too short"}, ValueError),
        ({"secret": SECRET, "idle_timeout": 0}, ValueError),
        ({"secret": SECRET, "idle_timeout": -5}, ValueError),
        ({"secret": SECRET, "idle_timeout": 1.5}, ValueError),
        ({"secret": SECRET, "idle_timeout": True}, ValueError),
    ],
)
def test_bad_options_are_refused(sqlite_url: str, options: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        open_vault(sqlite_url, **options)


def test_a_read_writes_the_expiry_at_most_once_a_minute(
    sqlite_vault: Vault, clock: FakeClock, tmp_path: Path
) -> None:
    # Issue 18: a page view must not take SQLite's write lock; the expiry moves only when
    # it is a minute (EXPIRY_REFRESH_MS) behind.
    token = sqlite_vault.new_session({"a": 1})
    [(_, _, created)] = _rows(tmp_path / "vault.db")
    clock.advance(59)
    assert sqlite_vault.load(token) == {"a": 1}
    assert _rows(tmp_path / "vault.db")[0][2] == created
    clock.advance(1)
    assert sqlite_vault.load(token) == {"a": 1}
    assert _rows(tmp_path / "vault.db")[0][2] == created + EXPIRY_REFRESH_MS


def test_a_read_does_not_wait_for_a_busy_write_lock_to_refresh(
    sqlite_vault: Vault, clock: FakeClock, tmp_path: Path
) -> None:
    token = sqlite_vault.new_session({"a": 1})
    [(_, _, created)] = _rows(tmp_path / "vault.db")
    clock.advance(120)
    with closing(sqlite3.connect(tmp_path / "vault.db", isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")  # another worker in the middle of a save
        started = time.monotonic()
        assert sqlite_vault.load(token) == {"a": 1}
        assert time.monotonic() - started < 1  # not the 5 s busy timeout of writes
        writer.execute("ROLLBACK")
    assert _rows(tmp_path / "vault.db")[0][2] == created  # refresh skipped, not queued
    assert sqlite_vault.load(token) == {"a": 1}
    assert _rows(tmp_path / "vault.db")[0][2] == created + 120_000  # the next read did it
