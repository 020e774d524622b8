"""What each store will be built from: the ONE rule for "ready" and for the download.

The page says "Your truststore is ready" exactly when plan_truststore(state) gives a plan,
and /truststore/download builds from that same plan, so a download the page offers works.
A plan that cannot be made gives the problems instead, each keyed by the field to show it
beside.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..pki.certs import CertificateSummary
from ..pki.java import (
    StoreFormat,
    alias_problem,
    alias_used_above,
    normalise_alias,
    readiness,
    repeated_aliases,
    suggest_alias,
)
from ..state import KeyPairCandidate, State
from ..translation import N_, _
from .certificates import certificate, fingerprint, summary
from .store_formats import file_name_for, format_password_problem, saved_format

SOURCE_LABELS = {
    "server": N_("sent by the server"),
    "root store": N_("added from the root store"),
    "extra roots": N_("added from your organisation's roots"),
    "upload": N_("uploaded"),
    "own": N_("your own certificate"),
    "old truststore": N_("from your old truststore"),
}


# The keystore step, the downloads and the connection test say it before a key pair; the
# truststore's two "not yet" are said by the plan and by the truststore step's own form.
NO_KEY_PAIR = readiness.NO_KEY_PAIR
NO_PARTNER_CERTIFICATES = readiness.NO_PARTNER_CERTIFICATE
NONE_INCLUDED = readiness.NONE_INCLUDED


@dataclass(frozen=True)
class Problem:
    field: str  # the form field (or result area) the message belongs beside
    message: str


@dataclass(frozen=True)
class TrustEntry:
    """A certificate that may go into the truststore, with the alias it would get."""

    fingerprint: str
    pem: str
    source: str  # "own" for the user's own chain (the procedure puts it in the truststore)
    alias: str
    include: bool

    @property
    def key(self) -> str:
        """The fingerprint as a form-field suffix (hex, no colons)."""
        return self.fingerprint.replace(":", "").lower()

    @property
    def summary(self) -> CertificateSummary:
        return summary(self.pem)

    @property
    def source_label(self) -> str:
        label = SOURCE_LABELS.get(self.source)
        return _(label) if label is not None else self.source


@dataclass(frozen=True)
class KeystorePlan:
    alias: str
    candidate: KeyPairCandidate
    password: str
    filename: str  # always ends in the format's extension
    format: StoreFormat = StoreFormat.JKS


@dataclass(frozen=True)
class TruststorePlan:
    entries: list[TrustEntry]  # the included ones, aliases unique
    password: str
    filename: str  # always ends in the format's extension
    format: StoreFormat = StoreFormat.JKS


def plan_keystore(state: State, *, keep_placeholder: bool = False) -> KeystorePlan | list[Problem]:
    """The keystore to build, or why it is not ready (pki.java.readiness: the one rule).

    `keep_placeholder`: the keystore that keeps a key generated here until the CA answers
    (issue 20); it may be downloaded, but it is never "ready" (no ✓, no Finish, no config).
    """
    ks = state.keystore
    chosen = ks.chosen
    problems = [
        Problem(p.field, p.message)
        for p in readiness.keystore_problems(
            [certificate(pem) for pem in chosen.chain] if chosen else [],
            placeholder=is_placeholder(state) and not keep_placeholder,
            issuer_missing=bool(chosen and chosen.chain_problem),
            alone_confirmed=ks.alone_confirmed,
            validity_confirmed=ks.validity_confirmed,
            renewing=is_opened_certificate(state),
            not_renewed=not_renewed_problem(state) is not None,
        )
    ]
    alias = normalise_alias(ks.alias)
    if (problem := alias_problem(ks.alias)) is not None:
        problems.append(Problem("alias", problem))
    fmt = saved_format(ks.format)
    if not ks.password:
        problems.append(Problem("keystore_password", _("Choose a keystore password.")))
    elif (problem := format_password_problem(ks.password, fmt)) is not None:
        # A password saved for JKS, then PKCS#12 chosen (issue 14): Java could not open it.
        problems.append(Problem("keystore_password", problem))
    if problems or chosen is None or not ks.password:
        return problems
    return KeystorePlan(
        alias, chosen, ks.password, file_name_for(ks.filename, kind="keystore", fmt=fmt), fmt
    )


def is_placeholder(state: State) -> bool:
    """The chosen certificate is the self-signed placeholder of a key generated here: the
    certificate request is still unanswered (issue 20: a placeholder is never ready)."""
    return bool(state.keystore.request_pem) and state.keystore.chosen is not None


def is_opened_certificate(state: State) -> bool:
    """The chosen certificate is the one last year's keystore held, not yet renewed."""
    ks = state.keystore
    if ks.opened is None or ks.chosen is None or not ks.chosen.chain:
        return False
    leaf = ks.chosen.chain[0]
    return any(e.chain and e.chain[0] == leaf for e in ks.opened.entries)


def previous_certificate(state: State) -> str | None:
    """The opened keystore's certificate that the chosen one replaces, for "valid until
    <old> → <new>" (issue 20); None until a new key pair or CA reply replaced it."""
    ks = state.keystore
    if ks.opened is None or ks.chosen is None or is_opened_certificate(state):
        return None
    keys = [e for e in ks.opened.entries if e.kind == "PrivateKeyEntry" and e.chain]
    wanted = normalise_alias(ks.chosen.source_alias or ks.alias)
    same = [e for e in keys if normalise_alias(e.alias) == wanted] or keys[:1]
    return same[0].chain[0] if same else None


def alone_choice(state: State) -> str | None:
    """What sending the certificate alone means, when its issuer was looked for everywhere
    and not found (issue 20: a choice, never a dead end); None otherwise."""
    chosen = state.keystore.chosen
    if chosen is None or not chosen.chain_problem or is_placeholder(state):
        return None
    return readiness.alone_message(certificate(chosen.chain[0]))


def alone_problem(state: State) -> str | None:
    """alone_choice, while the user has not ticked "Create it with my certificate alone"."""
    return None if state.keystore.alone_confirmed else alone_choice(state)


def sendable_chain(state: State) -> list[str]:
    """The chain the user may send to the partner: none while it is a placeholder."""
    return [] if is_placeholder(state) else own_certificates(state)


def validity_problem(state: State) -> str | None:
    """Why the chosen certificate makes the keystore useless (or, renewing, due), unless the
    user confirmed they want it anyway: the same rule for the page and the file."""
    chosen = state.keystore.chosen
    if chosen is None or not chosen.chain or state.keystore.validity_confirmed:
        return None
    return readiness.validity_problem(
        certificate(chosen.chain[0]), renewing=is_opened_certificate(state)
    )


NOT_RENEWED = readiness.NOT_RENEWED


def not_renewed_problem(state: State) -> str | None:
    """Issue 21: last year's files were opened and their certificate is still the chosen one,
    so the keystore is not "ready" (the user could leave with what expires) unless they said
    it is still fine. Any new key pair (Renew, an import, a CA reply) replaces it."""
    last, chosen = state.last_year, state.keystore.chosen
    if last is None or last.old_is_fine or chosen is None or not chosen.chain:
        return None
    return _(NOT_RENEWED) if chosen.chain[0].strip() == last.old_certificate.strip() else None


def chain_file_name(leaf_pem: str) -> str:
    """The name of the file to send to the partner, from the certificate itself (so the page
    that names it changes only when the certificate does)."""
    return f"{suggest_alias(certificate(leaf_pem))}-certificate-chain.pem"


def own_certificates(state: State) -> list[str]:
    """PEM of the chain of the key pair chosen in the keystore step (leaf first)."""
    chosen = state.keystore.chosen
    return list(chosen.chain) if chosen else []


def trust_entries(state: State) -> list[TrustEntry]:
    """Every certificate that may go into the truststore, no duplicates, aliases unique.

    Suggested aliases avoid every saved choice, not only the ones above: a partner's renewed
    certificate (same name, new key) must not get the alias an older saved one keeps.
    """
    ts = state.truststore
    # A placeholder is not the user's certificate yet (issue 20): it joins no truststore.
    items = [(c.pem, c.source) for c in ts.certs] + [(p, "own") for p in sendable_chain(state)]
    seen: set[str] = set()
    unique: list[tuple[str, str, str]] = []
    for pem, source in items:
        print_ = fingerprint(pem)
        if print_ not in seen:
            seen.add(print_)
            unique.append((print_, pem, source))
    saved = [ts.choices.get(fp) for fp, _pem, _source in unique]
    taken = [choice.alias for choice in saved if choice and choice.alias]
    entries = []
    for print_, pem, source in unique:
        choice = ts.choices.get(print_)
        alias = choice.alias if choice and choice.alias else None
        if alias is None:
            alias = suggest_alias(certificate(pem), taken=taken)
            taken.append(alias)
        entries.append(TrustEntry(print_, pem, source, alias, choice.include if choice else True))
    return entries


def alias_conflicts(entries: list[TrustEntry]) -> list[Problem]:
    """Included entries whose alias an earlier included entry already has (Java would refuse)."""
    included = [entry for entry in entries if entry.include]
    return [
        Problem(f"alias-{included[at].key}", alias_used_above(included[at].alias))
        for at in repeated_aliases([entry.alias for entry in included])
    ]


def plan_truststore(
    state: State, entries: list[TrustEntry] | None = None
) -> TruststorePlan | list[Problem]:
    ts = state.truststore
    entries = trust_entries(state) if entries is None else entries
    included = [e for e in entries if e.include]
    problems = alias_conflicts(entries)
    for entry in included:
        if (problem := alias_problem(entry.alias)) is not None:
            problems.append(Problem(f"alias-{entry.key}", problem))
    problems += [
        Problem(p.field, p.message)
        for p in readiness.truststore_problems(
            partner=sum(e.source != "own" for e in entries),
            included=len(included),
            partner_included=sum(e.source != "own" for e in included),
        )
    ]
    fmt = saved_format(ts.format)
    if not ts.password:
        problems.append(Problem("truststore_password", _("Choose a truststore password.")))
    elif (problem := format_password_problem(ts.password, fmt)) is not None:
        problems.append(Problem("truststore_password", problem))
    if problems or not ts.password:
        return problems
    return TruststorePlan(
        included, ts.password, file_name_for(ts.filename, kind="truststore", fmt=fmt), fmt
    )
