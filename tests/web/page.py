"""Read the wizard's HTML the way a user (or a screen reader) meets it: fields, errors, text.

A small stdlib parser is enough: the tests look up elements by id and form fields by name,
never by layout, so a template can move things around without breaking them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["Element", "Page", "assert_error_beside", "assert_no_internals"]

# What must never reach a user: a stack trace, an OpenSSL error string ("error:0A00010B:SSL
# routines..."), a Python exception repr. The page may say "error" in class names, never this.
INTERNALS = ("Traceback", "OpenSSL", "error:", "Exception", "Errno", "SSLError")
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""

    @property
    def checked(self) -> bool:
        return "checked" in self.attrs


@dataclass
class _Open:
    element: Element
    parts: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.text: list[str] = []
        self._open: list[_Open] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(_Open(element))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].element.tag == tag:
                closed = self._open[index]
                closed.element.text = " ".join("".join(closed.parts).split())
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for opened in self._open:
            opened.parts.append(data)


class Page:
    """One HTML response: the full page, or what htmx swaps in (a step, out-of-band pieces)."""

    def __init__(self, html: str) -> None:
        self.html = html
        collector = _Collector()
        collector.feed(html)
        collector.close()
        self.elements = collector.elements
        self.text = " ".join("".join(collector.text).split())

    @property
    def is_full_page(self) -> bool:
        return self.html.lstrip().lower().startswith("<!doctype html>")

    def by_id(self, element_id: str) -> Element | None:
        return next((e for e in self.elements if e.attrs.get("id") == element_id), None)

    def field(self, name: str) -> Element | None:
        """The input/select named `name` (the first one: radio groups share a name)."""
        return next(
            (
                e
                for e in self.elements
                if e.tag in ("input", "select", "textarea") and e.attrs.get("name") == name
            ),
            None,
        )

    def fields(self, prefix: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == "input" and e.attrs.get("name", "").startswith(prefix)
        ]

    def error(self, name: str) -> str | None:
        """The message shown beside field `name` (element id `<name>-error`), if any."""
        element = self.by_id(f"{name}-error")
        return element.text if element else None

    def errors(self) -> dict[str, str]:
        return {
            e.attrs["id"][: -len("-error")]: e.text
            for e in self.elements
            if e.attrs.get("id", "").endswith("-error")
        }

    def label_for(self, element_id: str) -> str | None:
        label = next(
            (e for e in self.elements if e.tag == "label" and e.attrs.get("for") == element_id),
            None,
        )
        return label.text if label else None

    def links(self) -> dict[str, str]:
        """Visible link text -> href."""
        return {e.text: e.attrs.get("href", "") for e in self.elements if e.tag == "a"}

    def csrf_token(self) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.html)
        assert match, "the page has no CSRF token field"
        return match.group(1)


def assert_no_internals(html: str) -> None:
    leaked = [marker for marker in INTERNALS if marker in html]
    assert not leaked, f"the page shows internals {leaked}"


def assert_error_beside(page: Page, name: str, message: str) -> None:
    """`message` is shown beside field `name`, which is marked invalid and points to it."""
    shown = page.error(name)
    assert shown is not None, f"no error beside {name!r}; errors on the page: {page.errors()}"
    assert message in shown, f"beside {name!r}: {shown!r}"
    control = page.by_id(name)
    assert control is not None, f"no field with id {name!r}"
    assert control.attrs.get("aria-invalid") == "true", f"{name!r} is not marked aria-invalid"
    assert f"{name}-error" in control.attrs.get("aria-describedby", "").split()
    assert_no_internals(page.html)
