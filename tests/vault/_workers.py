"""Functions run in spawned child processes (importable by module path, no fixtures)."""

from __future__ import annotations

import resource
import signal
from typing import Any

from webapp.vault import VaultUnavailable, open_vault


def add_keys(url: str, secret: bytes, token: str, worker: int, count: int, barrier: Any) -> None:
    """Add keys w<worker>-0 .. w<worker>-<count-1> to one session, one update() each."""
    with open_vault(url, secret=secret) as vault:
        barrier.wait(timeout=60)  # all processes hammer the session at the same moment
        for i in range(count):
            vault.update(token, lambda state, key=f"w{worker}-{i}": state.__setitem__(key, worker))


def update_beyond_file_size_limit(
    url: str, secret: bytes, token: str, limit: int
) -> tuple[str, dict | None]:
    """Simulate a full disk: cap file sizes (RLIMIT_FSIZE) and write a state larger than that.

    Returns (what update() raised, the state load() sees afterwards).
    """
    # Past the limit write() fails with EFBIG instead of killing us with SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    with open_vault(url, secret=secret) as vault:
        try:
            vault.update(token, lambda state: state.update(padding="x" * (2 * limit)))
        except VaultUnavailable as exc:
            outcome = f"VaultUnavailable: {exc}"
        else:
            outcome = "update succeeded"
        return outcome, vault.load(token)
