"""Full page for a browser, only what changed for htmx: the one place that tells them apart.

An htmx action answers with its own step's <section id="step-…"> (the form's hx-target), plus
out-of-band copies of the stepper and of every other step whose content changed, judged by
Wizard.digests() of the state before and after the request's changes — not by rendering.
A new view returns render_wizard(...) / done(...) with focus="step-<its step>"; without a
step it gets the whole wizard, retargeted to #wizard.
"""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..web.sessions import erased_after_download, load_state, state_before_change, state_lost
from .wizard import STEPS, Wizard, wizard_context


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render_wizard(
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    focus: str | None = None,
    status: int = 200,
    **extra,
) -> Response:
    """The changed steps for htmx, or the whole wizard inside the full page for a plain post."""
    errors = errors or {}
    context = wizard_context(
        load_state(), errors=errors, values=values or {}, focus=focus, lost=state_lost()
    )
    context["erased"] = erased_after_download()
    context.update(extra)
    step = (focus or "").removeprefix("step-")
    if not is_htmx():
        body = render_template("index.html", **context)
    elif step not in STEPS or "form" in errors or context["lost_work"] or context["erased"]:
        body = render_template("_wizard.html", **context)
        response = make_response(body, status)
        response.headers["HX-Retarget"] = "#wizard"
        response.headers["HX-Reswap"] = "outerHTML"
        response.vary.add("HX-Request")
        return response
    else:
        body = render_steps(step, context, main=True)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_steps(step: str, context: dict, *, main: bool) -> str:
    """`step`'s section (or, with main=False, its `#…-result` area), the stepper, and the
    other steps whose content changed since the request began, all but the first out of band."""
    old, new = Wizard(state_before_change()).digests(), context["wizard"].digests()
    changed = [other for other in STEPS if other != step and old[other] != new[other]]
    return render_template(
        "_changed.html", main_step=step, live=not main, changed_steps=changed, **context
    )


def done(anchor: str) -> BaseResponse:
    """After a successful action: the changed steps for htmx, Post/Redirect/Get for plain forms."""
    if is_htmx():
        return render_wizard(focus=anchor)
    return redirect(url_for("main.index", _anchor=anchor), code=303)
