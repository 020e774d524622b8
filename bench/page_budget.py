"""The first page's budget (issue 5): bytes over the wire, other origins, time to render.

Measured in Debian Chromium against the app under gunicorn on loopback, with the browser's
HTTP cache off (every sample downloads everything, as a first visit does). Budget: at most
60 KB over the wire, no request to
another origin, rendered in under 100 ms. The benchmark prints the numbers; it asserts nothing.

    python -m bench.page_budget
"""

from __future__ import annotations

import secrets
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .servers import AppServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUDGET_BYTES = 60 * 1024
BUDGET_MS = 100.0
SAMPLES = 15


@dataclass(frozen=True)
class PageBudget:
    wire_bytes: int  # bodies as sent (compressed where the server compressed) + headers
    body_bytes: int  # bodies after decoding, for comparison
    requests: int
    foreign_requests: tuple[str, ...]
    render_ms: float  # median navigation start -> load event end (everything run and shown)
    dom_ready_ms: float  # median navigation start -> DOMContentLoaded end

    def rows(self) -> list[tuple[str, str, str]]:
        return [
            (
                "first page over the wire",
                f"{self.wire_bytes / 1024:.1f} KB",
                f"≤ {BUDGET_BYTES // 1024} KB: "
                f"{'met' if self.wire_bytes <= BUDGET_BYTES else 'MISSED'}",
            ),
            ("first page decoded", f"{self.body_bytes / 1024:.1f} KB", f"{self.requests} requests"),
            (
                "requests to other origins",
                str(len(self.foreign_requests)),
                "0: met"
                if not self.foreign_requests
                else "MISSED: " + ", ".join(self.foreign_requests),
            ),
            (
                "render (load event, median)",
                f"{self.render_ms:.1f} ms",
                f"< {BUDGET_MS:.0f} ms: {'met' if self.render_ms < BUDGET_MS else 'MISSED'}",
            ),
            ("DOMContentLoaded (median)", f"{self.dom_ready_ms:.1f} ms", ""),
        ]


def measure_page_budget(base_url: str, *, samples: int = SAMPLES) -> PageBudget:
    """Load the first page `samples` times in one running browser with its HTTP cache off.

    A running browser is what a user has; a new browser context per sample would time the
    renderer process starting (~100 ms here), not our page. The cache is off so every sample
    downloads everything, as a first visit does.
    """
    from playwright.sync_api import sync_playwright

    origin = urlsplit(base_url).netloc
    loads: list[float] = []
    ready: list[float] = []
    wire = body = count = 0
    foreign: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            devtools = context.new_cdp_session(page)
            devtools.send("Network.enable")
            devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
            finished: list = []
            page.on("requestfinished", lambda request: finished.append(request))
            page.goto(base_url + "/", wait_until="load")  # warm-up: server and renderer
            for _ in range(samples):
                finished.clear()
                page.goto(base_url + "/", wait_until="load")
                timing = page.evaluate(
                    "() => { const t = performance.getEntriesByType('navigation')[0];"
                    " return [t.loadEventEnd, t.domContentLoadedEventEnd]; }"
                )
                loads.append(timing[0])
                ready.append(timing[1])
            for request in finished:  # the last sample's requests
                sizes = request.sizes()
                wire += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                response = request.response()
                body += len(response.body()) if response else 0
                if urlsplit(request.url).netloc != origin and not request.url.startswith("data:"):
                    foreign.append(request.url)
            count = len(finished)
            context.close()
        finally:
            browser.close()
    return PageBudget(
        wire, body, count, tuple(foreign), statistics.median(loads), statistics.median(ready)
    )


def render_page_budget(budget: PageBudget) -> str:
    """The markdown section of bench/results.md."""
    lines = [
        "",
        "## First page budget (Debian Chromium, HTTP cache off, loopback)",
        "",
        "| measure | value | target |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {value} | {note} |" for name, value, note in budget.rows()]
    return "\n".join(lines) + "\n"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mtls-page-") as scratch:
        folder = Path(scratch)
        env = {
            "FLASK_VAULT_URL": f"sqlite:///{folder}/vault.db",
            "FLASK_SECRET_KEY": "bench-" + secrets.token_hex(24),
            "WEB_CONCURRENCY": "2",
        }
        with AppServer(folder, env=env, name="page") as app:
            budget = measure_page_budget(app.base_url)
    for name, value, note in budget.rows():
        print(f"{name:32} {value:>12}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
