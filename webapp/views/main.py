"""The wizard page, moving between steps, starting over, and health checks."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState

from ..pki.java import HTTP_METHODS, MIN_PASSWORD_LENGTH
from ..state import State
from ..vault import VaultUnavailable
from ..web.ops.audit import audit
from ..web.pages import Pages, register_pages
from ..web.sessions import clear_erased, update_state, vault, wipe_state
from .rendering import done, is_htmx, render_wizard, view_digest
from .wizard import STEPS

bp = Blueprint("main", __name__)
# Each step's `data-view` (what it shows, see rendering.view_digest).
bp.add_app_template_global(view_digest, "view_digest")


@bp.record_once
def share_with_the_app(setup: BlueprintSetupState) -> None:
    """The core's rules that templates show, from their one home (not written in a template),
    and the wizard renderer the error pages and rate limits answer with (web/pages.py)."""
    setup.app.jinja_env.globals.update(
        min_password_length=MIN_PASSWORD_LENGTH, http_methods=HTTP_METHODS
    )
    register_pages(setup.app, Pages(render_wizard=render_wizard, is_htmx=is_htmx))


@bp.get("/")
def index():
    """Show the wizard where the user left it."""
    return render_wizard()


@bp.post("/step/<step>")
def open_step(step: str):
    """Open a step for editing (the Edit / Start this step buttons)."""
    if step not in STEPS:
        abort(404)

    def open_it(state: State) -> None:
        state.current = step

    update_state(open_it)
    return done(f"step-{step}")


@bp.get("/start-over")
def confirm_start_over():
    """Ask before erasing: the user's key pair and passwords go with it."""
    return render_template("start_over.html")


@bp.post("/start-over")
def start_over():
    """Erase everything the user did, on the server, right now."""
    wipe_state()
    clear_erased()
    audit("session.erased", reason="start-over")
    return redirect(url_for("main.index"), code=303)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The session storage is reachable and writable: the instance can take users."""
    try:
        # Every action writes (and reads refresh the expiry once a minute), so a store that
        # answers but cannot be written is not ready. Purging takes SQLite's write lock, which
        # a plain ping does not (a locked file still reads); Redis expires keys itself.
        ready = vault().ping() and vault().purge_expired() >= 0
    except VaultUnavailable:
        ready = False
    if ready:
        return jsonify(status="ready")
    return jsonify(status="storage unavailable"), 503
