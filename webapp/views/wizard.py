"""The view model of the one-page wizard, made from the State it is given.

Views write the state; this module turns it into what the templates show: which step is
open, what was imported, what is missing. Certificates are described only when a template
asks (see certificates.py), and "complete" is the same plan the downloads build from.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from ..pki.java import STORE_FORMATS
from ..state import STEPS, State
from ..translation import N_, _
from .connection_panel import ConnectionPanel
from .last_year_view import LastYearPanel, LastYearView, last_year_panel, last_year_view
from .view_models import (
    FinishView,
    KeystoreView,
    StepperView,
    StepView,
    TruststoreView,
    finish_view,
    keystore_view,
    truststore_view,
)

STEP_TITLES = {"keystore": N_("Keystore"), "truststore": N_("Truststore"), "finish": N_("Finish")}
# Snippet key (pki.java.consumer_snippets) -> its file in the zip and as a download (issue 14).
SNIPPET_FILES = {
    "spring-yaml": "spring-ssl-bundle.yaml",
    "spring-properties": "spring-ssl-bundle.properties",
    "jvm": "jvm-options.txt",
    "java": "SslContextExample.java",
}
LOST_WORK = N_("Your saved work could not be restored after an update; please start again.")

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
    def last_year(self) -> LastYearView | None:
        """Last year's files, as the panel and the finish step show them (issue 21)."""
        return last_year_view(self.state)

    @property
    def connection(self) -> ConnectionPanel:
        """The connection test panel of the finish step (issue 11)."""
        return self.fin.connection

    @cached_property
    def complete(self) -> dict[str, bool]:
        return {"keystore": self.ks.complete, "truststore": self.ts.complete, "finish": False}

    @cached_property
    def modes(self) -> dict[str, str]:
        return step_modes(self.state, self.complete)

    @cached_property
    def views(self) -> dict[str, StepView | StepperView | LastYearPanel]:
        """What the stepper and each step's section show, as frozen values: a section is
        redrawn when its value differs from the one on the page (rendering.changed_steps)."""
        views: dict[str, StepView | StepperView | LastYearPanel] = {
            "stepper": StepperView(tuple(self.modes.items()), tuple(self.complete.items())),
            "last_year": last_year_panel(self.state),  # issue 21's panel, not a step
        }
        for step, shows in (("keystore", self.ks), ("truststore", self.ts), ("finish", self.fin)):
            views[step] = StepView(self.modes[step], shows)
        return views


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
        "step_titles": {step: _(title) for step, title in STEP_TITLES.items()},
        "errors": errors,
        "values": values,
        "focus": focus,
        "reveal": False,
        "lost_work": _(LOST_WORK) if lost else "",
        "erased": False,  # the work was downloaded and erased (set by render_wizard)
        "will_break": wizard.fin.will_break,
    }
