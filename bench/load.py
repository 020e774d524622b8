"""(b) The whole procedure by N concurrent virtual users (threads) against gunicorn.

Each virtual user repeats the procedure with a fresh browser (a new session each time). With
no think time it clicks as fast as the server answers, so the server is saturated from N = 2
on and a step's latency is mostly queueing (Little's law: N users / throughput per step); with
think time it behaves like people reading the page between clicks.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .browser import Browser
from .procedure import STEPS, Materials, StepTimes, walk_procedure

__all__ = ["LoadResult", "cpu_seconds", "machine_busy_seconds", "run_load"]


@dataclass
class LoadResult:
    users: int
    think: float
    completed: int
    failed: int
    wall: float  # seconds from start to the last user finishing
    times: StepTimes
    server_cpu: float  # seconds of CPU used by the gunicorn workers
    client_cpu: float  # seconds of CPU used by this process (the virtual users)
    machine_cpu: float  # seconds of CPU used by every process on the machine
    errors: list[str] = field(default_factory=list)

    @property
    def other_cpu(self) -> float:
        """CPU seconds taken by processes that are neither the app nor the virtual users."""
        return max(0.0, self.machine_cpu - self.server_cpu - self.client_cpu)

    @property
    def throughput(self) -> float:
        return self.completed / self.wall if self.wall else 0.0


def run_load(
    base: str,
    materials: Materials,
    *,
    users: int,
    procedures_per_user: int,
    worker_pids: list[int],
    think: float = 0.0,
) -> LoadResult:
    """``think`` > 0: each user pauses that long between steps, like a person reading."""
    times = StepTimes()
    completed = failed = 0
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(users + 1)

    def virtual_user(index: int) -> None:
        nonlocal completed, failed
        start.wait()
        if think:
            # Spread the users over one procedure's length: people do not click in step.
            time.sleep(index * think * len(STEPS) / users)
        for _ in range(procedures_per_user):
            try:
                with Browser() as browser:
                    walk_procedure(browser, [base], materials, times, think=think)
                with lock:
                    completed += 1
            except (AssertionError, OSError, LookupError) as exc:
                with lock:
                    failed += 1
                    errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    threads = [threading.Thread(target=virtual_user, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    server_before, client_before = cpu_seconds(worker_pids), time.process_time()
    machine_before = machine_busy_seconds()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    server_cpu = cpu_seconds(worker_pids) - server_before
    client_cpu = time.process_time() - client_before
    machine_cpu = machine_busy_seconds() - machine_before
    return LoadResult(
        users, think, completed, failed, wall, times, server_cpu, client_cpu, machine_cpu, errors
    )


def machine_busy_seconds() -> float:
    """CPU time all processes have used since boot, every core summed (Linux /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        # Fields after the command name (which may hold spaces) start at index 2 ("state").
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks
