"""axe-core for the accessibility checks: read from the cache the install step filled,
injected on demand.

The app never ships axe: only the tests load it. `make test-install` fetches it, pinned and
checksum-verified (tests/browser/axe_install.py); a test run never touches the network. A
missing cache fails the test under CI=true and skips it otherwise, with the command to run.
"""

from __future__ import annotations

import os
from functools import cache

import pytest
from playwright.sync_api import Page

from tests.browser.axe_install import AXE_FILE, AXE_VERSION
from webapp.web.security import CONTENT_SECURITY_POLICY

__all__ = ["AXE_VERSION", "axe_violations", "assert_accessible"]

# The rules axe runs by default (WCAG 2.x A/AA and best practices: landmarks, heading order,
# one main, region...). Only "violations" count: "incomplete" needs a human by definition.
_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n =>
      n.target.join(" ") + " -> " + (n.failureSummary || "").replace(/\\s+/g, " "))
  }));
}"""


@cache
def axe_source() -> str:
    """The text of axe.min.js, from the cache `make test-install` filled."""
    if not AXE_FILE.exists():
        reason = (
            f"axe-core {AXE_VERSION} is not in {AXE_FILE}: run `make test-install` "
            "(python -m tests.browser.axe_install, needs npm)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return AXE_FILE.read_text(encoding="utf-8")


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
        copy.route(
            lambda requested: requested.split("#")[0] == address,
            lambda route: route.fulfill(
                body=html,
                content_type="text/html; charset=utf-8",
                headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
            ),
        )
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
