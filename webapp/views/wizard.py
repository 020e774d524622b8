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
from ..pki.java import (
    STORE_FORMATS,
    DestinationConfig,
    Snippet,
    StoreFormat,
    TrustChange,
    consumer_snippets,
    file_path,
)
from ..state import STEPS, FetchReport, OpenedStoreState, State
from .certificates import summary
from .connection_view import ConnectionPanel, connection_panel
from .plans import (
    KeystorePlan,
    TrustEntry,
    TruststorePlan,
    chain_file_name,
    plan_keystore,
    plan_truststore,
    trust_entries,
    validity_problem,
)
from .store_formats import file_name_for, saved_format
from .trust_changes import trust_changes

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
    "Candidate",
    "FinishView",
    "KeystoreView",
    "TrustEntry",
    "TruststoreView",
    "Wizard",
    "wizard_context",
]


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
    pending_name: str = ""  # a file kept after a wrong password, to retry without choosing it
    validity_problem: str | None = None  # expired / not yet valid, and not confirmed
    validity_confirmed: bool = False
    opened: OpenedStoreState | None = None  # last year's keystore (issue 13)
    has_request: bool = False  # a key generated here waits for the CA's reply
    format: StoreFormat = StoreFormat.JKS

    @property
    def complete(self) -> bool:
        return self.plan is not None

    @property
    def opened_entries(self) -> list[tuple[str, str, CertificateSummary]]:
        """(alias, kind, leaf summary) of each entry of the opened keystore."""
        if self.opened is None:
            return []
        return [(e.alias, e.kind, summary(e.chain[0])) for e in self.opened.entries if e.chain]

    @property
    def imported(self) -> bool:
        return bool(self.candidates)

    @property
    def send_filename(self) -> str:
        """The file to send to the partner (the chain of the chosen key pair)."""
        chosen = self.chosen
        return chain_file_name(chosen.pems[0]) if chosen else ""

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
    opened: OpenedStoreState | None = None  # last year's truststore (issue 13)
    changes: dict[str, TrustChange] = field(default_factory=dict)  # by fingerprint
    format: StoreFormat = StoreFormat.JKS

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
    keystore_format: StoreFormat = StoreFormat.JKS
    truststore_format: StoreFormat = StoreFormat.JKS

    def snippets(self, *, mask: bool) -> tuple[Snippet, ...]:
        """The settings for other Java consumers (issue 14), from the same values as config."""
        if self.config is None:
            return ()
        return consumer_snippets(
            self.config,
            keystore_format=self.keystore_format,
            truststore_format=self.truststore_format,
            mask=mask,
        )


def keystore_view(state: State) -> KeystoreView:
    saved = state.keystore
    plan = plan_keystore(state)
    fmt = saved_format(saved.format)
    return KeystoreView(
        candidates=[
            Candidate(i, list(c.chain), c.source_alias) for i, c in enumerate(saved.candidates)
        ],
        selected=saved.selected,
        source_name=saved.source_name,
        alias=saved.alias,
        filename=file_name_for(saved.filename, kind="keystore", fmt=fmt),
        has_password=bool(saved.password),
        plan=plan if isinstance(plan, KeystorePlan) else None,
        format=fmt,
        pending_name=saved.pending_upload.name or "your file" if saved.pending_upload else "",
        validity_problem=validity_problem(state),
        validity_confirmed=saved.validity_confirmed,
        opened=saved.opened,
        has_request=bool(saved.request_pem),
    )


def truststore_view(state: State) -> TruststoreView:
    saved = state.truststore
    entries = trust_entries(state)
    plan = plan_truststore(state, entries)
    fmt = saved_format(saved.format)
    return TruststoreView(
        entries=entries,
        fetch=saved.fetch,
        format=fmt,
        filename=file_name_for(saved.filename, kind="truststore", fmt=fmt),
        has_password=bool(saved.password),
        plan=plan if isinstance(plan, TruststorePlan) else None,
        conflicts={}
        if isinstance(plan, TruststorePlan)
        else {p.field: p.message for p in plan if p.field.startswith("alias-")},
        opened=saved.opened,
        changes=trust_changes(state),
    )


def finish_view(state: State, ks: KeystoreView, ts: TruststoreView) -> FinishView:
    saved = state.destination
    url = saved.url or (ts.fetch.url if ts.fetch else "")
    method = saved.method or "POST"
    config = None
    if ks.plan and ts.plan:
        config = DestinationConfig(
            url=url,
            method=method,
            keystore_file=file_path(saved.folder, ks.plan.filename),
            keystore_pass=ks.plan.password,
            truststore_file=file_path(saved.folder, ts.plan.filename),
            truststore_pass=ts.plan.password,
        )
    return FinishView(
        url,
        method,
        saved.folder,
        config is not None,
        config,
        keystore_format=ks.format,
        truststore_format=ts.format,
    )


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
    }
