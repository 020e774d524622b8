"""Constants and helpers shared by the vault tests."""

from __future__ import annotations

SECRET = b"vault-tests-server-secret-0123456789"
OTHER_SECRET = b"another-deployment-secret-9876543210"


class FakeClock:
    """A time.time stand-in the test moves by hand, so expiry needs no sleeping."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
