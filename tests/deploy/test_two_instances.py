"""Several instances on one Redis: a user's work follows them from one instance to the next."""

from __future__ import annotations

import json

import jks
import pytest
import redis
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from bench.browser import Browser
from bench.procedure import (
    KEYSTORE_PASSWORD,
    TRUSTSTORE_PASSWORD,
    Materials,
    ProcedureWalk,
    zip_members,
)
from bench.servers import AppServer, RedisServer
from webapp.vault.redis_backend import KEY_PREFIX

pytestmark = pytest.mark.redis


def test_user_alternating_between_instances_completes_the_procedure(
    two_instances: tuple[AppServer, AppServer], shared_redis: RedisServer, materials: Materials
) -> None:
    first, second = two_instances
    logged_before = {server: len(server.stdout_text().splitlines()) for server in two_instances}
    with Browser() as browser:
        walk = ProcedureWalk(browser, [first.base_url, second.base_url], materials).run()
        # The procedure's session lives in the shared Redis, not in either instance.
        client = redis.Redis.from_url(shared_redis.url)
        try:
            assert list(client.scan_iter(match=KEY_PREFIX + b"*"))
        finally:
            client.close()

    files = zip_members(walk.bundle)
    _, expected_cert, _ = pkcs12.load_key_and_certificates(
        materials.p12, materials.p12_password.encode()
    )
    assert expected_cert is not None
    keystore = jks.KeyStore.loads(files["keystore.jks"], KEYSTORE_PASSWORD)
    [entry] = keystore.private_keys.values()
    entry.decrypt(KEYSTORE_PASSWORD)
    leaf = x509.load_der_x509_certificate(entry.cert_chain[0][1])
    assert leaf == expected_cert
    key = serialization.load_der_private_key(entry.pkey_pkcs8, None)
    assert key.public_key() == expected_cert.public_key()
    trusted = {
        x509.load_der_x509_certificate(c.cert)
        for c in jks.KeyStore.loads(files["truststore.jks"], TRUSTSTORE_PASSWORD).certs.values()
    }
    partner_root = x509.load_pem_x509_certificate(
        dict(materials.partner_certificates)["partner-root.pem"]
    )
    assert partner_root in trusted
    assert json.loads(files["destination.json"])["url"] == "https://partner.example/inbound"

    # Each instance served its share of the steps (they alternate: first, second, first, ...).
    served = {
        server: [
            (line["method"], line["path"]) for line in _json_lines(server)[logged_before[server] :]
        ]
        for server in two_instances
    }
    assert served[first] == [
        ("GET", "/"),
        ("POST", "/keystore/settings"),
        ("POST", "/truststore/settings"),
        ("GET", "/finish/bundle.zip"),
    ]
    assert served[second] == [
        ("POST", "/keystore/import"),
        ("POST", "/truststore/upload"),
        ("POST", "/finish/settings"),
    ]


def test_both_instances_are_alive_and_ready(two_instances: tuple[AppServer, AppServer]) -> None:
    for server in two_instances:
        status, body = server.get("/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, body = server.get("/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ready"})


def _json_lines(server: AppServer) -> list[dict]:
    # Request lines only: audit lines (issue 15, "log": "audit") share stdout.
    return [
        r
        for r in (json.loads(line) for line in server.stdout_text().splitlines())
        if r.get("log") != "audit"
    ]
