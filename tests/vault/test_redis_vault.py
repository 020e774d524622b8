"""Redis specifics: TTL expiry and sliding, key naming, and surviving an outage."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis

from bench.servers import RedisServer
from webapp.vault import SessionGone, VaultUnavailable, open_vault
from webapp.vault.redis_backend import KEY_PREFIX
from webapp.vault.tokens import parse_token, storage_key_for

from ._support import SECRET

pytestmark = pytest.mark.redis


def _key_name(token: str) -> bytes:
    parsed = parse_token(token)
    assert parsed is not None
    return KEY_PREFIX + storage_key_for(parsed.session_id, secret=SECRET).hex().encode()


def test_keys_are_prefixed_hmac_of_the_session_id(
    redis_url: str, redis_client: redis.Redis
) -> None:
    with open_vault(redis_url, secret=SECRET) as vault:
        token = vault.new_session()
    assert redis_client.keys("*") == [_key_name(token)]


def test_idle_session_expires(redis_url: str, redis_client: redis.Redis) -> None:
    with open_vault(redis_url, secret=SECRET, idle_timeout=1) as vault:
        token = vault.new_session({"a": 1})
        assert 0 < redis_client.pttl(_key_name(token)) <= 1000
        time.sleep(1.2)
        assert vault.load(token) is None
        with pytest.raises(SessionGone):
            vault.update(token, lambda state: state.update(a=2))
    assert redis_client.keys("*") == []


def test_load_and_update_slide_the_ttl(redis_url: str, redis_client: redis.Redis) -> None:
    with open_vault(redis_url, secret=SECRET) as vault:
        token = vault.new_session()
        name = _key_name(token)
        assert 1_790_000 < redis_client.pttl(name) <= 1_800_000
        redis_client.pexpire(name, 5_000)  # as if the user had been idle for ~30 minutes
        vault.load(token)
        assert redis_client.pttl(name) > 1_790_000
        redis_client.pexpire(name, 5_000)
        vault.update(token, lambda state: state.update(a=1))
        assert redis_client.pttl(name) > 1_790_000


def test_outage_is_unavailable_and_recovers_after_restart(
    start_redis: Callable[[], RedisServer],
) -> None:
    server = start_redis()
    with open_vault(server.url, secret=SECRET, storage_timeout=1.0) as vault:
        token = vault.new_session({"step": "secret-step-name"})
        server.stop()
        started = time.monotonic()
        for call in (
            lambda: vault.load(token),
            lambda: vault.update(token, lambda state: state.update(a=1)),
            vault.new_session,
            lambda: vault.delete(token),
        ):
            with pytest.raises(VaultUnavailable, match=r"^session storage is unavailable") as info:
                call()
            assert "secret-step-name" not in str(info.value)
        assert vault.ping() is False
        assert time.monotonic() - started < 5  # fails fast, no long retry loop
        server.start()  # same port, empty (no persistence)
        assert vault.ping() is True
        fresh = vault.new_session({"step": 2})
        assert vault.load(fresh) == {"step": 2}
        assert vault.load(token) is None  # the old data went with the old server


def test_a_fresh_read_leaves_the_ttl_alone(redis_url: str, redis_client: redis.Redis) -> None:
    # Issue 18: a read is not a write; the TTL moves once it ran down by a minute.
    with open_vault(redis_url, secret=SECRET) as vault:
        token = vault.new_session()
        name = _key_name(token)
        redis_client.pexpire(name, 1_800_000 - 30_000)  # last refreshed 30 s ago
        vault.load(token)
        assert redis_client.pttl(name) <= 1_770_000
        redis_client.pexpire(name, 1_800_000 - 61_000)
        vault.load(token)
        assert redis_client.pttl(name) > 1_790_000
