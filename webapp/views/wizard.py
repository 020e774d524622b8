"""The view model of the one-page wizard, made from the State it is given.

Views write the state; this module turns it into what the templates show: which step is
open, what was imported, what is missing. Certificates are described only when a template
asks (see certificates.py), and "complete" is the same plan the downloads build from.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from ..pki.java import (
    STORE_FORMATS,
)
from ..state import STEPS, FetchReport, OpenedStoreState, State
from .connection_panel import ConnectionPanel, connection_panel
from .view_models import (
    FinishView,
    KeystoreView,
    TruststoreView,
    finish_view,
    keystore_view,
    truststore_view,
)
from .will_break import will_break

STEP_TITLES = {"keystore": "Keystore", "truststore": "Truststore", "finish": "Finish"}
# Snippet key (pki.java.consumer_snippets) -> its file in the zip and as a download (issue 14).
SNIPPET_FILES = {
    "spring-yaml": "spring-ssl-bundle.yaml",
    "spring-properties": "spring-ssl-bundle.properties",
    "jvm": "jvm-options.txt",
    "java": "SslContextExample.java",
}
LOST_WORK = "Your saved work could not be restored after an update; please start again."

__all__ = [
    "LOST_WORK",
    "SNIPPET_FILES",
    "STEPS",
    "STEP_TITLES",
    "Wizard",
    "wizard_context",
]


def step_modes(state: State, complete: dict[str, bool]) -> dict[str, str]:
    """How each step shows: "open" (being worked on), "done" (summary + Edit) or "waiting".

    The current step and the first unfinished one are open, so finishing one step reveals
    the next without a click; finished steps the user has moved past fold into a summary.
    """
    first_open = next((s for s in STEPS if not complete[s]), "finish")
    modes = {}
    for step in STEPS:
        if step in (state.current, first_open):
            modes[step] = "open"
        elif complete[step]:
            modes[step] = "done"
        else:
            modes[step] = "waiting"
    return modes


class Wizard:
    """The three steps' view models for one state, each made when first needed."""

    def __init__(self, state: State) -> None:
        self.state = state

    @cached_property
    def ks(self) -> KeystoreView:
        return keystore_view(self.state)

    @cached_property
    def ts(self) -> TruststoreView:
        return truststore_view(self.state)

    @cached_property
    def fin(self) -> FinishView:
        return finish_view(self.state, self.ks, self.ts)

    @cached_property
    def connection(self) -> ConnectionPanel:
        """The connection test panel of the finish step (issue 11)."""
        return connection_panel(self, self.state.connection_test)

    @cached_property
    def complete(self) -> dict[str, bool]:
        return {"keystore": self.ks.complete, "truststore": self.ts.complete, "finish": False}

    @cached_property
    def modes(self) -> dict[str, str]:
        return step_modes(self.state, self.complete)

    def digests(self) -> dict[str, tuple]:
        """What each step's section shows, as plain tuples, to redraw only the ones that changed.

        Made from the state (and the step's mode), never by rendering; compared, not
        hashed (the strings are shared, so equal ones compare at once). Passwords are in
        them because the finish step shows them; they never leave the request.
        """
        s, modes = self.state, self.modes
        ks, ts = s.keystore, s.truststore
        chosen = ks.chosen
        fetch = ts.fetch
        return {
            "stepper": (tuple(modes.items()), tuple(self.complete.items())),
            "keystore": (
                modes["keystore"],
                self.ks.complete,
                ks.selected,
                ks.source_name,
                ks.alias,
                ks.filename,
                ks.format,
                bool(ks.password),
                ks.validity_confirmed,
                ks.alone_confirmed,
                ks.pending_upload.name if ks.pending_upload else None,
                tuple(
                    (
                        c.bundle,
                        tuple(c.chain),
                        c.source_alias,
                        tuple(c.chain_sources),
                        c.chain_problem,
                    )
                    for c in ks.candidates
                ),
                _opened_key(ks.opened),
                ks.request_pem,
            ),
            "truststore": (
                modes["truststore"],
                self.ts.complete,
                ts.filename,
                ts.format,
                bool(ts.password),
                tuple((c.pem, c.source) for c in ts.certs),
                tuple(sorted((fp, c.alias, c.include) for fp, c in ts.choices.items())),
                _fetch_key(fetch),
                tuple(chosen.chain) if chosen else (),
                _opened_key(ts.opened),
            ),
            "finish": (
                modes["finish"],
                tuple(chosen.chain) if chosen else (),
                s.destination.url,
                s.destination.method,
                s.destination.folder,
                fetch.url if fetch else "",
                ks.format,
                ts.format,
                self.fin.config.to_json(mask=False) if self.fin.config else None,
                self.connection.digest(),
                _opened_key(ks.opened),  # "What will break when" (will_break.py)
                _opened_key(ts.opened),
            ),
        }


def _opened_key(opened: OpenedStoreState | None) -> tuple:
    if opened is None:
        return ()
    return (
        opened.name,
        opened.store_type,
        tuple((e.alias, e.kind, tuple(e.chain)) for e in opened.entries),
    )


def _fetch_key(fetch: FetchReport | None) -> tuple:
    if fetch is None:
        return ()
    return (fetch.url, fetch.host, fetch.port, fetch.address, fetch.sent, tuple(fetch.warnings))


def wizard_context(
    state: State,
    *,
    errors: dict[str, str],
    values: dict[str, str],
    focus: str | None,
    lost: bool = False,
) -> dict[str, Any]:
    """What the templates need (certificates are described only where a template shows them)."""
    wizard = Wizard(state)
    if wizard.ts.conflicts:
        # Two included certificates with one alias: Java would refuse the truststore, so the
        # page says so beside the alias, whatever the request was about.
        errors = {**wizard.ts.conflicts, **errors}
    modes = dict(wizard.modes)
    step = (focus or "").removeprefix("step-")
    if errors and step in modes:
        # Errors are drawn inside their step: a post from a folded step (a second tab, a
        # stale page) must open it, or the message would never be seen.
        modes[step] = "open"
    return {
        "wizard": wizard,
        "ks": wizard.ks,
        "ts": wizard.ts,
        "fin": wizard.fin,
        "modes": modes,
        "complete": wizard.complete,
        "steps": STEPS,
        "store_formats": STORE_FORMATS,
        "snippet_files": SNIPPET_FILES,
        "step_titles": STEP_TITLES,
        "errors": errors,
        "values": values,
        "focus": focus,
        "reveal": False,
        "lost_work": LOST_WORK if lost else "",
        "erased": False,  # the work was downloaded and erased (set by render_wizard)
        "will_break": will_break(state),
    }
