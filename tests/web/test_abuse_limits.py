"""Issue 10, hole 8: fetch limits per client address as well as per session; a cap on what one
session may store; no vault record for a request with nothing to save.

Before, the limit counted per session and a request without the cookie got a new session:
25 of 25 fetches went through, each creating a vault record.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from flask import Flask

from tests.conftest import ThrowawayPki, app_config_for
from webapp import create_app
from webapp.vault import MAX_STATE_BYTES
from webapp.web.limits import FETCH_TOO_OFTEN

from .page import assert_error_beside
from .procedure import HTMX, page_of, saved_state, upload_certificates


def records(folder: Path) -> int:
    with closing(sqlite3.connect(folder / "vault.db")) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'vault_records'").fetchone():
            return 0  # the table is created with the first record
        return conn.execute("SELECT count(*) FROM vault_records").fetchone()[0]


def limited_app(folder: Path, pki: ThrowawayPki, **config) -> Flask:
    return create_app(app_config_for(folder, pki, FETCH_ALLOWED_NETWORKS="[]", **config))


def fetch(app: Flask, address: str = "127.0.0.1", *, forwarded: str | None = None):
    client = app.test_client()  # a fresh client each time: no cookie, like a script
    headers = {**HTMX, **({"X-Forwarded-For": forwarded} if forwarded else {})}
    return client.post(
        "/truststore/fetch",
        data={"server_url": "192.0.2.1:443"},
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def test_cookieless_fetches_are_limited_per_address_and_create_no_session(
    tmp_path: Path, throwaway_pki: ThrowawayPki
):
    app = limited_app(tmp_path, throwaway_pki, FETCH_RATE_LIMIT=100, FETCH_RATE_LIMIT_PER_ADDRESS=5)
    pages = [page_of(fetch(app)) for _ in range(25)]
    refused = [p for p in pages if p.errors().get("server_url", "").startswith("You have checked")]
    assert len(refused) == 20
    assert_error_beside(refused[0], "server_url", FETCH_TOO_OFTEN)
    assert records(tmp_path) == 0  # refused (and failed) fetches saved nothing
    # Another address has its own allowance.
    assert "server_url" in page_of(fetch(app, "198.51.100.9")).errors()
    assert not page_of(fetch(app, "198.51.100.9")).errors()["server_url"].startswith("You have")
    app.extensions["mtls_vault"].close()


def test_behind_a_proxy_the_forwarded_address_counts(tmp_path: Path, throwaway_pki: ThrowawayPki):
    app = limited_app(tmp_path, throwaway_pki, PROXY_FIX=1, FETCH_RATE_LIMIT_PER_ADDRESS=2)
    for _ in range(2):
        fetch(app, "10.0.0.1", forwarded="203.0.113.5")
    blocked = page_of(fetch(app, "10.0.0.1", forwarded="203.0.113.5"))
    assert_error_beside(blocked, "server_url", FETCH_TOO_OFTEN)
    other = page_of(fetch(app, "10.0.0.1", forwarded="203.0.113.6"))  # same proxy, other user
    assert not other.errors()["server_url"].startswith("You have checked")
    app.extensions["mtls_vault"].close()


def test_one_session_is_limited_too(tmp_path: Path, throwaway_pki: ThrowawayPki):
    app = limited_app(tmp_path, throwaway_pki, FETCH_RATE_LIMIT=3, FETCH_RATE_LIMIT_PER_ADDRESS=100)
    client = app.test_client()
    upload_certificates(client, [(throwaway_pki.root_pem.read_bytes(), "root.pem")])
    answers = [
        page_of(
            client.post(
                "/truststore/fetch",
                data={"server_url": "192.0.2.1:443"},
                headers=HTMX,
                environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
            )
        )
        for n in range(10, 15)
    ]  # even from changing addresses
    limited = [a.errors()["server_url"] == FETCH_TOO_OFTEN for a in answers]
    assert limited == [False] * 3 + [True] * 2
    app.extensions["mtls_vault"].close()


def big_certificate(
    pki: ThrowawayPki, index: int, size: int = 60000, *, der: bool = False
) -> bytes:
    """A certificate of about `size` bytes (a large private extension), PEM unless `der`."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = pki.server.key
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Big {index}")])
    padding = x509.UnrecognizedExtension(
        x509.ObjectIdentifier("1.3.6.1.4.1.99999.3"),
        b"\x04\x83" + size.to_bytes(3, "big") + b"x" * size,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(index + 1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=9))
        .add_extension(padding, critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER if der else serialization.Encoding.PEM)


def test_a_session_cannot_grow_past_the_vault_cap(app: Flask, throwaway_pki: ThrowawayPki):
    client = app.test_client()
    upload_certificates(client, [(throwaway_pki.root_pem.read_bytes(), "root.pem")])
    answers = []
    for batch in range(10):  # 10 x 4 x 80 KB of PEM: well past 2 MiB
        files = [(big_certificate(throwaway_pki, batch * 4 + i), f"big{i}.pem") for i in range(4)]
        answers.append(upload_certificates(client, files))
    assert all(a.status_code < 500 for a in answers)
    refused = [a for a in answers if a.status_code == 413]
    assert refused, "the session grew past the cap"
    assert "Nothing was added" in refused[0].get_data(as_text=True)
    assert client.get("/").status_code == 200
    state = saved_state(client, app)
    assert state is not None and len(str(state)) < MAX_STATE_BYTES * 1.1
