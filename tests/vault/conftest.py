"""Fixtures for the vault tests: a fake clock, SQLite and Redis vaults, a real redis-server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from bench.servers import RedisServer
from tests.support.tools import require_tool
from webapp.vault import Vault, open_vault

from ._support import SECRET, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'vault.db'}"


@pytest.fixture
def sqlite_vault(sqlite_url: str, clock: FakeClock) -> Iterator[Vault]:
    with open_vault(sqlite_url, secret=SECRET, clock=clock) as vault:
        yield vault


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server shared by the Redis tests (each test starts from an empty db)."""
    server = RedisServer(tmp_path_factory.mktemp("redis"), binary=require_tool("redis-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A raw client on the shared server, emptied first; for looking at what the vault stored."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def redis_url(redis_client: redis.Redis, redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[Callable[[], RedisServer]]:
    """A private redis-server a test may stop and restart (never the shared one)."""
    servers: list[RedisServer] = []

    def start() -> RedisServer:
        server = RedisServer(tmp_path, binary=require_tool("redis-server"))
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def vault_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store, once per backend."""
    if request.param == "redis":
        return request.getfixturevalue("redis_url")
    return f"sqlite:///{tmp_path / 'vault.db'}"


@pytest.fixture
def any_vault(vault_url: str) -> Iterator[Vault]:
    with open_vault(vault_url, secret=SECRET) as vault:
        yield vault
