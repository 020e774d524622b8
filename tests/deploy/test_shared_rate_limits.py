"""Issue 19, point 8: the per-address fetch limit holds across gunicorn's workers.

Found: in the default embedded deployment (SQLite vault, gunicorn's default workers) the
counters were in each worker's memory, so 40 fetches in a minute from one address without a
session cookie all reached the partner's server. The counters now live in the SQLite file.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

from bench.browser import Browser, find_form
from bench.procedure import Materials
from bench.servers import AppServer
from tests.support.throwaway_pki import ThrowawayCA
from tests.support.tls_server import LocalTLSServer
from webapp.config import DEFAULTS

from .conftest import app_env

FETCHES = 40
LIMIT = int(DEFAULTS["FETCH_RATE_LIMIT_PER_ADDRESS"])


class CountingTLSServer(LocalTLSServer):
    """The partner's server, counting the connections that reach it."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.connections = 0
        self._count_lock = threading.Lock()

    def _handle(self, conn: socket.socket) -> None:
        with self._count_lock:
            self.connections += 1
        super()._handle(conn)


def one_cookieless_fetch(base_url: str, partner_url: str) -> int:
    """A fresh browser: the page (for its CSRF token), then the fetch, no vault cookie."""
    with Browser() as browser:
        page = browser.get(base_url + "/", fragment=False)
        assert page.status == 200
        assert not any("vault" in name for name in browser.cookies)  # a read starts nothing
        # The fetch form shows after the keystore step; its CSRF token is any form's.
        form = find_form(page.text, "import-form")
        assert form is not None
        fields = {"csrf_token": form.values()["csrf_token"], "server_url": partner_url}
        return browser.post(base_url + "/truststore/fetch", fields).status


def test_cookieless_fetches_reach_the_partner_at_most_the_per_address_limit(
    start_app: Callable[..., AppServer], materials: Materials, tmp_path: Path
) -> None:
    partner = ThrowawayCA("Partner Rate Root", key_kind="ec256").issue_server("127.0.0.1")
    key, chain = partner.write(tmp_path, "partner")
    env = app_env(f"sqlite:///{tmp_path / 'vault.db'}", materials)
    del env["WEB_CONCURRENCY"]  # gunicorn.conf.py's default: 2 per CPU, at least 2
    app = start_app(env)
    with CountingTLSServer(cert_chain=chain, key=key) as server:
        url = f"https://127.0.0.1:{server.port}/in"
        # Parallel, so the requests spread over the workers as a burst would.
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(lambda _: one_cookieless_fetch(app.base_url, url), range(FETCHES))
            )
        reached = server.connections  # one connection per fetch (pki/partner/fetch.py)
    assert all(status == 200 for status in statuses), statuses  # refused beside the field
    assert 0 < reached <= LIMIT, f"{reached} of {FETCHES} fetches reached the partner"
    # The counters are in the vault's file, in a table of their own.
    with closing(sqlite3.connect(tmp_path / "vault.db")) as db:
        assert db.execute("SELECT count(*) FROM rate_limits").fetchone()[0] >= 1
