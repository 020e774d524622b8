"""The view model of the one-page wizard, made from the State it is given.

Views write the state; this module turns it into what the templates show: which step is
open, what was imported, what is missing. Certificates are described only when a template
asks (see certificates.py), and "complete" is the same plan the downloads build from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..pki.certs import CertificateSummary
from ..pki.java import DestinationConfig, file_path
from ..state import STEPS, FetchReport, State
from .certificates import summary
from .connection_view import ConnectionPanel, connection_panel
from .plans import (
    KeystorePlan,
    TrustEntry,
    TruststorePlan,
    plan_keystore,
    plan_truststore,
    trust_entries,
)

STEP_TITLES = {"keystore": "Keystore", "truststore": "Truststore", "finish": "Finish"}
LOST_WORK = "Your saved work could not be restored after an update; please start again."

__all__ = ["LOST_WORK", "STEPS", "STEP_TITLES", "Candidate", "FinishView", "KeystoreView",
           "TrustEntry", "TruststoreView", "Wizard", "wizard_context"]


@dataclass
class Candidate:
    index: int
    pems: list[str]
    source_alias: str | None

    @property
    def leaf(self) -> CertificateSummary:
        return summary(self.pems[0])

    @cached_property
    def chain(self) -> list[CertificateSummary]:
        return [summary(pem) for pem in self.pems]


@dataclass
class KeystoreView:
    candidates: list[Candidate] = field(default_factory=list)
    selected: int = 0
    source_name: str = ""
    alias: str = ""
    filename: str = "keystore.jks"
    has_password: bool = False
    plan: KeystorePlan | None = None

    @property
    def complete(self) -> bool:
        return self.plan is not None

    @property
    def imported(self) -> bool:
        return bool(self.candidates)

    @property
    def chosen(self) -> Candidate | None:
        if not self.candidates:
            return None
        return self.candidates[min(max(self.selected, 0), len(self.candidates) - 1)]


@dataclass
class TruststoreView:
    entries: list[TrustEntry] = field(default_factory=list)
    fetch: FetchReport | None = None
    filename: str = "truststore.jks"
    has_password: bool = False
    plan: TruststorePlan | None = None
    # field -> message: saved aliases Java would refuse (duplicates), shown without being asked
    conflicts: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.plan is not None

    @property
    def collected(self) -> bool:
        """Partner certificates were fetched or uploaded (own certificates alone are not enough)."""
        return any(e.source != "own" for e in self.entries)

    @property
    def included(self) -> list[TrustEntry]:
        return [e for e in self.entries if e.include]


@dataclass
class FinishView:
    url: str
    method: str
    folder: str
    ready: bool
    config: DestinationConfig | None


def keystore_view(state: State) -> KeystoreView:
    saved = state.keystore
    plan = plan_keystore(state)
    return KeystoreView(
        candidates=[Candidate(i, list(c.chain), c.source_alias)
                    for i, c in enumerate(saved.candidates)],
        selected=saved.selected, source_name=saved.source_name, alias=saved.alias,
        filename=saved.filename or "keystore.jks", has_password=bool(saved.password),
        plan=plan if isinstance(plan, KeystorePlan) else None,
    )


def truststore_view(state: State) -> TruststoreView:
    saved = state.truststore
    entries = trust_entries(state)
    plan = plan_truststore(state, entries)
    return TruststoreView(
        entries=entries, fetch=saved.fetch, filename=saved.filename or "truststore.jks",
        has_password=bool(saved.password), plan=plan if isinstance(plan, TruststorePlan) else None,
        conflicts={} if isinstance(plan, TruststorePlan) else {
            p.field: p.message for p in plan if p.field.startswith("alias-")},
    )


def finish_view(state: State, ks: KeystoreView, ts: TruststoreView) -> FinishView:
    saved = state.destination
    url = saved.url or (ts.fetch.url if ts.fetch else "")
    method = saved.method or "POST"
    config = None
    if ks.plan and ts.plan:
        config = DestinationConfig(
            url=url, method=method,
            keystore_file=file_path(saved.folder, ks.plan.filename),
            keystore_pass=ks.plan.password,
            truststore_file=file_path(saved.folder, ts.plan.filename),
            truststore_pass=ts.plan.password,
        )
    return FinishView(url, method, saved.folder, config is not None, config)


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
            "keystore": (modes["keystore"], self.ks.complete, ks.selected, ks.source_name,
                         ks.alias, ks.filename, bool(ks.password),
                         tuple((c.bundle, tuple(c.chain), c.source_alias, tuple(c.chain_sources),
                                c.chain_problem) for c in ks.candidates)),
            "truststore": (modes["truststore"], self.ts.complete, ts.filename, bool(ts.password),
                           tuple((c.pem, c.source) for c in ts.certs),
                           tuple(sorted((fp, c.alias, c.include) for fp, c in ts.choices.items())),
                           _fetch_key(fetch), tuple(chosen.chain) if chosen else ()),
            "finish": (modes["finish"], s.destination.url, s.destination.method,
                       s.destination.folder, fetch.url if fetch else "",
                       self.fin.config.to_json(mask=False) if self.fin.config else None,
                       self.connection.digest()),
        }


def _fetch_key(fetch: FetchReport | None) -> tuple:
    if fetch is None:
        return ()
    return (fetch.url, fetch.host, fetch.port, fetch.address, fetch.sent, tuple(fetch.warnings))


def wizard_context(state: State, *, errors: dict[str, str], values: dict[str, str],
                   focus: str | None, lost: bool = False) -> dict[str, Any]:
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
        "step_titles": STEP_TITLES,
        "errors": errors,
        "values": values,
        "focus": focus,
        "reveal": False,
        "lost_work": LOST_WORK if lost else "",
    }

