"""The wizard renderer, handed to the web glue through the app instead of an import.

`errors` and `limits` answer inside the wizard (a sentence beside the field, an alert on top
of it), but the glue sits below the views: the views register how they render here when
their blueprint is registered (views/main.py), so nothing in web/ imports views (issue 18).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask.sansio.app import App

__all__ = ["Pages", "pages", "register_pages"]

_EXTENSION = "mtls_pages"


@dataclass(frozen=True)
class Pages:
    render_wizard: Callable[..., Any]  # views.rendering.render_wizard: the changed steps
    is_htmx: Callable[[], bool]  # the one HX-Request check


def register_pages(app: App, renderer: Pages) -> None:
    app.extensions[_EXTENSION] = renderer


def pages() -> Pages:
    """The renderer the views registered on the current app."""
    return current_app.extensions[_EXTENSION]
