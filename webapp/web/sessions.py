"""Flask glue for the vault: the session cookie in, the user's partial work out.

The cookie holds the session token (session id + the key that decrypts the record); the
record itself lives encrypted in the vault. Nothing else about the session is in the browser.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import suppress

from flask import Flask, Response, current_app, g, request

from ..state import State
from ..vault import Loaded, SessionGone, StaleVersion, Vault, VaultUnavailable, open_vault
from ..vault.vault import DEFAULT_STORAGE_TIMEOUT
from .moved_sessions import moved_response, moved_token


def init_app(app: Flask) -> None:
    """Open the configured vault and set/clear the session cookie after each request."""
    url = app.config.get("VAULT_URL") or "sqlite:///" + os.path.join(app.instance_path, "vault.db")
    # Seconds a request waits for a busy SQLite file or a silent Redis before the user gets
    # the "storage unavailable" page (the vault's own default otherwise).
    timeout = app.config.get("VAULT_STORAGE_TIMEOUT")
    app.extensions["mtls_vault"] = open_vault(
        url,
        secret=_as_bytes(app.config["SECRET_KEY"]),
        idle_timeout=int(app.config["SESSION_IDLE_TIMEOUT"]),
        storage_timeout=DEFAULT_STORAGE_TIMEOUT if timeout is None else float(timeout),
    )
    app.before_request(_refuse_moved_token)
    app.after_request(_write_cookie)


def vault() -> Vault:
    return current_app.extensions["mtls_vault"]


def cookie_name() -> str:
    """The session cookie's name: `__Host-` prefixed over HTTPS (issue 10, hole 10).

    Browsers accept a `__Host-` cookie only if it is Secure, has Path=/ and no Domain, so a
    sibling subdomain or a plain-HTTP man in the middle cannot plant one for us; over HTTPS
    we read only that name, never the unprefixed one.
    """
    name = current_app.config["VAULT_COOKIE_NAME"]
    return f"__Host-{name}" if request.is_secure else name


def _token() -> str | None:
    if "session_token" in g:
        return g.session_token
    return request.cookies.get(cookie_name())


def rotate_session() -> None:
    """Move the saved work under a new token (new id, new key) before a secret is written.

    Called before every write of a private key or a key-bearing file (import, open, generate,
    CA reply, the file kept after a wrong password; issue 19): a token someone planted in the
    browser beforehand (session fixation) then opens nothing, and the secret is never written
    under it, not even for a moment. The vault re-encrypts the record under the new token's
    key and erases the old one in one step.

    The race with the user's other tabs, and why the old token opens nothing even for a
    minute: the tabs share one cookie jar, so once this response arrives every later request
    carries the new token. Only a request already in flight with the old cookie is left over.
    The vault remembers the old token as "moved" for DEFAULT_MOVED_GRACE seconds, but the
    mark holds no way to the new session: an in-flight request from the user's tab and the
    attacker's request with the planted copy carry exactly the same credential, so nothing
    in them can tell the two apart, and a mark that handed over the new token would hand it
    to the attacker too. Instead, a request with a moved token is answered with "reload"
    (moved_response), reading and writing no session and setting no cookie: the browser's
    retry goes out with the new cookie from its jar and finds the work; the attacker's retry
    goes out with the old one and gets "reload" again, then (after the grace) an empty
    session like any unknown token. Without the mark, the in-flight request would have found
    no session, started an empty one and set its cookie over the new one: the work gone.
    A request that was already running when the move happened is caught on its way out
    (_write_cookie): its answer becomes the same "reload", its cookie is not set, and an
    empty session it may have started is erased. What the mark tells the holder of the old
    token is only that a key was added in the last minute.
    """
    old = _token()
    rotated = vault().rotate(old)
    if rotated is None:
        return  # no session yet: the first write makes a fresh one, never a planted one
    g.session_token, record = rotated
    g.rotated_from = old
    g.state = State.from_record(record).state


def _refuse_moved_token() -> Response | None:
    # Before the view: a request with a moved token does nothing (no partner fetch, no audit).
    if request.endpoint in _NO_SESSION_ENDPOINTS or not moved_token():
        return None
    return moved_response()


# Endpoints that never use the session: no need to look for a moved token.
_NO_SESSION_ENDPOINTS = frozenset({"static", "metrics.metrics"})


def load_state() -> State:
    """The user's saved work; a fresh State for a new or expired session.

    Read and decoded once per request; update_state changes this same object."""
    if "state" not in g:
        _remember(vault().read(_token()))
    return g.state


def _remember(loaded: Loaded | None) -> None:
    restored = State.from_record(loaded.state if loaded else None)
    g.state = restored.state
    g.state_record = loaded.state if loaded else None  # as read: for state_before_change
    g.state_version = loaded.version if loaded else None
    g.state_lost = g.get("state_lost", False) or restored.lost


def state_lost() -> bool:
    """The saved work could not be read (written by a newer or broken version): say so."""
    load_state()
    return bool(g.get("state_lost"))


def state_before_change() -> State:
    """The state as this request found it, before its first update_state (to tell what changed).

    Decoded again from the record as read, so only callers that need it pay (htmx requests
    that do not say what they show, see rendering.shown_views)."""
    if "state_before_record" not in g:
        return load_state()
    if "state_before" not in g:
        g.state_before = State.from_record(g.state_before_record).state
    return g.state_before


def state_generation() -> int:
    """Grows with every update_state: what was computed from the state before is stale."""
    return int(g.get("state_generation", 0))


# Tries of an optimistic write before giving up. A retry only re-runs `change` (cheap) on the
# newer state it was handed; one session's tabs rarely overlap by more than a few requests,
# so this many conflicts in a row means an overloaded store (shown as "unavailable").
_WRITE_ATTEMPTS = 20


def update_state(change: Callable[[State], object]) -> State:
    """Apply `change` to the state and store it, at most one write per call (views call once).

    `change` runs outside any storage transaction, on the state this request read; the write
    is optimistic (Vault.replace): if another tab wrote meanwhile, `change` runs again on
    that newer state, so no tab's work is lost. Without a session, one is created only when
    `change` leaves something to save: a refused request must not create vault records
    (issue 10, hole 8)."""
    state = load_state()
    if "state_before_record" not in g:
        g.state_before_record = g.get("state_record")
    g.state_generation = state_generation() + 1  # plans made inside `change` are the new ones
    _apply(change, state)
    for _ in range(_WRITE_ATTEMPTS):
        try:
            _store(g.state)
            return g.state
        except StaleVersion as stale:  # another tab wrote since we read: redo on theirs
            g.state_before_record = stale.current.state
            _remember(stale.current)
        except SessionGone:  # expired meanwhile: start afresh
            g.state_before_record = None
            _remember(None)
            g.session_token = None
        except BaseException:  # too large, storage down: show the work as it is saved
            _remember(_as_read())
            raise
        g.state_generation += 1
        _apply(change, g.state)
    raise VaultUnavailable("session storage is unavailable: too many concurrent changes")


def _apply(change: Callable[[State], object], state: State) -> None:
    try:
        change(state)
    except BaseException:
        # Nothing is written; the request goes on with the state as it was read.
        _remember(_as_read())
        raise


def _as_read() -> Loaded | None:
    record, version = g.get("state_record"), g.get("state_version")
    return None if record is None or version is None else Loaded(record, version)


def _store(state: State) -> None:
    token, version = _token(), g.get("state_version")
    record = state.to_record()
    if token is None:
        if record != State().to_record():  # else nothing worth a session
            g.session_token = vault().new_session(record)
            g.state_record, g.state_version = record, None
        return
    if version is None:  # made earlier in this request (or expired): read what is there
        loaded = vault().read(token)
        if loaded is None:
            raise SessionGone()
        raise StaleVersion(loaded)
    g.state_version = vault().replace(token, record, version=version)
    g.state_record = record


# Set (readable by the page's script, it holds no secret) when a download erased the work:
# the page then says so instead of offering downloads that can no longer work.
ERASED_COOKIE = "mtls_erased"


def wipe_state(*, downloaded: bool = False) -> None:
    """Erase the user's work from the server now ("Start over", wipe after download)."""
    vault().delete(_token())
    g.state = State()
    g.session_token = None
    g.wipe_cookie = True
    g.erased_marker = downloaded


def erased_after_download() -> bool:
    """The work was downloaded and erased, and nothing new was started since."""
    return bool(request.cookies.get(ERASED_COOKIE)) and not _token() and not g.get("erased_cleared")


def clear_erased() -> None:
    g.erased_cleared = True


def _write_cookie(response: Response) -> Response:
    if _moved_during_request():
        return moved_response()
    name = cookie_name()
    token = g.get("session_token") or (request.cookies.get(name) if "state" in g else None)
    if g.get("wipe_cookie"):
        response.delete_cookie(name, httponly=True, samesite="Lax", secure=request.is_secure)
    elif token:
        # Kept across a browser restart for as long as the footer promises: the idle timeout,
        # counted again from every response that used the session (the vault slides its
        # expiry the same way, to within a minute). The server enforces the expiry; the cookie's
        # Max-Age only stops the browser from dropping the work earlier.
        response.set_cookie(
            name,
            token,
            max_age=int(current_app.config["SESSION_IDLE_TIMEOUT"]),
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
            path="/",
        )
    if g.get("erased_marker"):
        response.set_cookie(
            ERASED_COOKIE,
            "1",
            max_age=int(current_app.config["SESSION_IDLE_TIMEOUT"]),
            samesite="Lax",
            secure=request.is_secure,
            path="/",
        )
    elif request.cookies.get(ERASED_COOKIE) and (g.get("session_token") or g.get("erased_cleared")):
        response.delete_cookie(ERASED_COOKIE, samesite="Lax", secure=request.is_secure)
    if token or g.get("wipe_cookie"):
        response.vary.add("Cookie")
    return response


def _moved_during_request() -> bool:
    """Another request rotated this one's token while it ran: its cookie would overwrite the
    new one in the browser (a fresh session, or the old token again), so it is dropped."""
    touched = "state" in g or "session_token" in g or g.get("wipe_cookie")
    try:
        if not touched or not moved_token():
            return False
    except VaultUnavailable:
        return False  # the view's own storage error (if any) is what the user sees
    stray = g.get("session_token")
    if stray and stray != request.cookies.get(cookie_name()):
        # A session started because the old one was gone: nobody will ever hold its token.
        with suppress(VaultUnavailable):
            vault().delete(stray)
    return True


def _as_bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode()
