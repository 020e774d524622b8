"""Find the external tools some tests need (JDK, Chromium, redis-server).

By hand, a missing tool skips the test with a clear reason. Under CI=true a missing tool is a
failure: CI installs every tool, so a skip there would hide a test that never ran.
"""

from __future__ import annotations

import os
import shutil

import pytest

__all__ = ["require_tool"]


def require_tool(name: str, *, path: str | None = None, why: str = "") -> str:
    """Return the tool's path, or skip (by hand) / fail (under CI=true) when it is missing."""
    found = path if path and os.access(path, os.X_OK) else shutil.which(name)
    if found:
        return found
    reason = f"{name} is not installed{': ' + why if why else ''}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must install it: see .ci/run)", pytrace=False)
    pytest.skip(reason)
