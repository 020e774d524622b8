"""A request that came with a session token another request rotated away from (issue 19,
sessions.rotate_session): it is answered "reload", never read or written. Out of
sessions.py only for its size (tests/test_code_size.py)."""

from __future__ import annotations

from flask import Response, g, request

from ..translation import N_, _

__all__ = ["MOVED_MESSAGE", "moved_response", "moved_token"]


def moved_token() -> bool:
    """The request came with a token another request rotated away from (see rotate_session)."""
    from .sessions import cookie_name, vault  # sessions imports this module

    incoming = request.cookies.get(cookie_name())
    if not incoming or g.get("rotated_from") == incoming:
        return False
    return vault().was_moved(incoming)


MOVED_MESSAGE = N_(
    "Your work was just given a new session key (a key pair was added in another tab), "
    "so this may not have been saved. The page reloads with your work: check it, and do "
    "this again if it is missing."
)


def moved_response() -> Response:
    """ "Reload": no session read or written, no cookie set, nothing from the moved work."""
    from .errors import moved_session

    response = moved_session(_(MOVED_MESSAGE))
    # htmx reloads the whole page; a plain request is re-sent (GET) or the wizard shown.
    response.headers["HX-Refresh"] = "true"
    target = request.full_path.rstrip("?") if request.method == "GET" else "/"
    response.headers["Refresh"] = f"1; url={target}"
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response
