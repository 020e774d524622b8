"""`mtls-kit` honours the portal's outbound settings: FLASK_FETCH_PROXY and FLASK_FETCH_TIMEOUT."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.cli.conftest import STORE_ENV, STORE_PASS, TRUST_ENV, TRUST_PASS, mtls_kit
from tests.conftest import ThrowawayPki
from tests.support.connect_proxy import ConnectProxy
from tests.support.tls_server import LocalTLSServer
from webapp.pki.java import build_keystore, build_truststore

NO_PROXY_ENV = {"HTTPS_PROXY": "", "https_proxy": "", "NO_PROXY": "", "no_proxy": ""}


def test_truststore_fetch_goes_through_flask_fetch_proxy(
    throwaway_pki: ThrowawayPki, tmp_path: Path
) -> None:
    pki = throwaway_pki
    with LocalTLSServer(pki.server_chain, pki.server_key) as server, ConnectProxy() as proxy:
        run = mtls_kit(
            "truststore",
            "--url",
            f"https://{server.address}",
            "--allow-network",
            "127.0.0.0/8",
            "--out",
            "t.jks",
            *TRUST_ENV,
            cwd=tmp_path,
            env={**NO_PROXY_ENV, "FLASK_FETCH_PROXY": proxy.url},
        )
    assert run.returncode == 0, run.stderr
    assert proxy.connects == [f"CONNECT 127.0.0.1:{server.port} HTTP/1.1"]


def test_fetch_proxy_none_connects_directly(throwaway_pki: ThrowawayPki, tmp_path: Path) -> None:
    pki = throwaway_pki
    with LocalTLSServer(pki.server_chain, pki.server_key) as server, ConnectProxy() as proxy:
        run = mtls_kit(
            "truststore",
            "--url",
            f"https://{server.address}",
            "--allow-network",
            "127.0.0.0/8",
            "--out",
            "t.jks",
            *TRUST_ENV,
            cwd=tmp_path,
            env={**NO_PROXY_ENV, "HTTPS_PROXY": proxy.url, "FLASK_FETCH_PROXY": "none"},
        )
    assert run.returncode == 0, run.stderr
    assert proxy.connects == []


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never answers the TLS ClientHello."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except (TimeoutError, OSError):
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        server.close()
        for conn in held:
            conn.close()


def stores(pki: ThrowawayPki, folder: Path) -> tuple[Path, Path]:
    client = pki.client("ec256")
    keystore, truststore = folder / "k.jks", folder / "t.jks"
    keystore.write_bytes(
        build_keystore(
            alias="me", private_key=client.key, chain=client.full_chain, password=STORE_PASS
        )
    )
    truststore.write_bytes(
        build_truststore(entries=[("root", pki.ca.root.cert)], password=TRUST_PASS)
    )
    return keystore, truststore


def test_connection_test_uses_flask_fetch_timeout(
    throwaway_pki: ThrowawayPki, tmp_path: Path
) -> None:
    keystore, truststore = stores(throwaway_pki, tmp_path)
    with silent_server() as port:
        runs = {}
        for seconds in ("0.5", "3"):
            started = time.monotonic()
            run = mtls_kit(
                "test",
                f"https://127.0.0.1:{port}",
                "--keystore",
                keystore,
                "--truststore",
                truststore,
                "--allow-network",
                "127.0.0.0/8",
                *STORE_ENV,
                *TRUST_ENV,
                "--json",
                cwd=tmp_path,
                env={**NO_PROXY_ENV, "FLASK_FETCH_TIMEOUT": seconds},
            )
            runs[seconds] = (time.monotonic() - started, run)
    for seconds, (elapsed, run) in runs.items():
        assert (run.returncode, run.json()["outcome"]) == (1, "unreachable"), run
        # The handshake waits FLASK_FETCH_TIMEOUT; start-up of the command adds ~0.5 s.
        assert elapsed >= float(seconds), (seconds, elapsed)
    assert runs["0.5"][0] < runs["3"][0] - 1.5


def test_a_bad_timeout_is_named(throwaway_pki: ThrowawayPki, tmp_path: Path) -> None:
    keystore, truststore = stores(throwaway_pki, tmp_path)
    run = mtls_kit(
        "test",
        "https://127.0.0.1:9",
        "--keystore",
        keystore,
        "--truststore",
        truststore,
        *STORE_ENV,
        *TRUST_ENV,
        cwd=tmp_path,
        env={"FLASK_FETCH_TIMEOUT": "soon"},
    )
    assert run.returncode == 1
    assert "FLASK_FETCH_TIMEOUT must be a number of seconds" in run.stderr
    assert "Traceback" not in run.stderr
