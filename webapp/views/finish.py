"""Step 3: the destination config and the finished bundle of files."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request

from ..pki.java import HTTP_METHODS, FileNameError
from ..pki.java.destination_url import DestinationUrlError, check_destination_url
from ..state import State
from ..translation import N_, _
from ..web.ops.audit import audit
from ..web.sessions import load_state, update_state, wipe_state
from . import audit_facts
from .files import attachment, bundle_file, config_file, reminder_file, snippet_files
from .live_preview import render_live
from .rendering import done, is_htmx, render_wizard
from .validation import MAX_FIELD, field
from .wizard import SNIPPET_FILES, wizard_context

bp = Blueprint("finish", __name__, url_prefix="/finish")

NOT_READY = N_("Finish the keystore and truststore steps first.")


def _invalid(text: str) -> bool:
    return len(text) > MAX_FIELD or any(ord(ch) < 32 for ch in text)


def _url_problem(typed: str) -> str | None:
    """Why the Destination URL cannot be saved (the one rule, pki.java.destination_url)."""
    try:
        check_destination_url(typed)
    except DestinationUrlError as exc:
        return str(exc)
    return None


@bp.post("/settings")
def save_settings():
    """Destination URL, HTTP method and folder; live=1 while the user types."""
    live = request.args.get("live") == "1"
    url = field(request.form, "dest_url").strip()
    method = request.form.get("http_method", "POST").upper()
    folder = field(request.form, "folder").strip()
    errors: dict[str, str] = {}
    if (problem := _url_problem(url)) is not None:
        errors["dest_url"] = problem  # never saved: destination.json holds https only
    if method not in HTTP_METHODS:
        errors["http_method"] = _("Choose one of the listed methods.")
    if _invalid(folder):
        errors["folder"] = _("This folder is too long or contains invalid characters.")

    def keep(state: State) -> None:
        dest = state.destination
        for key, name, value in (
            ("url", "dest_url", url),
            ("method", "http_method", method),
            ("folder", "folder", folder),
        ):
            if name not in errors:
                setattr(dest, key, value)
        if not live:
            state.current = "finish"

    update_state(keep)
    if live:
        # While typing, the refusal shows in the result area (the field keeps its caret).
        return render_live(
            "finish",
            reveal=request.form.get("revealed") == "1",
            url_problem=errors.get("dest_url", ""),
        )
    if errors:
        return render_wizard(
            errors=errors, values={"dest_url": url, "folder": folder}, focus="step-finish"
        )
    return done("step-finish")


@bp.get("/preview")
def preview():
    """The config snippet, masked unless the user asked to reveal the passwords."""
    reveal = request.args.get("reveal") == "1"
    if not is_htmx():
        return render_wizard(focus="step-finish", reveal=reveal)
    context = wizard_context(load_state(), errors={}, values={}, focus=None)
    context["reveal"] = reveal
    response = make_response(render_template("finish/_config.html", **context))
    response.vary.add("HX-Request")
    return response


@bp.get("/destination.json")
def download_config():
    """The destination config as a file; it holds both passwords."""
    built = config_file(load_state())
    if built is None:
        return render_wizard(errors={"finish": _(NOT_READY)}, focus="step-finish", status=409)
    audit("config.downloaded", file=built[0], **audit_facts.everything())
    return attachment(built, "application/json")


@bp.get("/snippets/<key>")
def download_snippet(key: str):
    """One settings snippet for another Java consumer (issue 14), with the real passwords:
    the page shows them masked, and its Copy button fetches this."""
    if key not in SNIPPET_FILES:
        return render_wizard(
            errors={"finish": _("There is no such settings file.")}, focus="step-finish", status=404
        )
    built = dict(snippet_files(load_state())).get(SNIPPET_FILES[key])
    if built is None:
        return render_wizard(errors={"finish": _(NOT_READY)}, focus="step-finish", status=409)
    audit("config.downloaded", file=SNIPPET_FILES[key], **audit_facts.everything())
    return attachment((SNIPPET_FILES[key], built), "text/plain")


@bp.get("/bundle.zip")
def download_all():
    """Everything in one zip: both stores, the config, the certificate and a README.

    A GET never changes state: a cross-site link (SameSite=Lax sends our cookie on top-level
    navigations) must not erase anything (issue 10, hole 7). Erasing is download_and_wipe."""
    return _bundle(wipe=False)


@bp.post("/bundle.zip")
def download_and_wipe():
    """The same zip, then the user's data is erased from the server (a form POST, CSRF-checked)."""
    return _bundle(wipe=True)


def _bundle(*, wipe: bool):
    try:
        built = bundle_file(load_state())
    except FileNameError as exc:  # e.g. keystore and truststore under one name
        return render_wizard(errors={"finish": str(exc)}, focus="step-finish", status=409)
    if built is None:
        return render_wizard(errors={"finish": _(NOT_READY)}, focus="step-finish", status=409)
    audit(
        "bundle.downloaded",
        file=built[0],
        first=audit_facts.first_bundle(),
        **audit_facts.everything(),
    )
    if wipe:
        wipe_state(downloaded=True)  # the user asked: nothing of theirs stays on the server
        audit("session.erased", reason="after-download")
    return attachment(built, "application/zip")


@bp.get("/reminder.ics")
def download_reminder():
    """A calendar reminder 30 days before the first certificate expires."""
    built = reminder_file(load_state())
    if built is None:
        return render_wizard(errors={"finish": _(NOT_READY)}, focus="step-finish", status=409)
    audit("reminder.downloaded", file=built[0])
    return attachment(built, "text/calendar")
