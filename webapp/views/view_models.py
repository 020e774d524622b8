"""What each step shows, read from the saved state: the keystore, truststore and finish
view models. `wizard` puts them together with the modes.

Every view model is a frozen dataclass of plain values (str, int, tuples, other frozen
values), with no field left out of equality: a step is redrawn exactly when its StepView
differs from the one the page shows (issue 18), so a field added here for a template can
never be forgotten by the redraw rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..pki.certs import CertificateSummary
from ..pki.check.timeline import BreakDate
from ..pki.java import (
    DestinationConfig,
    Snippet,
    StoreFormat,
    TrustChange,
    consumer_snippets,
    file_path,
)
from ..pki.java.destination_url import DestinationUrlError, check_destination_url
from ..state import FetchReport, OpenedStoreState, State
from ..translation import _
from .certificates import summary
from .connection_panel import ConnectionPanel, connection_panel
from .plan_cache import keystore_plan, trust_entries_of, truststore_plan
from .plans import (
    KeystorePlan,
    TrustEntry,
    TruststorePlan,
    alone_choice,
    chain_file_name,
    is_opened_certificate,
    is_placeholder,
    not_renewed_problem,
    plan_keystore,
    previous_certificate,
    validity_problem,
)
from .store_formats import file_name_for, saved_format
from .trust_changes import own_fingerprints, trust_changes
from .will_break import will_break


@dataclass(frozen=True)
class Candidate:
    index: int
    pems: tuple[str, ...]
    source_alias: str | None
    chain_sources: tuple[str, ...] = ()  # where each certificate came from (issue 11)
    chain_problem: str = ""  # why the chain is incomplete; "" when complete

    @property
    def leaf(self) -> CertificateSummary:
        return summary(self.pems[0])

    @cached_property
    def chain(self) -> list[CertificateSummary]:
        return [summary(pem) for pem in self.pems]


@dataclass(frozen=True)
class KeystoreView:
    candidates: tuple[Candidate, ...] = ()
    selected: int = 0
    source_name: str = ""
    alias: str = ""
    filename: str = "keystore.jks"
    has_password: bool = False
    plan: KeystorePlan | None = None
    pending_name: str = ""  # a file kept after a wrong password, to retry without choosing it
    validity_problem: str | None = None  # expired / not yet valid, and not confirmed
    validity_confirmed: bool = False
    not_renewed: str | None = None  # last year's certificate, not renewed yet (issue 21)
    opened: OpenedStoreState | None = None  # last year's keystore (issue 13)
    has_request: bool = False  # a key generated here waits for the CA's reply
    format: StoreFormat = StoreFormat.JKS
    # Issue 20: the placeholder of a key generated here (never ready, never sent), the
    # keystore that keeps that key until the CA answers, the choice to send a certificate
    # whose issuer was not found alone, and the opened certificate a renewal replaces.
    placeholder: bool = False
    keeps_new_key: bool = False
    alone_problem: str | None = None  # what choosing it means, ticked or not
    alone_confirmed: bool = False
    renewing_opened: bool = False  # the opened certificate, not yet renewed
    previous_pem: str | None = None

    @property
    def complete(self) -> bool:
        return self.plan is not None

    @property
    def previous(self) -> CertificateSummary | None:
        """The opened keystore's certificate the chosen one replaces: "valid until <old> →
        <new>" (issue 20)."""
        return summary(self.previous_pem) if self.previous_pem else None

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


@dataclass(frozen=True)
class TruststoreView:
    entries: tuple[TrustEntry, ...] = ()
    fetch: FetchReport | None = None
    filename: str = "truststore.jks"
    has_password: bool = False
    plan: TruststorePlan | None = None
    # field -> message: saved aliases Java would refuse (duplicates), shown without being asked
    conflicts: dict[str, str] = field(default_factory=dict)
    opened: OpenedStoreState | None = None  # last year's truststore (issue 13)
    changes: dict[str, TrustChange] = field(default_factory=dict)  # by fingerprint
    # The user's own certificates, in an update (issue 20). Sorted, not a set: the page's
    # digest is of the repr, and a set's order differs between worker processes.
    own: tuple[str, ...] = ()
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


@dataclass(frozen=True)
class StepView:
    """Everything one step's section shows: its mode and its view model."""

    mode: str  # "open", "done" or "waiting" (wizard.step_modes)
    shows: KeystoreView | TruststoreView | FinishView


@dataclass(frozen=True)
class StepperView:
    modes: tuple[tuple[str, str], ...]
    complete: tuple[tuple[str, bool], ...]


NO_PANEL = ConnectionPanel(False, "", None, False)


@dataclass(frozen=True)
class FinishView:
    url: str
    method: str
    folder: str
    ready: bool
    config: DestinationConfig | None
    keystore_format: StoreFormat = StoreFormat.JKS
    truststore_format: StoreFormat = StoreFormat.JKS
    keystore_filename: str = ""
    truststore_filename: str = ""
    send_filename: str = ""  # the certificate chain file for the partner
    connection: ConnectionPanel = NO_PANEL  # the connection test (issue 11)
    will_break: tuple[BreakDate, ...] = ()  # "What will break when" (issue 22)
    partner_chain: tuple[str, ...] = ()  # the chosen chain the e-mail text names (issue 21)
    renewal_summary: str = ""  # after Renew (issue 21): the one line, and its details
    renewal_details: tuple[str, ...] = ()

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
    plan = keystore_plan(state)
    fmt = saved_format(saved.format)
    return KeystoreView(
        candidates=tuple(
            Candidate(i, tuple(c.chain), c.source_alias, tuple(c.chain_sources), c.chain_problem)
            for i, c in enumerate(saved.candidates)
        ),
        selected=saved.selected,
        source_name=saved.source_name,
        alias=saved.alias,
        filename=file_name_for(saved.filename, kind="keystore", fmt=fmt),
        has_password=bool(saved.password),
        plan=plan if isinstance(plan, KeystorePlan) else None,
        format=fmt,
        pending_name=saved.pending_upload.name or _("your file") if saved.pending_upload else "",
        validity_problem=validity_problem(state),
        validity_confirmed=saved.validity_confirmed,
        not_renewed=not_renewed_problem(state),
        opened=saved.opened,
        has_request=bool(saved.request_pem),
        placeholder=is_placeholder(state),
        keeps_new_key=is_placeholder(state)
        and isinstance(plan_keystore(state, keep_placeholder=True), KeystorePlan),
        alone_problem=alone_choice(state),
        alone_confirmed=saved.alone_confirmed,
        renewing_opened=is_opened_certificate(state),
        previous_pem=previous_certificate(state),
    )


def truststore_view(state: State) -> TruststoreView:
    saved = state.truststore
    entries = trust_entries_of(state)
    plan = truststore_plan(state)
    fmt = saved_format(saved.format)
    return TruststoreView(
        entries=tuple(entries),
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
        own=tuple(sorted(own_fingerprints(state))),
    )


def _usable_url(url: str) -> bool:
    """An address saved before issue 20 may be http://: no config is written for it."""
    try:
        check_destination_url(url)
    except DestinationUrlError:
        return False
    return True


def finish_view(state: State, ks: KeystoreView, ts: TruststoreView) -> FinishView:
    """The finish step: the destination settings, the files' names, the connection test."""
    saved = state.destination
    url = saved.url or (ts.fetch.url if ts.fetch else "")
    method = saved.method or "POST"
    config = None
    if ks.plan and ts.plan and _usable_url(url):
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
        keystore_filename=ks.filename,
        truststore_filename=ts.filename,
        send_filename=ks.send_filename,
        connection=connection_panel(ks.plan, ts.plan, url, state.connection_test),
        will_break=will_break(state),
        partner_chain=ks.chosen.pems if ks.chosen else (),
        renewal_summary=state.last_year.summary if state.last_year else "",
        renewal_details=tuple(state.last_year.details) if state.last_year else (),
    )
