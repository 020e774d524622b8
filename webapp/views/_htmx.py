"""Full page for a browser, fragment for htmx: the one place that tells them apart."""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request, url_for

from .wizard import wizard_context


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render_wizard(*, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                  focus: str | None = None, status: int = 200, **extra) -> Response:
    """The wizard as a fragment for htmx, or inside the full page for a plain form post."""
    context = wizard_context(errors=errors or {}, values=values or {}, focus=focus)
    context.update(extra)
    template = "_wizard.html" if is_htmx() else "index.html"
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def done(anchor: str) -> Response:
    """After a successful action: the wizard for htmx, Post/Redirect/Get for plain forms."""
    if is_htmx():
        return render_wizard(focus=anchor)
    return redirect(url_for("main.index", _anchor=anchor), code=303)
