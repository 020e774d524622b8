"""The explain page (issue 22): paste a Java error, read its cause in plain words.

The paste is never stored or logged: it is read, explained and answered in one request. What
the session's own files say (facts.py) is added when the session holds stores or an address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, make_response, render_template, request

from ..pki.explain import EmptyPaste, PasteTooLarge, SavedFiles, explain, what_the_files_show
from ..state import State
from ..vault import VaultUnavailable
from ..web.sessions import load_state
from .certificates import certificate, fingerprint
from .rendering import is_htmx

bp = Blueprint("explain", __name__, url_prefix="/explain")

FIELD = "java_error"


@bp.get("")
def page():
    """The empty form."""
    return _answer(errors={}, text="", answer=None, facts=[], kit=False)


@bp.post("")
def explain_error():
    """Explain the pasted text; the answer replaces the panel (htmx) or the page."""
    text = request.form.get(FIELD, "")
    try:
        found = explain(text)
    except PasteTooLarge as error:
        return _answer(errors={FIELD: str(error)}, text="", answer=None, facts=[], kit=False)
    except EmptyPaste as error:
        return _answer(errors={FIELD: str(error)}, text=text, answer=None, facts=[], kit=False)
    try:
        state = load_state()
    except VaultUnavailable:  # the explanation needs no saved work: answer without it
        state = State()
    facts = what_the_files_show(found.cause, saved_files(state))
    chosen = state.keystore.chosen
    kit = found.partner_kit and chosen is not None and bool(chosen.chain)
    return _answer(errors={}, text=text, answer=found, facts=facts, kit=kit)


def _answer(**context):
    template = "explain/_panel.html" if is_htmx() else "explain/page.html"
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def saved_files(state: State) -> SavedFiles:
    """The certificates of this session, as explain's facts read them (cheap: no network)."""
    ks, ts = state.keystore, state.truststore
    chosen = ks.chosen
    own = list(chosen.chain) if chosen else []
    if not own and ks.opened:
        own = next((e.chain for e in ks.opened.entries if e.kind == "PrivateKeyEntry"), [])
    trusted = [c.pem for c in ts.certs if _included(state, c.pem)]
    if not trusted and ts.opened:
        trusted = [pem for e in ts.opened.entries for pem in e.chain[:1]]
    sent = [c.pem for c in ts.certs if c.source == "server"]
    url = state.destination.url or (ts.fetch.url if ts.fetch else "")
    return SavedFiles(
        own_chain=tuple(certificate(pem) for pem in own),
        trusted=tuple(certificate(pem) for pem in trusted),
        partner_chain=tuple(certificate(pem) for pem in sent),
        destination_host=_host(url),
        keystore_type=("PKCS12" if ks.format == "pkcs12" else "JKS") if own else "",
    )


def _included(state: State, pem: str) -> bool:
    choice = state.truststore.choices.get(fingerprint(pem))
    return choice is None or choice.include


def _host(url: str) -> str:
    try:
        return urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
