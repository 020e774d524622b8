"""(a) Keystore build over HTTP versus the same work in-process (the crypto floor).

One user, an idle server: POST /keystore/import (the .p12), POST /keystore/settings,
GET /keystore/download, timed together; in between, the floor (load_key_pairs +
build_keystore) in this process, so both see the same machine at the same moment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .browser import Browser, UploadFile
from .floor import build_keystore_in_process
from .procedure import KEYSTORE_PASSWORD, Materials, ProcedureError
from .stats import median

__all__ = ["REQUESTS", "KeystoreLatency", "measure_keystore_latency"]

REQUESTS = ("import", "settings", "download")


@dataclass(frozen=True)
class KeystoreLatency:
    key_kind: str
    http: list[float]  # seconds, import + settings + download
    per_request: dict[str, list[float]]
    floor: list[float]  # seconds, in-process

    @property
    def ratio(self) -> float:
        return median(self.http) / median(self.floor)


def measure_keystore_latency(
    base: str, materials: Materials, *, key_kind: str, samples: int, warmup: int = 3
) -> KeystoreLatency:
    http: list[float] = []
    floor: list[float] = []
    per_request: dict[str, list[float]] = {name: [] for name in REQUESTS}
    for index in range(warmup + samples):
        timings = _keystore_over_http(base, materials)
        started = time.perf_counter()
        build_keystore_in_process(materials)
        floor_seconds = time.perf_counter() - started
        if index >= warmup:
            http.append(sum(timings.values()))
            floor.append(floor_seconds)
            for name, seconds in timings.items():
                per_request[name].append(seconds)
    return KeystoreLatency(key_kind, http, per_request, floor)


def _keystore_over_http(base: str, materials: Materials) -> dict[str, float]:
    timings: dict[str, float] = {}
    with Browser() as browser:
        page = browser.get(base + "/", fragment=False)  # the user has the page open already
        started = time.perf_counter()
        page = browser.submit(
            page,
            "import-form",
            {"key_password": materials.p12_password},
            files=[UploadFile("key_file", "client.p12", materials.p12)],
        )
        timings["import"] = time.perf_counter() - started
        started = time.perf_counter()
        page = browser.submit(
            page,
            "keystore-settings",
            {
                "keystore_password": KEYSTORE_PASSWORD,
                "confirm_keystore_password": KEYSTORE_PASSWORD,
            },
        )
        timings["settings"] = time.perf_counter() - started
        started = time.perf_counter()
        download = browser.get(base + "/keystore/download", fragment=False)
        timings["download"] = time.perf_counter() - started
    if download.status != 200 or download.header("Content-Type") != "application/octet-stream":
        raise ProcedureError(f"keystore download failed: {download.status} {download.text[:200]!r}")
    return timings
