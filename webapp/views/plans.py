"""What each store will be built from: the ONE rule for "ready" and for the download.

The page says "Your truststore is ready" exactly when plan_truststore(state) gives a plan,
and /truststore/download builds from that same plan, so a download the page offers works.
A plan that cannot be made gives the problems instead, each keyed by the field to show it
beside.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..pki.certs import CertificateSummary
from ..pki.java import AliasError, StoreFormat, normalise_alias, suggest_alias, validate_alias
from ..state import KeyPairCandidate, State
from .certificates import certificate, fingerprint, summary
from .store_formats import file_name_for, format_password_problem, saved_format

SOURCE_LABELS = {
    "server": "sent by the server",
    "root store": "added from the root store",
    "extra roots": "added from your organisation's roots",
    "upload": "uploaded",
    "own": "your own certificate",
    "old truststore": "from your old truststore",
}


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
        return SOURCE_LABELS.get(self.source, self.source)


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


@functools.lru_cache(maxsize=1024)
def alias_problem(alias: str) -> str | None:
    """Why Java cannot hold `alias`, or None. Cached: every request plans both stores, and
    the check walks the alias character by character."""
    try:
        validate_alias(alias)
    except AliasError as exc:
        return str(exc)
    return None


def plan_keystore(state: State) -> KeystorePlan | list[Problem]:
    ks = state.keystore
    problems = []
    if ks.chosen is None:
        problems.append(Problem("key_file", "Import your key pair file first."))
    elif ks.chosen.chain_problem:  # issue 11: Java would send the leaf alone
        problems.append(Problem("chain_files", ks.chosen.chain_problem))
    alias = normalise_alias(ks.alias)
    if (problem := alias_problem(ks.alias)) is not None:
        problems.append(Problem("alias", problem))
    fmt = saved_format(ks.format)
    if not ks.password:
        problems.append(Problem("keystore_password", "Choose a keystore password."))
    elif (problem := format_password_problem(ks.password, fmt)) is not None:
        # A password saved for JKS, then PKCS#12 chosen (issue 14): Java could not open it.
        problems.append(Problem("keystore_password", problem))
    if (problem := validity_problem(state)) is not None:
        problems.append(Problem("validity_confirmed", problem))
    if (problem := not_renewed_problem(state)) is not None:
        problems.append(Problem("new_key_file", problem))
    if problems or ks.chosen is None or not ks.password:
        return problems
    return KeystorePlan(
        alias, ks.chosen, ks.password, file_name_for(ks.filename, kind="keystore", fmt=fmt), fmt
    )


UNUSABLE = {
    "expired": "Your certificate has expired: the partner will refuse it.",
    "not_yet_valid": "Your certificate is not valid yet: the partner will refuse it until then.",
}


def validity_problem(state: State) -> str | None:
    """Why the chosen certificate makes the keystore useless, unless the user confirmed they
    want it anyway (to test, or to prepare a renewal): the same rule for the page and the file."""
    chosen = state.keystore.chosen
    if chosen is None or not chosen.chain or state.keystore.validity_confirmed:
        return None
    return UNUSABLE.get(summary(chosen.chain[0]).status)


NOT_RENEWED = (
    "This is last year's certificate: renew it with your new key pair file, "
    "or tick “My old certificate is still fine”."
)


def not_renewed_problem(state: State) -> str | None:
    """Issue 21: last year's files were opened and their certificate is still the chosen one,
    so the keystore is not "ready" (the user could leave with what expires) unless they said
    it is still fine. Any new key pair (Renew, an import, a CA reply) replaces it."""
    last, chosen = state.last_year, state.keystore.chosen
    if last is None or last.old_is_fine or chosen is None or not chosen.chain:
        return None
    return NOT_RENEWED if chosen.chain[0].strip() == last.old_certificate.strip() else None


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
    items = [(c.pem, c.source) for c in ts.certs] + [(p, "own") for p in own_certificates(state)]
    seen: set[str] = set()
    unique: list[tuple[str, str, str]] = []
    for pem, source in items:
        print_ = fingerprint(pem)
        if print_ not in seen:
            seen.add(print_)
            unique.append((print_, pem, source))
    saved = [ts.choices.get(fp) for fp, _, _ in unique]
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
    problems, used = [], set()
    for entry in entries:
        if not entry.include:
            continue
        alias = normalise_alias(entry.alias)
        if alias in used:
            message = f"The alias “{entry.alias}” is already used above. Aliases must be unique."
            problems.append(Problem(f"alias-{entry.key}", message))
        used.add(alias)
    return problems


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
    if not any(e.source != "own" for e in entries):
        problems.append(
            Problem("server_url", "Fetch the partner's certificates or upload them first.")
        )
    elif not included:
        problems.append(Problem("certificates", "Include at least one certificate."))
    fmt = saved_format(ts.format)
    if not ts.password:
        problems.append(Problem("truststore_password", "Choose a truststore password."))
    elif (problem := format_password_problem(ts.password, fmt)) is not None:
        problems.append(Problem("truststore_password", problem))
    if problems or not ts.password:
        return problems
    return TruststorePlan(
        included, ts.password, file_name_for(ts.filename, kind="truststore", fmt=fmt), fmt
    )
