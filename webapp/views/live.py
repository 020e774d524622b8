"""Live previews: while the user types, show what the step will produce.

The response replaces only the step's result area, so the field being typed in keeps its
focus and caret; the stepper and any step whose state flipped come along out of band.
"""

from __future__ import annotations

from flask import Response, make_response, render_template

from .wizard import wizard_context


def snapshot() -> dict[str, str]:
    """Each step's mode before a change, to tell afterwards which steps need redrawing."""
    return dict(wizard_context(errors={}, values={}, focus=None)["modes"])


def render_live(step: str, before: dict[str, str], **extra) -> Response:
    context = wizard_context(errors={}, values={}, focus=None)
    context.update(extra)
    changed = [s for s, mode in context["modes"].items() if s != step and mode != before.get(s)]
    body = render_template(f"{step}/_result.html", **context)
    body += render_template("_stepper.html", oob=True, **context)
    for other in changed:
        body += render_template(f"{other}/_step.html", oob=True, **context)
    response = make_response(body)
    response.vary.add("HX-Request")
    return response
