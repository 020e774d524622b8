"""A description of the machine and software the numbers were measured on."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["cores", "describe_machine"]


def cores() -> int:
    """CPUs this process may run on (what gunicorn workers can use)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def describe_machine() -> dict[str, str]:
    from cryptography.hazmat.backends.openssl.backend import backend

    return {
        "CPU": _cpu_model(),
        "Cores": f"{cores()} usable ({os.cpu_count()} online)",
        "Memory": _memory(),
        "Load average at start": _load_average(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "OpenSSL (cryptography)": f"{backend.openssl_version_text()} "
        f"(cryptography {metadata.version('cryptography')})",
        "OpenSSL (CLI)": _first_line(["openssl", "version"]),
        "JDK": _first_line(["java", "-version"]),
        "SQLite": sqlite3.sqlite_version,
        "Redis server": _first_line(["redis-server", "--version"]),
        "gunicorn / Flask / pyjks": " / ".join(
            metadata.version(name) for name in ("gunicorn", "flask", "pyjks")
        ),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _load_average() -> str:
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg()) + " (1 / 5 / 15 min)"
    except OSError:
        return "unknown"


def _first_line(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        return "not installed"
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    # java -version writes to stderr.
    text = (result.stdout or result.stderr).strip()
    return text.splitlines()[0] if text else "unknown"
