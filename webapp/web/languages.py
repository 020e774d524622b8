"""The page in the user's language (issue 23): which locale a request gets, and the switch.

One place decides, in this order: an explicit choice (the switch's cookie, which holds the
language code and nothing else), the browser's Accept-Language, English. The core's words
(webapp/translation.py) follow the same choice.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, has_request_context, redirect, request
from flask_babel import Babel, get_locale, get_translations
from werkzeug.wrappers import Response as BaseResponse

from .. import translation

__all__ = ["COOKIE", "LANGUAGES", "init_app", "locale_of_request"]

# Code -> the language's name in that language (the switch shows each in its own words).
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
COOKIE = "mtls_lang"
_YEAR = 365 * 24 * 3600

bp = Blueprint("languages", __name__)


def locale_of_request() -> str:
    """The cookie's choice, else the best Accept-Language match, else English."""
    chosen = request.cookies.get(COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def _current_catalogue() -> tuple[translation.Catalogue, str] | None:
    """The request's catalogue for the core; None (English) outside a request."""
    if not has_request_context():
        return None
    return get_translations(), str(get_locale() or "en")


@bp.get("/language/<code>")
def choose(code: str) -> BaseResponse:
    """Remember `code` and go back to the page the link was on (a path on this site only)."""
    back = request.args.get("next", "/")
    if not back.startswith("/") or back.startswith(("//", "/\\")):
        back = "/"
    response = redirect(back, code=303)
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE,
            code,
            max_age=_YEAR,
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
    return response


def _vary(response: Response) -> Response:
    """Caches must keep one copy per language: the same URL answers in four."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=locale_of_request)
    # {% trans %} blocks wrap like the HTML around them; the catalogue holds one-line texts
    # (babel.cfg extracts them trimmed too).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    translation.install(_current_catalogue)
    app.register_blueprint(bp)
    app.after_request(_vary)
    # Dates in templates follow the same rule as the core's (English keeps its old forms).
    app.jinja_env.globals.update(short_date=translation.short_date, long_date=translation.long_date)

    @app.context_processor
    def languages() -> dict[str, object]:
        # The switch brings the user back to this page: a GET page itself, else the wizard
        # (a POST's URL answers no GET; the wizard shows the session's work anyway).
        plain_get = request.method == "GET" and "HX-Request" not in request.headers
        here = request.path if plain_get else "/"
        return {
            "languages": LANGUAGES,
            "locale": str(get_locale() or "en"),
            "language_return": here,
        }
