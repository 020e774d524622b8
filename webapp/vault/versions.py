"""What Vault.replace (the optimistic write, issue 18) needs: the state with the version it
was read at, and the answer when another tab wrote first. Out of vault.py for its size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The JSON record of webapp.state.State (vault.StateRecord).
StateRecord = dict[str, Any]


@dataclass(frozen=True)
class Loaded:
    """A session's state and the version it was read at (for `Vault.replace`)."""

    state: StateRecord
    version: bytes  # the sealed record as stored: every write changes it (fresh nonce)


class StaleVersion(Exception):
    """`replace` found a newer record than the one it was given (another tab wrote)."""

    def __init__(self, current: Loaded) -> None:
        super().__init__("the session changed since it was read")
        self.current = current


class _Changed(Exception):
    def __init__(self, record: bytes) -> None:
        self.record = record
