"""Small statistics helpers for timings (seconds in, milliseconds out where noted)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence

__all__ = ["median", "ms", "percentile", "time_calls"]


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest), NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def ms(seconds: float) -> float:
    return seconds * 1000.0


def time_calls(call: Callable[[], object], repeat: int) -> list[float]:
    """Wall time of `repeat` calls, in seconds each."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples
