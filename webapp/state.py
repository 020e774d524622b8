"""The user's saved work as typed, versioned value objects: the one owner of its shape.

The vault stores a JSON dict per session (encrypted). Everything that reads or writes that
dict goes through `State.from_record` / `State.to_record`, so the rest of the app works with
attributes, never string keys.

Adding a field: give it a default (a new sub-dataclass gets `field(default_factory=...)`).
Records written before it existed load with the default, and unknown keys are ignored, so an
older instance reading a newer record (during a rolling update) keeps working. Change the
meaning or shape of an existing field only with a new STATE_VERSION and a step in _MIGRATIONS.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# How a record becomes these dataclasses and back is generic, so it lives apart.
from .state_codec import RecordError, build, record_of

__all__ = [
    "STATE_VERSION",
    "STEPS",
    "ConnectionTest",
    "Destination",
    "FetchReport",
    "KeyPairCandidate",
    "PendingUpload",
    "KeystoreState",
    "LastYearExpiry",
    "LastYearState",
    "OpenedStoreEntry",
    "OpenedStoreState",
    "Restored",
    "State",
    "TrustChoice",
    "TrustedCertificate",
    "TruststoreState",
]

# Version 1: the records of main up to 7743e32 (no "version" key). Version 2 has the same
# shape plus the version number.
STATE_VERSION = 2
STEPS = ("keystore", "truststore", "finish")


@dataclass
class KeyPairCandidate:
    """One key entry found in the imported file."""

    # The secret: private key + chain as PEM (KeyPair.to_pem_bundle). Its key passed OpenSSL's
    # check when it came in, so KeyPair.from_pem_bundle reads it back without (issue 19).
    bundle: str
    chain: list[str] = field(default_factory=list)  # certificate PEMs, leaf first
    source_alias: str | None = None  # the entry's name in the imported .p12/.jks, if any
    # Where each certificate of `chain` came from (issue 11): "file", "Chain files", "root
    # store", "extra roots", "downloaded from the CA"; empty for records made before.
    chain_sources: list[str] = field(default_factory=list)
    # Why the chain is incomplete (Java would send the leaf alone: ready only once the user
    # chose that, issue 20); "" when it is complete.
    chain_problem: str = ""


@dataclass
class PendingUpload:
    """A key pair file that failed only on its password, kept so the user need not choose it
    again: the retry is "type the right password, click Import". Secret like the rest."""

    name: str = ""
    data: str = ""  # the file's bytes, base64
    extra: str = ""  # the separate private key file's bytes (PEM pairs), base64

    @classmethod
    def of(cls, name: str, data: bytes, extra: bytes = b"") -> PendingUpload:
        return cls(name, base64.b64encode(data).decode(), base64.b64encode(extra).decode())

    def file_bytes(self) -> bytes:
        return base64.b64decode(self.data)

    def extra_bytes(self) -> bytes:
        return base64.b64decode(self.extra)


@dataclass
class OpenedStoreEntry:
    """One entry of a store the user opened (issue 13), public part only."""

    alias: str  # as the old store spelled it
    kind: str = "PrivateKeyEntry"  # or "trustedCertEntry" (OpenedEntry.kind)
    chain: list[str] = field(default_factory=list)  # certificate PEMs, leaf first


@dataclass
class OpenedStoreState:
    """Last year's keystore or truststore as the user opened it: what it held, never its keys
    (the key entries became KeystoreState.candidates)."""

    name: str = ""  # the file name as the user's browser sent it
    store_type: str = ""  # "JKS" or "PKCS12"
    entries: list[OpenedStoreEntry] = field(default_factory=list)


@dataclass
class KeystoreState:
    candidates: list[KeyPairCandidate] = field(default_factory=list)
    selected: int = 0
    source_name: str = ""  # the imported file's name, as the user's browser sent it
    alias: str = ""
    filename: str = "keystore.jks"
    password: str | None = None  # None: not chosen yet (and not written)
    pending_upload: PendingUpload | None = None  # cleared by a successful import or a reset
    # The user confirmed they want a keystore with an expired (or not yet valid) certificate,
    # knowing the partner will refuse it; forgotten when another key pair is chosen.
    validity_confirmed: bool = False
    # The user chose "Create it with my certificate alone" (issue 20): its issuer could not
    # be found, and Java will send the certificate alone; forgotten with the key pair.
    alone_confirmed: bool = False
    opened: OpenedStoreState | None = None  # renewing last year's keystore (issue 13)
    request_pem: str = ""  # the certificate request of a key generated here (issue 13)
    format: str = "jks"  # a pki.java.StoreFormat value: "jks" or "pkcs12" (issue 14)

    @property
    def chosen(self) -> KeyPairCandidate | None:
        if not self.candidates:
            return None
        return self.candidates[min(max(self.selected, 0), len(self.candidates) - 1)]


@dataclass
class TrustedCertificate:
    pem: str
    source: str  # "server", "root store", "extra roots", "upload"


@dataclass
class TrustChoice:
    """What the user chose for one certificate, keyed by its SHA-256 fingerprint."""

    alias: str = ""
    include: bool = True


@dataclass
class FetchReport:
    """What the partner's server sent when we fetched its chain."""

    url: str = ""
    host: str = ""
    port: int = 443
    address: str = ""
    sent: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class TruststoreState:
    certs: list[TrustedCertificate] = field(default_factory=list)
    choices: dict[str, TrustChoice] = field(default_factory=dict)
    fetch: FetchReport | None = None
    filename: str = "truststore.jks"
    password: str | None = None
    opened: OpenedStoreState | None = None  # last year's truststore (issue 13)
    format: str = "jks"  # a pki.java.StoreFormat value: "jks" or "pkcs12" (issue 14)


@dataclass
class Destination:
    url: str = ""  # empty: the fetched server's URL is suggested
    method: str = "POST"
    folder: str = ""


@dataclass
class ConnectionTest:
    """The last mutual-TLS connection test (issue 11): shown again after a reload and
    written into the zip's README. `basis` is a digest of what was tested (URL, key pair
    chain, trust anchors): when the stores or the URL change, the result is stale."""

    tested_at: str = ""  # ISO 8601, UTC
    url: str = ""
    outcome: str = ""
    headline: str = ""
    next_step: str = ""
    detail: str = ""
    acceptable_issuers: list[str] = field(default_factory=list)
    your_issuer: str = ""
    alert: str = ""
    missing_certificate: str = ""
    tls_version: str = ""
    basis: str = ""


@dataclass
class LastYearExpiry:
    """One certificate of last year's files and when it ends, as the page lists it."""

    owner: str = ""  # "own", "own_ca" or "partner" (pki.renewal.Expiry.owner)
    name: str = ""
    not_after: str = ""  # ISO 8601 date


@dataclass
class LastYearState:
    """Last year's files (issue 21), kept as uploaded: the zip or the stores and
    destination.json, whose passwords they hold. Secret like the key pair, so only here, in
    the encrypted record; every action opens them again with pki.renewal.open_last_year."""

    files: list[PendingUpload] = field(default_factory=list)
    # Typed by the user when destination.json's password was missing or wrong ("" : none).
    keystore_password: str = ""
    truststore_password: str = ""
    key_password: str = ""
    alias: str = ""
    asking: str = ""  # the field the page asks for before the files open ("" : opened)
    expiries: list[LastYearExpiry] = field(default_factory=list)
    old_certificate: str = ""  # last year's certificate (PEM): "ready" only once replaced
    old_is_fine: bool = False  # the user said last year's certificate is still fine
    validity: str = ""  # after Renew: "valid until <old> → <new>"
    summary: str = ""  # after Renew: the one line (pki.renewal.Renewal.summary)
    details: list[str] = field(default_factory=list)


@dataclass
class State:
    current: str = "keystore"  # the step the user is working on
    keystore: KeystoreState = field(default_factory=KeystoreState)
    truststore: TruststoreState = field(default_factory=TruststoreState)
    destination: Destination = field(default_factory=Destination)
    bundle_downloaded: bool = False  # counted once in the metrics/audit (issue 15)
    connection_test: ConnectionTest | None = None  # the last test (issue 11)
    last_year: LastYearState | None = None  # renewing from last year's files (issue 21)

    @classmethod
    def from_record(cls, record: dict[str, Any] | None) -> Restored:
        """The state saved in `record`; never raises.

        A record this code cannot read (a newer or unknown version, a garbled shape) gives a
        fresh state with `lost=True`, so the page can say so plainly instead of failing.
        """
        if not record:
            return Restored(cls(), lost=False)
        try:
            version = record.get("version", 1)
            if not isinstance(version, int) or version not in _MIGRATIONS:
                raise RecordError(f"unknown state version {version!r}")
            state = build(cls, _MIGRATIONS[version](record))
            if state.current not in STEPS:
                state.current = "keystore"
            return Restored(state, lost=False)
        except (RecordError, AttributeError, TypeError, ValueError):
            return Restored(cls(), lost=True)

    def to_record(self) -> dict[str, Any]:
        """The dict the vault stores (JSON types only; None values are left out)."""
        return {"version": STATE_VERSION, **record_of(self)}


class Restored(NamedTuple):
    state: State
    lost: bool  # a saved record existed but could not be read: the user starts again


def _from_v1(record: dict[str, Any]) -> dict[str, Any]:
    migrated = dict(record)
    truststore = migrated.get("truststore")
    if isinstance(truststore, dict) and not truststore.get("fetch"):
        # Version 1 could hold "fetch": {} for "nothing fetched yet".
        migrated["truststore"] = {k: v for k, v in truststore.items() if k != "fetch"}
    return migrated


# version -> function turning such a record into the current shape (before build).
_MIGRATIONS = {1: _from_v1, 2: lambda record: record}
