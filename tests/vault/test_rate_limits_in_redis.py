"""Issue 10, hole 8: with a Redis vault, the fetch counters live in that Redis, shared by
every worker and instance (an attacker cannot spread requests over workers)."""

from __future__ import annotations

from pathlib import Path

import redis

from tests.conftest import ThrowawayPki, app_config_for
from webapp import create_app
from webapp.web.limits import FETCH_TOO_OFTEN


def fetch_error(app) -> str:
    response = app.test_client().post(
        "/truststore/fetch", data={"server_url": "192.0.2.1:443"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_fetch_counters_are_shared_through_the_vaults_redis(
    tmp_path: Path, throwaway_pki: ThrowawayPki, redis_url: str, redis_client: redis.Redis
):
    config = app_config_for(
        tmp_path,
        throwaway_pki,
        VAULT_URL=redis_url,
        FETCH_ALLOWED_NETWORKS="[]",
        FETCH_RATE_LIMIT_PER_ADDRESS=2,
    )
    first, second = create_app(config), create_app(dict(config))  # two instances
    assert FETCH_TOO_OFTEN not in fetch_error(first)
    assert FETCH_TOO_OFTEN not in fetch_error(second)
    assert FETCH_TOO_OFTEN in fetch_error(first)
    keys = [k.decode() for k in redis_client.keys("*")]
    assert any("fetch-address" in k for k in keys), keys
    # No vault record was created by these refused or failed fetches.
    assert not [k for k in keys if "fetch" not in k], keys
    for app in (first, second):
        app.extensions["mtls_vault"].close()
