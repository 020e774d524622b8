"""Full page for a browser, only what changed for htmx: the one place that tells them apart.

An htmx action answers with its own step's <section id="step-…"> (the form's hx-target), plus
out-of-band copies of the stepper and of every other step whose view (wizard.views: frozen
values) differs from the one the page shows. The page says what it shows: each section
carries `data-view`, a keyed digest of its view, and app.js sends them in `X-Shown-Views`
with every htmx request. Comparing with what the page holds, not with the state this request
began from, keeps answers right whatever order earlier answers arrived in (issue 18: a live
preview and a save answering at once). A client that sends no digests gets the steps whose
view changed during the request, compared by equality.
A new view returns render_wizard(...) / done(...) with focus="step-<its step>"; without a
step it gets the whole wizard, retargeted to #wizard.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from flask import Response, current_app, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..web.sessions import erased_after_download, load_state, state_before_change, state_lost
from .wizard import STEPS, Wizard, wizard_context

SHOWN_HEADER = "X-Shown-Views"
_MAX_SHOWN = 8  # the stepper and three steps; more is not from our page


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
    if is_htmx():
        response.vary.add(SHOWN_HEADER)
    return response


def render_steps(step: str, context: dict, *, main: bool) -> str:
    """`step`'s section (or, with main=False, its `#…-result` area), the stepper, and the
    other steps the page shows differently, all but the first out of band."""
    wizard: Wizard = context["wizard"]
    shown = shown_views()
    if shown is not None:
        changed = [
            other
            for other in STEPS
            if other != step and shown.get(f"step-{other}") != view_digest(wizard, other)
        ]
        # Issue 21's panel, by the same rule (its section is always on the page).
        panel_changed = shown.get("last-year") != view_digest(wizard, "last_year")
    else:
        before = state_before_change()
        old = wizard if before is wizard.state else Wizard(before)
        changed = changed_steps(old.views, wizard.views, besides=step)
        panel_changed = old.views["last_year"] != wizard.views["last_year"]
    return render_template(
        "_changed.html",
        main_step=step,
        live=not main,
        changed_steps=changed,
        panel_changed=panel_changed,
        **context,
    )


def changed_steps(old: Mapping[str, object], new: Mapping[str, object], *, besides: str) -> list:
    """The steps (other than `besides`) whose view differs: plain equality of frozen values."""
    return [other for other in STEPS if other != besides and old[other] != new[other]]


def view_digest(wizard: Wizard, name: str) -> str:
    """A digest of what the stepper or a step shows, for its `data-view` attribute.

    Keyed with the app's secret: the views hold passwords (the finish step shows them), and
    a plain hash on the page could be tried against guesses. Equal views give equal digests
    (a dataclass repr lists every field), different ones different digests."""
    digests = wizard.__dict__.setdefault("_digests", {})
    if name not in digests:
        text = repr(wizard.views[name]).encode()
        digests[name] = hmac.new(_digest_key(), text, hashlib.sha256).hexdigest()[:32]
    return digests[name]


def shown_views() -> dict[str, str] | None:
    """What the page says it shows, element id -> digest; None when it says nothing."""
    header = request.headers.get(SHOWN_HEADER)
    if header is None or not is_htmx():
        return None
    shown = {}
    for item in header.split()[:_MAX_SHOWN]:
        element_id, _, digest = item.partition("=")
        shown[element_id] = digest
    return shown


def _digest_key() -> bytes:
    key = current_app.extensions.get("mtls_view_key")
    if key is None:
        secret = current_app.config["SECRET_KEY"]
        secret = secret if isinstance(secret, bytes) else secret.encode()
        key = hmac.new(secret, b"mtls-kit/view-digest/v1", hashlib.sha256).digest()
        current_app.extensions["mtls_view_key"] = key
    return key


def done(anchor: str) -> BaseResponse:
    """After a successful action: the changed steps for htmx, Post/Redirect/Get for plain forms."""
    if is_htmx():
        return render_wizard(focus=anchor)
    return redirect(url_for("main.index", _anchor=anchor), code=303)
