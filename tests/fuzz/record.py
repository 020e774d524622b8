"""The fuzz suite's tally: cases run, server errors seen, the slowest case (issue 4)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["CASE_SECONDS", "TALLY", "examples", "timed_case"]

# Issue 4: any parse of user input finishes or is refused within two seconds.
CASE_SECONDS = 2.0

T = TypeVar("T")

# A longer run than CI's, for a closing note: MTLS_FUZZ_SCALE=5 runs five times the cases.
_SCALE = float(os.environ.get("MTLS_FUZZ_SCALE", "1"))


def examples(default: int) -> int:
    """`default` cases (the CI run), times MTLS_FUZZ_SCALE when set."""
    return max(1, round(default * _SCALE))


@dataclass
class Tally:
    cases: int = 0
    server_errors: int = 0
    slowest_ms: float = 0.0
    slowest_name: str = ""

    def add(self, name: str, elapsed: float, *, server_error: bool = False) -> None:
        self.cases += 1
        self.server_errors += server_error
        if elapsed * 1000 > self.slowest_ms:
            self.slowest_ms, self.slowest_name = elapsed * 1000, name


TALLY = Tally()


@contextmanager
def timed_case(name: str) -> Iterator[None]:
    """Count one case and fail it if it took longer than CASE_SECONDS."""
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        TALLY.add(name, elapsed)
    assert elapsed < CASE_SECONDS, f"{name} took {elapsed:.2f} s"


def call(name: str, function: Callable[[], T]) -> T:
    with timed_case(name):
        return function()
