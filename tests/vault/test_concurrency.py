"""Concurrent updates of one session lose nothing: threads, and separate worker processes."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from webapp.vault import open_vault

from . import _workers
from ._support import SECRET

THREADS, PROCESSES, UPDATES_EACH = 8, 4, 25


def test_threads_do_not_lose_updates(vault_url: str) -> None:
    with open_vault(vault_url, secret=SECRET) as vault:
        token = vault.new_session({"started": True})
        barrier = Barrier(THREADS)

        def add_keys(worker: int) -> None:
            barrier.wait(timeout=30)
            for i in range(UPDATES_EACH):
                vault.update(
                    token, lambda state, key=f"t{worker}-{i}", i=i: state.__setitem__(key, i)
                )

        with ThreadPoolExecutor(THREADS) as pool:
            for future in [pool.submit(add_keys, worker) for worker in range(THREADS)]:
                future.result()
        state = vault.load(token)
    assert state is not None
    expected = {f"t{w}-{i}" for w in range(THREADS) for i in range(UPDATES_EACH)}
    assert set(state) == expected | {"started"}


def test_processes_do_not_lose_updates(vault_url: str) -> None:
    """Like gunicorn workers: separate processes, each with its own Vault on the same store."""
    with open_vault(vault_url, secret=SECRET) as vault:
        token = vault.new_session()
        spawn = multiprocessing.get_context("spawn")
        barrier = spawn.Barrier(PROCESSES)
        workers = [
            spawn.Process(
                target=_workers.add_keys,
                args=(vault_url, SECRET, token, worker, UPDATES_EACH, barrier),
            )
            for worker in range(PROCESSES)
        ]
        for process in workers:
            process.start()
        for process in workers:
            process.join(timeout=120)
        assert [process.exitcode for process in workers] == [0] * PROCESSES
        state = vault.load(token)
    assert state is not None
    assert len(state) == PROCESSES * UPDATES_EACH
    assert state == {f"w{w}-{i}": w for w in range(PROCESSES) for i in range(UPDATES_EACH)}
