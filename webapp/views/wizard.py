"""The view model of the one-page wizard, read from the saved state.

Views write the state; this module turns it into what the templates show: which step is
open, what was imported, what is missing. It only parses certificates (cheap), never keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from flask import g

from ..pki.certs import CertificateSummary, certificates_from_pem, describe_certificate
from ..pki.java import DestinationConfig, file_path, suggest_alias
from ..sessions import State, load_state

STEPS = ("keystore", "truststore", "finish")
STEP_TITLES = {"keystore": "Keystore", "truststore": "Truststore", "finish": "Finish"}
SOURCE_LABELS = {
    "server": "sent by the server",
    "root store": "added from the root store",
    "extra roots": "added from your organisation's roots",
    "upload": "uploaded",
    "own": "your own certificate",
}


@dataclass
class Candidate:
    index: int
    leaf: CertificateSummary
    chain: list[CertificateSummary]
    source_alias: str | None


@dataclass
class KeystoreView:
    candidates: list[Candidate] = field(default_factory=list)
    selected: int = 0
    source_name: str = ""
    alias: str = ""
    filename: str = "keystore.jks"
    has_password: bool = False
    complete: bool = False

    @property
    def imported(self) -> bool:
        return bool(self.candidates)

    @property
    def chosen(self) -> Candidate | None:
        if not self.candidates:
            return None
        return self.candidates[min(self.selected, len(self.candidates) - 1)]


@dataclass
class TrustEntry:
    fingerprint: str
    summary: CertificateSummary
    source: str
    alias: str
    include: bool
    pem: str

    @property
    def key(self) -> str:
        """The fingerprint as a form-field suffix (hex, no colons)."""
        return self.fingerprint.replace(":", "").lower()

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)


@dataclass
class TruststoreView:
    entries: list[TrustEntry] = field(default_factory=list)
    fetch: dict[str, Any] = field(default_factory=dict)
    filename: str = "truststore.jks"
    has_password: bool = False
    complete: bool = False

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


def parsed_certificate(pem: str) -> tuple[x509.Certificate, CertificateSummary]:
    """A saved certificate, parsed and described once per request.

    Every request draws the whole wizard (often twice: before and after a change), and each
    certificate appears in several places. Not cached across requests: the summary's
    validity ("expires in 3 days") depends on the time of the request.
    """
    cache = g.setdefault("parsed_certificates", {})
    if pem not in cache:
        certificate = certificates_from_pem(pem)[0]
        cache[pem] = (certificate, describe_certificate(certificate))
    return cache[pem]


def keystore_view(state: State) -> KeystoreView:
    saved = state.get("keystore") or {}
    view = KeystoreView(
        selected=int(saved.get("selected", 0)),
        source_name=saved.get("source_name", ""),
        alias=saved.get("alias", ""),
        filename=saved.get("filename") or "keystore.jks",
        has_password=bool(saved.get("password")),
    )
    for index, candidate in enumerate(saved.get("candidates", [])):
        chain = [parsed_certificate(pem)[1] for pem in candidate["chain"]]
        view.candidates.append(Candidate(index, chain[0], chain, candidate.get("source_alias")))
    view.complete = bool(view.imported and view.alias and view.has_password)
    return view


def own_certificates(state: State) -> list[str]:
    """PEM of the chain of the key pair chosen in the keystore step (leaf first)."""
    saved = state.get("keystore") or {}
    candidates = saved.get("candidates") or []
    if not candidates:
        return []
    return list(candidates[min(int(saved.get("selected", 0)), len(candidates) - 1)]["chain"])


def trust_candidates(state: State) -> list[tuple[str, str]]:
    """(pem, source) of every certificate that may go into the truststore, no duplicates."""
    saved = state.get("truststore") or {}
    seen: set[str] = set()
    result: list[tuple[str, str]] = []
    for item in [*saved.get("certs", []), *({"pem": p, "source": "own"} for p in own_certificates(state))]:
        fingerprint = parsed_certificate(item["pem"])[1].sha256_fingerprint
        if fingerprint not in seen:
            seen.add(fingerprint)
            result.append((item["pem"], item["source"]))
    return result


def truststore_view(state: State) -> TruststoreView:
    saved = state.get("truststore") or {}
    choices = saved.get("choices", {})
    view = TruststoreView(
        fetch=saved.get("fetch") or {},
        filename=saved.get("filename") or "truststore.jks",
        has_password=bool(saved.get("password")),
    )
    taken: list[str] = []
    for pem, source in trust_candidates(state):
        cert, summary = parsed_certificate(pem)
        choice = choices.get(summary.sha256_fingerprint, {})
        alias = choice.get("alias") or suggest_alias(cert, taken=taken)
        taken.append(alias)
        view.entries.append(
            TrustEntry(summary.sha256_fingerprint, summary, source, alias,
                       choice.get("include", True), pem)
        )
    view.complete = bool(view.collected and view.included and view.has_password)
    return view


def finish_view(state: State, ks: KeystoreView, ts: TruststoreView) -> FinishView:
    saved = state.get("destination") or {}
    url = saved.get("url") or ts.fetch.get("url", "")
    method = saved.get("method") or "POST"
    folder = saved.get("folder", "")
    ready = ks.complete and ts.complete
    config = None
    if ready:
        config = DestinationConfig(
            url=url,
            method=method,
            keystore_file=file_path(folder, ks.filename),
            keystore_pass=state["keystore"]["password"],
            truststore_file=file_path(folder, ts.filename),
            truststore_pass=state["truststore"]["password"],
        )
    return FinishView(url, method, folder, ready, config)


def step_modes(state: State, complete: dict[str, bool]) -> dict[str, str]:
    """How each step shows: "open" (being worked on), "done" (summary + Edit) or "waiting".

    The current step and the first unfinished one are open, so finishing one step reveals
    the next without a click; finished steps the user has moved past fold into a summary.
    """
    current = state.get("current", "keystore")
    first_open = next((s for s in STEPS if not complete[s]), "finish")
    modes = {}
    for step in STEPS:
        if step in (current, first_open):
            modes[step] = "open"
        elif complete[step]:
            modes[step] = "done"
        else:
            modes[step] = "waiting"
    return modes


def wizard_context(*, errors: dict[str, str], values: dict[str, str],
                   focus: str | None) -> dict[str, Any]:
    state = load_state()
    ks = keystore_view(state)
    ts = truststore_view(state)
    fin = finish_view(state, ks, ts)
    complete = {"keystore": ks.complete, "truststore": ts.complete, "finish": False}
    modes = step_modes(state, complete)
    step = (focus or "").removeprefix("step-")
    if errors and step in modes:
        # Errors are drawn inside their step: a post from a folded step (a second tab, a
        # stale page) must open it, or the message would never be seen.
        modes[step] = "open"
    return {
        "ks": ks,
        "ts": ts,
        "fin": fin,
        "modes": modes,
        "complete": complete,
        "steps": STEPS,
        "step_titles": STEP_TITLES,
        "errors": errors,
        "values": values,
        "focus": focus,
        "reveal": False,
    }
