"""Issue 18: a live preview and a save answering at once must not leave the next step
"Not started yet" while the stepper says it is the current one.

The race, made to happen every time: the live preview of the truststore passwords reaches
the server first (and saves them: the truststore is ready, the Finish step opens), its answer
is held back, then "Create truststore" is pressed and answered, and only then does the
preview's answer arrive (if the page still wants it). The save's answer must bring the
Finish step, whatever the preview's answer did or did not do. A second run lets the two go
as they come (no holding back), many times.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import TRUSTSTORE_PASSWORD, OpenPage
from tests.browser.servers import RunningApp
from tests.browser.wizard import button, create_truststore, open_wizard

FINISHED = Path(__file__).parents[1] / "state" / "legacy" / "main-7743e32-state.json"
REPEATS = 20
LIVE_PREVIEW = re.compile(r"/truststore/settings\?live=1$")


def _page_at_truststore_passwords(open_page: OpenPage, live_app: RunningApp) -> Page:
    """A session whose keystore is done and whose truststore only lacks its password."""
    record = json.loads(FINISHED.read_text())
    record["truststore"]["password"] = ""
    record["current"] = "truststore"
    token = live_app.app.extensions["mtls_vault"].new_session(state=record)
    page = open_page()
    page.context.add_cookies(
        [{"name": live_app.app.config["VAULT_COOKIE_NAME"], "value": token, "url": live_app.url}]
    )
    open_wizard(page)
    expect(page.locator("#step-finish")).to_contain_text("Not started yet")
    return page


def _finish_is_open_and_current(page: Page) -> None:
    finish = page.locator("#step-finish")
    expect(page.locator("#step-truststore")).to_have_class(re.compile(r"\bstep--done\b"))
    expect(finish).to_have_class(re.compile(r"\bstep--open\b"))
    expect(finish).not_to_contain_text("Not started yet")
    expect(page.locator('#stepper a[aria-current="step"]')).to_have_attribute(
        "href", "#step-finish"
    )


@pytest.mark.parametrize("repeat", range(REPEATS))
def test_a_held_back_preview_answer_does_not_undo_the_save(
    open_page: OpenPage, live_app: RunningApp, repeat: int
) -> None:
    page = _page_at_truststore_passwords(open_page, live_app)
    held: list[tuple[Route, object]] = []

    def hold(route: Route) -> None:
        held.append((route, route.fetch()))  # the server has answered; the page waits

    page.route(LIVE_PREVIEW, hold)
    create_truststore(page, TRUSTSTORE_PASSWORD, press_create=False)
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the live preview never left the page"
    button(page, "Create truststore").click()
    _finish_is_open_and_current(page)
    for route, response in held:
        # An error: the page gave up on the preview (the save superseded it).
        with contextlib.suppress(PlaywrightError):
            route.fulfill(response=response)  # type: ignore[arg-type]
    page.wait_for_timeout(200)
    _finish_is_open_and_current(page)


@pytest.mark.parametrize("repeat", range(REPEATS))
def test_a_save_right_after_typing_opens_the_finish_step(
    open_page: OpenPage, live_app: RunningApp, repeat: int
) -> None:
    page = _page_at_truststore_passwords(open_page, live_app)
    create_truststore(page, TRUSTSTORE_PASSWORD, press_create=False)
    # Around the preview's 300 ms debounce: before it, while it runs, or after it answered.
    page.wait_for_timeout(250 + 15 * repeat)
    button(page, "Create truststore").click()
    _finish_is_open_and_current(page)
    page.wait_for_timeout(300)
    _finish_is_open_and_current(page)
