"""Issue 21: walk a path the way a user does, counting what it costs them.

Every click and every field set goes through a `Walk`, so the counts cannot forget one;
after each action it measures the page's height and the words of new text: the visible
lines of the wizard (innerText: closed <details> and hidden elements left out) that the user
had not seen before on this path, so text that stays on the page is read once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page

from tests.browser.reading import page_height

__all__ = ["Walk"]

# Screen-reader-only text is left out by hiding it for the count. The style attribute is then
# removed again, not left empty: htmx copies an old element's style onto its swapped-in
# replacement, which the Content-Security-Policy (style-src 'self') would refuse.
_VISIBLE_LINES = """el => {
    const hidden = [...el.querySelectorAll('.visually-hidden')];
    const had = hidden.map(h => h.getAttribute('style'));
    hidden.forEach(h => { h.style.display = 'none'; });
    const seen = el.innerText;
    hidden.forEach((h, i) => {
        if (had[i] === null) { h.removeAttribute('style'); }
        else { h.setAttribute('style', had[i]); }
    });
    return seen.split('\\n').map(l => l.trim()).filter(Boolean);
}"""


@dataclass
class Walk:
    page: Page
    clicks: int = 0
    fields: int = 0
    new_words: int = 0
    heights: list[int] = field(default_factory=list)
    new_lines: list[list[str]] = field(default_factory=list)  # per look, to see what to cut
    _seen: set[str] = field(default_factory=set)

    def look(self) -> None:
        """Read what is new on the page and note its height (after each action)."""
        self.page.wait_for_load_state()
        lines = self.page.locator("#wizard").evaluate(_VISIBLE_LINES)
        self.new_lines.append([])
        for line in lines:
            if line not in self._seen:
                self._seen.add(line)
                self.new_words += len(line.split())
                self.new_lines[-1].append(line)
        self.heights.append(page_height(self.page))

    def fill(self, control: Locator, value: str) -> None:
        control.fill(value)
        self.fields += 1

    def choose(self, control: Locator, *files: Path) -> None:
        control.set_input_files(list(files))
        self.fields += 1

    def click(self, control: Locator) -> None:
        control.click()
        self.clicks += 1

    def report(self, name: str) -> str:
        return (
            f"{name}: {self.clicks} clicks, {self.fields} fields, {self.new_words} new words, "
            f"page heights {self.heights} px"
        )
