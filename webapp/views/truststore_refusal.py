"""The sentence beside the partner's address when a fetch failed; after a failed fetch for
another address it also drops what the previous address sent (issue 20). Out of
views/truststore.py for its size (tests/test_code_size.py)."""

from __future__ import annotations

from ..pki.partner import FetchError, parse_target
from ..state import State
from ..translation import _
from ..web.sessions import load_state, update_state
from .certificates import fingerprint

__all__ = ["FETCHED_SOURCES", "refusal"]


def refusal(error: str | None, raw: str) -> str:
    """The sentence beside the address; it says so when the previous address's were removed."""
    message = error or _("Try again.")
    if (cleared := _forget_other_address(raw)) is not None:
        message = _(
            "{problem} We removed the certificates fetched from {address}: they belong to "
            "that address.",
            problem=message,
            address=cleared,
        )
    return message


FETCHED_SOURCES = ("server", "root store", "extra roots")  # what a fetch adds (collect.py)


def _forget_other_address(typed: str) -> str | None:
    """After a failed fetch for another address, drop what the previous address sent: the
    certificates on the page belong to the address shown (issue 20). Uploads and last
    year's truststore stay. Returns the previous address when something was removed."""
    saved = load_state().truststore
    previous = saved.fetch
    if previous is None or _same_address(typed, previous.url):
        return None
    if not any(c.source in FETCHED_SOURCES for c in saved.certs):
        return None

    def forget(state: State) -> None:
        ts = state.truststore
        gone = {fingerprint(c.pem) for c in ts.certs if c.source in FETCHED_SOURCES}
        ts.certs = [c for c in ts.certs if c.source not in FETCHED_SOURCES]
        ts.choices = {fp: choice for fp, choice in ts.choices.items() if fp not in gone}
        ts.fetch = None
        state.current = "truststore"

    update_state(forget)
    return previous.url or previous.host


def _same_address(typed: str, url: str) -> bool:
    try:
        return parse_target(typed).url == parse_target(url).url
    except FetchError:
        return False
