"""Slow clients must not take the app down when gunicorn faces them directly (`make run`).

Issue 10, hole 9: 48 connections trickling header bytes left `/healthz` unanswered for 30 s.
Here 50 connections send a request line and then one header byte at a time, for as long as
the test runs; meanwhile `/healthz` must keep answering, each probe within a few seconds.
Bounded: 50 connections, about 10 seconds of trickling.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from bench.servers import AppServer

SLOW_CONNECTIONS = 50
TRICKLE_SECONDS = 10.0
BYTE_EVERY = 0.5  # seconds between two header bytes on each slow connection
PROBE_TIMEOUT = 3.0  # what a load balancer's liveness probe might allow
PROBE_EVERY = 0.5


class Trickler:
    """SLOW_CONNECTIONS sockets that start a request and never finish its headers."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sockets: list[socket.socket] = []

    def open(self) -> None:
        for _ in range(SLOW_CONNECTIONS):
            conn = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            self.sockets.append(conn)

    def trickle(self) -> int:
        """One more header byte on every connection still open; how many were open."""
        still_open = 0
        for conn in self.sockets:
            try:
                conn.sendall(b"a")
                still_open += 1
            except OSError:  # the server may close a connection it finds too slow: fine
                pass
        return still_open

    def close(self) -> None:
        for conn in self.sockets:
            conn.close()


def probe(port: int) -> float:
    """Seconds until /healthz answered 200 (fails the test after PROBE_TIMEOUT)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        assert response.status == 200
        response.read()
    except TimeoutError:
        pytest.fail(
            f"/healthz did not answer within {PROBE_TIMEOUT} s "
            f"while {SLOW_CONNECTIONS} slow clients were connected"
        )
    finally:
        conn.close()
    return time.monotonic() - started


def hold_against_slow_clients(app: AppServer) -> list[float]:
    """Trickle on SLOW_CONNECTIONS connections and probe /healthz meanwhile."""
    trickler = Trickler(app.port)
    with ExitStack() as stack:
        stack.callback(trickler.close)
        trickler.open()
        waits = []
        deadline = time.monotonic() + TRICKLE_SECONDS
        next_byte = time.monotonic()
        while time.monotonic() < deadline:
            if time.monotonic() >= next_byte:
                trickler.trickle()
                next_byte = time.monotonic() + BYTE_EVERY
            waits.append(probe(app.port))
            time.sleep(PROBE_EVERY)
    return waits


@pytest.fixture
def app_as_make_run(start_app: Callable[..., AppServer], tmp_path: Path) -> Iterator[AppServer]:
    """gunicorn.conf.py with its defaults (workers, threads, worker class), as `make run`."""
    yield start_app(
        {
            "FLASK_VAULT_URL": f"sqlite:///{tmp_path / 'vault.db'}",
            "FLASK_SECRET_KEY": "slow-clients-" + "s" * 32,
        }
    )


def test_healthz_keeps_answering_while_fifty_clients_trickle_headers(
    app_as_make_run: AppServer,
) -> None:
    waits = hold_against_slow_clients(app_as_make_run)
    assert len(waits) >= TRICKLE_SECONDS / (PROBE_EVERY + PROBE_TIMEOUT)
    assert max(waits) < PROBE_TIMEOUT
    # The slow clients are still connected and the app still serves a real page.
    assert app_as_make_run.get("/")[0] == 200
