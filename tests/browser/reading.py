"""How much the user has to read and scroll: the page's height and each step's words.

Issue 12 measures the happy path with these (the numbers go into the report), so a change
that makes the page longer or wordier shows up in a test, not only in a screenshot.
"""

from __future__ import annotations

from playwright.sync_api import Page

__all__ = ["page_height", "words_in"]


def page_height(page: Page) -> int:
    """The whole document's height in CSS pixels (what the user scrolls through)."""
    return int(page.evaluate("() => document.documentElement.scrollHeight"))


def words_in(page: Page, selector: str) -> int:
    """Words the user sees in `selector`: innerText leaves out closed <details> and hidden
    elements, so what is one click away does not count; text only for screen readers
    (.visually-hidden) is left out for the count, then shown again."""
    text = page.locator(selector).evaluate("""el => {
        const hidden = [...el.querySelectorAll('.visually-hidden')];
        hidden.forEach(h => { h.style.display = 'none'; });
        const seen = el.innerText;
        hidden.forEach(h => { h.style.display = ''; });
        return seen;
    }""")
    return len(text.split())
