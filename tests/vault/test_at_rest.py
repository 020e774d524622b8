"""A copy of the storage reveals nothing: no key, no password, and deleted means gone."""

from __future__ import annotations

import base64
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes as PrivateKey,
)

from tests.support.throwaway_pki import new_key
from webapp.vault import open_vault

from ._support import SECRET

PASSWORD = "Sommer-Kennwort-2024-ü"


@pytest.fixture(scope="module")
def private_key() -> PrivateKey:
    return new_key("ec256")


@pytest.fixture(scope="module")
def private_key_der(private_key: PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="module")
def secret_state(private_key: PrivateKey, private_key_der: bytes) -> dict:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "key_pem": pem.decode(),
        "key_der_b64": base64.b64encode(private_key_der).decode(),
        "keystore_password": PASSWORD,
    }


def _needles(der: bytes) -> dict[str, bytes]:
    return {
        "PEM label": b"PRIVATE KEY",
        "DER": der,
        "base64 of DER": base64.b64encode(der),
        "first PEM body line": base64.b64encode(der)[:64],
        "password utf-8": PASSWORD.encode("utf-8"),
        "password, any JSON escaping": PASSWORD.split("ü")[0].encode(),
        "password utf-16": PASSWORD.encode("utf-16-le"),
    }


def _found_in_sqlite(db: Path, der: bytes) -> set[str]:
    """Names of the needles found in the .db file, its WAL, or an SQL dump of it."""
    with closing(sqlite3.connect(db)) as conn:
        dump = "\n".join(conn.iterdump()).encode()
    wal = db.with_name(db.name + "-wal")
    haystacks = [db.read_bytes(), wal.read_bytes() if wal.exists() else b"", dump]
    found = set()
    for name, needle in _needles(der).items():
        # iterdump writes blobs as X'hex', so look for the hex spelling there too.
        spellings = (needle, needle.hex().encode(), needle.hex().upper().encode())
        if any(s in haystack for s in spellings for haystack in haystacks):
            found.add(name)
    return found


def test_sqlite_files_hold_no_secret_of_a_live_session(
    tmp_path: Path, private_key_der: bytes, secret_state: dict
) -> None:
    db = tmp_path / "vault.db"
    with open_vault(f"sqlite:///{db}", secret=SECRET) as vault:
        token = vault.new_session(secret_state)
        vault.update(token, lambda state: state.update(truststore_password=PASSWORD))
        assert vault.load(token)["keystore_password"] == PASSWORD  # the session is live
        # The vault's connection is still open, so the latest writes sit in the WAL file.
        assert db.with_name("vault.db-wal").stat().st_size > 0
        assert _found_in_sqlite(db, private_key_der) == set()


def test_the_search_would_find_plaintext(
    tmp_path: Path, private_key_der: bytes, secret_state: dict
) -> None:
    """Control: the same search on an unencrypted copy of the state finds every needle."""
    db = tmp_path / "plain.db"
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE t (v BLOB)")
        conn.execute(
            "INSERT INTO t VALUES (?), (?), (?)",
            (
                json.dumps(secret_state, ensure_ascii=False).encode(),
                private_key_der,
                PASSWORD.encode("utf-16-le"),
            ),
        )
        conn.commit()
    assert _found_in_sqlite(db, private_key_der) == set(_needles(private_key_der))


def _checkpoint(db: Path) -> None:
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # not busy


@pytest.mark.parametrize("padding", [100, 6000], ids=["in-page", "overflow-pages"])
def test_deleted_session_leaves_no_ciphertext_in_the_file(tmp_path: Path, padding: int) -> None:
    db = tmp_path / "vault.db"
    with open_vault(f"sqlite:///{db}", secret=SECRET) as vault:
        token = vault.new_session({"padding": "x" * padding})
        with closing(sqlite3.connect(db)) as conn:
            [(record,)] = conn.execute("SELECT record FROM vault_records").fetchall()
        _checkpoint(db)
        probe = record[40:72]  # a stretch of ciphertext
        assert probe in db.read_bytes()  # control: it was in the main file
        vault.delete(token)
        _checkpoint(db)
        assert probe not in db.read_bytes()  # secure_delete overwrote it
        assert db.with_name("vault.db-wal").stat().st_size == 0


@pytest.mark.redis
def test_redis_holds_no_secret_of_a_live_session(
    redis_url: str, redis_client: redis.Redis, private_key_der: bytes, secret_state: dict
) -> None:
    with open_vault(redis_url, secret=SECRET) as vault:
        token = vault.new_session(secret_state)
        keys = redis_client.keys("*")
        assert len(keys) == 1
        raw = keys[0] + redis_client.get(keys[0]) + redis_client.dump(keys[0])
        for name, needle in _needles(private_key_der).items():
            assert needle not in raw, name
        for part in token.split("."):
            assert part.encode() not in raw
        assert vault.load(token)["keystore_password"] == PASSWORD
