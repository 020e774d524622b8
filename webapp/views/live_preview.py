"""Live previews: while the user types, show what the step will produce.

The response replaces only the step's result area, so the field being typed in keeps its
focus and caret; the stepper and any other step whose content changed come along out of band.
"""

from __future__ import annotations

from flask import Response, make_response

from ..web.sessions import load_state
from .rendering import SHOWN_HEADER, render_steps
from .wizard import wizard_context


def render_live(step: str, **extra) -> Response:
    context = wizard_context(load_state(), errors={}, values={}, focus=None)
    context.update(extra)
    response = make_response(render_steps(step, context, main=False))
    response.vary.add("HX-Request")
    response.vary.add(SHOWN_HEADER)
    return response
