"""axe-core for the accessibility checks: fetched once with npm, cached, injected on demand.

The app never ships axe: only the tests load it. The tarball is pinned by version and by the
registry's sha512 integrity, so a cached copy is the same file on every machine. Runs never
need the network once the cache is filled (make test fills it on the first run).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

from tests.support.tools import require_tool
from webapp.security import CONTENT_SECURITY_POLICY

__all__ = ["AXE_VERSION", "axe_violations", "assert_accessible"]

AXE_VERSION = "4.14.1"
# From `npm view axe-core@4.14.1 dist.integrity`: a different tarball is refused, not used.
AXE_INTEGRITY = ("sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJ"
                 "pZe37OgudVGtQ==")
# Beside the venv, so `make clean` (which removes the venv) also removes it.
CACHE_DIR = Path(os.environ.get("AXE_CACHE_DIR", Path(sys.prefix) / "share" / "axe-core"))
NPM_TIMEOUT = 120  # seconds; a cold npm on a slow CI network

# The rules axe runs by default (WCAG 2.x A/AA and best practices: landmarks, heading order,
# one main, region...). Only "violations" count: "incomplete" needs a human by definition.
_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + " -> " + (n.failureSummary || "").replace(/\\s+/g, " "))
  }));
}"""


@cache
def axe_source() -> str:
    """The text of axe.min.js, from the cache or freshly packed from the npm registry."""
    target = CACHE_DIR / f"axe-{AXE_VERSION}.min.js"
    if not target.exists():
        _fill_cache(target)
    return target.read_text(encoding="utf-8")


def _fill_cache(target: Path) -> None:
    npm = require_tool("npm", why=f"the accessibility tests load axe-core {AXE_VERSION} from npm")
    with tempfile.TemporaryDirectory(prefix="axe-core-") as tmp:
        packed = subprocess.run(
            [npm, "pack", f"axe-core@{AXE_VERSION}", "--json", "--pack-destination", tmp],
            capture_output=True, text=True, timeout=NPM_TIMEOUT, cwd=tmp, check=False,
        )
        if packed.returncode != 0:
            raise AssertionError(f"npm pack axe-core@{AXE_VERSION} failed:\n{packed.stderr}")
        tarball = Path(tmp) / json.loads(packed.stdout)[0]["filename"]
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if f"sha512-{digest}" != AXE_INTEGRITY:
            raise AssertionError(f"axe-core {AXE_VERSION} tarball does not match its pinned integrity")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None
            data = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(target)  # atomic: parallel runs never read half a file


def axe_violations(page: Page) -> list[dict]:
    """Run axe on the page as it is now; a list of violations (empty when clean)."""
    if page.evaluate(_SCRIPTS_OFF):
        return _violations_of_a_scriptless_copy(page)
    return _run_axe(page)


def _run_axe(page: Page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Injected through the DevTools protocol, which the page's CSP does not govern: the
        # app forbids inline and eval'd scripts, and a test must not weaken that policy.
        session = page.context.new_cdp_session(page)
        try:
            answer = session.send("Runtime.evaluate", {"expression": axe_source()})
        finally:
            session.detach()
        if "exceptionDetails" in answer:
            raise AssertionError(f"axe-core did not load: {answer['exceptionDetails']}")
    return page.evaluate(_RUN_AXE)


# The page loads htmx, yet htmx is not there: this browser context runs no scripts.
_SCRIPTS_OFF = """() => typeof window.htmx === "undefined"
  && !!document.querySelector("script[src*='htmx']")"""


def _violations_of_a_scriptless_copy(page: Page) -> list[dict]:
    """axe needs timers, which a context without JavaScript never fires. Show the same HTML
    (same URL, same CSS) in a context that runs scripts, with the page's own scripts blocked,
    so it looks exactly as it does without JavaScript, and run axe there."""
    html, url = page.content(), page.url
    context = page.context.browser.new_context(viewport=page.viewport_size)
    try:
        copy = context.new_page()
        copy.route("**/*.js", lambda route: route.abort())
        address = url.split("#")[0]
        copy.route(lambda requested: requested.split("#")[0] == address,
                   lambda route: route.fulfill(
                       body=html, content_type="text/html; charset=utf-8",
                       headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY}))
        copy.goto(address)
        return _run_axe(copy)
    finally:
        context.close()


def assert_accessible(page: Page, where: str) -> None:
    """Fail with a readable list when axe finds any violation on the page."""
    violations = axe_violations(page)
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe-core found violations on {where}:\n{report}"
