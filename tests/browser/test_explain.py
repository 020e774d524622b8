"""Explain a Java error in Chromium (issue 22): paste a real JDK stack trace, read the cause;
axe-core finds nothing on the answer, with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import OpenPage
from tests.browser.wizard import button, field, link
from tests.support.java_errors import java_error_texts

pytestmark = pytest.mark.java


def stack_trace(name: str) -> str:
    (item,) = [t for t in java_error_texts() if t.name == name]
    return item.text


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_paste_a_stack_trace_and_read_the_cause(open_page: OpenPage, javascript: bool) -> None:
    text = stack_trace("PKIX, server root missing")
    assert "Caused by:" in text
    page = open_page(javascript=javascript)
    page.goto("/")
    link(page, "Explain a Java error").first.click()
    expect(page).to_have_url(page.url.split("/explain")[0] + "/explain")
    field(page, "Java error message").fill(text)
    button(page, "Explain").click()
    answer = page.locator("[data-cause]")
    expect(answer).to_have_attribute("data-cause", "server-not-trusted")
    expect(answer.get_by_role("heading")).to_have_text(
        "Your truststore does not trust the partner's server."
    )
    expect(answer).to_contain_text("Next step")
    expect(answer).to_contain_text("unable to find valid certification path")
    if javascript:  # htmx swapped the panel and moved the keyboard to the answer
        expect(page.locator("#explain-answer-title")).to_be_focused()
    assert_accessible(page, f"the explain answer ({'htmx' if javascript else 'no JS'})")


def test_a_paste_that_is_too_large_says_so_beside_the_field(open_page: OpenPage) -> None:
    page = open_page()
    page.goto("/explain")
    field(page, "Java error message").fill("x" * (64 * 1024 + 10))
    button(page, "Explain").click()
    expect(page.locator("#java_error-error")).to_have_text(
        "This text is longer than 64 KB. Paste the exception with its “Caused by:” lines, "
        "or the last part of the log."
    )
    expect(page.locator("[data-cause]")).to_have_count(0)
    assert_accessible(page, "the explain page with an error")
