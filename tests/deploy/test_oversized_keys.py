"""Issue 19, point 1 under gunicorn: a 15,636-bit RSA key in a 12.6 KB upload killed the worker
(WORKER TIMEOUT) and every request in flight on its threads. Now it is refused at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.browser import Browser, UploadFile
from bench.procedure import Materials
from bench.servers import AppServer
from tests.support.big_keys import KEY_16K, big_key, pem_with_key

from .conftest import app_env

MESSAGE = "This key is 15,636 bits; RSA keys over 8,192 bits are not accepted"


def upload_big_key(base_url: str, data: bytes) -> tuple[int, str, float]:
    with Browser() as browser:
        page = browser.get(base_url + "/", fragment=False)
        started = time.perf_counter()
        answer = browser.submit(
            page,
            "import-form",
            {"key_password": ""},
            files=[UploadFile("key_file", "big.pem", data)],
        )
        return answer.status, answer.text, time.perf_counter() - started


def test_a_worker_survives_a_16k_key(
    start_app: Callable[..., AppServer], materials: Materials, tmp_path: Path
) -> None:
    env = app_env(f"sqlite:///{tmp_path / 'vault.db'}", materials, WEB_CONCURRENCY="1")
    app = start_app(env)
    data = pem_with_key(big_key(KEY_16K))
    # Four at once on the one worker: before the fix, each held a thread for ~30 s of key check.
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: upload_big_key(app.base_url, data), range(4)))
    with Browser() as browser:
        health = browser.get(app.base_url + "/healthz")
    assert health.status == 200
    for status, text, elapsed in answers:
        assert status == 200
        assert MESSAGE in text
        assert elapsed < 2.0, f"an upload took {elapsed:.2f} s"  # four in parallel on 2 cores
    log = app.stderr_text()
    assert "WORKER TIMEOUT" not in log and log.count("Booting worker") == 1, log
