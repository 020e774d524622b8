"""Fetch axe-core for the accessibility tests at install time (`make test-install`).

    python -m tests.browser.axe_install

The tarball is pinned by version and by the registry's sha512 integrity: a different file is
refused, so the cached copy is the same on every machine. Test runs only read the cache
(tests/browser/axe.py) and never touch the network. Does nothing when the cache is filled.
Without npm: an error under CI=true (CI must run the accessibility tests), a note otherwise
(those tests are then skipped with the reason).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

__all__ = ["AXE_FILE", "AXE_INTEGRITY", "AXE_VERSION", "fetch_axe"]

AXE_VERSION = "4.14.1"
# From `npm view axe-core@4.14.1 dist.integrity`: a different tarball is refused, not used.
AXE_INTEGRITY = (
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJ"
    "pZe37OgudVGtQ=="
)
# Inside the venv, so `make clean` (which removes the venv) also removes it.
CACHE_DIR = Path(os.environ.get("AXE_CACHE_DIR", Path(sys.prefix) / "share" / "axe-core"))
AXE_FILE = CACHE_DIR / f"axe-{AXE_VERSION}.min.js"
NPM_TIMEOUT = 120  # seconds; a cold npm on a slow CI network


def fetch_axe(npm: str, target: Path = AXE_FILE) -> None:
    """Pack axe-core with npm, check its integrity, and keep axe.min.js at `target`."""
    with tempfile.TemporaryDirectory(prefix="axe-core-") as tmp:
        packed = subprocess.run(
            [npm, "pack", f"axe-core@{AXE_VERSION}", "--json", "--pack-destination", tmp],
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
            cwd=tmp,
            check=False,
        )
        if packed.returncode != 0:
            raise RuntimeError(f"npm pack axe-core@{AXE_VERSION} failed:\n{packed.stderr}")
        tarball = Path(tmp) / json.loads(packed.stdout)[0]["filename"]
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if f"sha512-{digest}" != AXE_INTEGRITY:
            raise RuntimeError(f"axe-core {AXE_VERSION} tarball does not match its integrity")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/axe.min.js")
            if member is None:
                raise RuntimeError(f"axe-core {AXE_VERSION} tarball has no package/axe.min.js")
            data = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(target)  # atomic: a parallel run never reads half a file


def main() -> int:
    if AXE_FILE.exists():
        return 0
    npm = shutil.which("npm")
    if npm is None:
        message = f"npm is missing: cannot fetch axe-core {AXE_VERSION} for the accessibility tests"
        if os.environ.get("CI") == "true":
            print(f"error: {message} (CI must install it: see .ci/run)", file=sys.stderr)
            return 1
        print(f"note: {message}; they will be skipped", file=sys.stderr)
        return 0
    fetch_axe(npm)
    print(f"axe-core {AXE_VERSION} (integrity checked) -> {AXE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
