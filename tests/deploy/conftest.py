"""Fixtures for deployment tests: real redis-server and gunicorn processes on loopback.

The app is started exactly as in production — `gunicorn -c gunicorn.conf.py
'webapp:create_app()'`, configured only through the environment — and driven over HTTP by
bench.browser.Browser, the same user agent the benchmarks use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.procedure import Materials, make_materials
from bench.servers import AppServer, RedisServer
from tests.support.tools import require_tool

# Both instances must share it: it files sessions in the vault and signs the CSRF secret
# kept in Flask's session cookie.
SECRET_KEY = "deploy-tests-secret-key-0123456789abcdef"
# A short storage timeout, so an outage shows as a 503 within a second, not five.
STORAGE_TIMEOUT = "1"


@pytest.fixture(scope="session")
def materials(tmp_path_factory: pytest.TempPathFactory) -> Materials:
    """A user's .p12 and the partner's certificates (EC: the key type does not matter here)."""
    return make_materials(tmp_path_factory.mktemp("materials"), key_kind="ec256")


@pytest.fixture(scope="session")
def redis_binary() -> str:
    return require_tool(
        "redis-server", why="the Redis vault backend is tested against a real server"
    )


@pytest.fixture(scope="session")
def shared_redis(
    redis_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RedisServer]:
    """One redis-server for the session, no persistence."""
    with RedisServer(tmp_path_factory.mktemp("redis"), binary=redis_binary) as server:
        yield server


def app_env(vault_url: str, materials: Materials, **extra: str) -> dict[str, str]:
    """The environment an operator would set for one instance."""
    return {
        "FLASK_VAULT_URL": vault_url,
        "FLASK_SECRET_KEY": SECRET_KEY,
        "FLASK_FETCH_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
        "FLASK_EXTRA_ROOTS": str(materials.folder / "partner-root.pem"),
        "FLASK_VAULT_STORAGE_TIMEOUT": STORAGE_TIMEOUT,
        "WEB_CONCURRENCY": "2",
        **extra,
    }


@pytest.fixture(scope="session")
def two_instances(
    shared_redis: RedisServer, materials: Materials, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AppServer, AppServer]]:
    """Two gunicorn instances on different ports sharing one Redis, logging JSON lines, behind
    one trusted reverse proxy (which the tests play by sending X-Forwarded-* themselves)."""
    logs = tmp_path_factory.mktemp("instances")
    env = app_env(shared_redis.url, materials, FLASK_LOG_JSON="true", FLASK_PROXY_FIX="1")
    with (
        AppServer(logs, env=env, name="first") as first,
        AppServer(logs, env=env, name="second") as second,
    ):
        yield first, second


@pytest.fixture
def start_app(tmp_path: Path) -> Iterator[Callable[..., AppServer]]:
    """Start a private gunicorn instance with this environment; stopped after the test."""
    started: list[AppServer] = []

    def start(env: dict[str, str], *, name: str = "app") -> AppServer:
        server = AppServer(tmp_path, env=env, name=name).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def start_redis(redis_binary: str, tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """Start a private redis-server a test may stop, freeze and restart."""
    started: list[RedisServer] = []

    def start(*, persistent: bool = False) -> RedisServer:
        server = RedisServer(
            tmp_path / f"redis-{len(started)}", binary=redis_binary, persistent=persistent
        ).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
