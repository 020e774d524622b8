"""Flask glue for the vault: the session cookie in, the user's partial work out.

The cookie holds the session token (session id + the key that decrypts the record); the
record itself lives encrypted in the vault. Nothing else about the session is in the browser.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request

from ..state import State
from ..vault import Loaded, SessionGone, StaleVersion, Vault, open_vault
from ..vault.vault import DEFAULT_STORAGE_TIMEOUT


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
    """Move the saved work under a new token (new id, new key) and delete the old record.

    Called when the session gains something worth stealing (a key pair is imported): a token
    someone planted in the browser beforehand (session fixation) then opens nothing. The
    record is re-encrypted under the new token's key by `new_session`.
    """
    old = _token()
    state = vault().load(old)
    if state is None:
        return
    g.session_token = vault().new_session(state)
    g.state = State.from_record(state).state
    vault().delete(old)


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
    for _ in range(3):
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
    raise SessionGone()


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


def _as_bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode()
