"""Complete a server's chain with a root from the trusted root stores, and report its problems.

Servers usually send their leaf and intermediates but not the root; the user building a
truststore needs to see which root closes the chain and where it came from. Roots come from
Mozilla's bundle as shipped by certifi, plus PEM bundles the operator adds
(FLASK_EXTRA_ROOTS), indexed by subject name.

Names are compared the way `cryptography` compares them (attribute by attribute, ignoring the
ASN.1 string type) rather than as DER bytes: the same name encoded as PrintableString in a root
and UTF8String in an issuer field is the same name, and `verify_directly_issued_by`, which has
the final word, accepts it.

Loading cost (measured on the 2-core dev box, certifi 2026.10.19, 117 roots, cryptography 50):
7-11 ms to read, parse and index, so the store is parsed eagerly once and cached per
(path, mtime, size) rather than lazily per certificate.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.utils import CryptographyDeprecationWarning

__all__ = [
    "MOZILLA_ROOTS",
    "OPERATOR_ROOTS",
    "SOURCE_ROOT_STORE",
    "SOURCE_SERVER",
    "ChainEntry",
    "ChainReport",
    "RootStore",
    "TrustedRoot",
    "complete_chain",
    "extra_root_paths",
    "load_root_store",
]

log = logging.getLogger(__name__)

SOURCE_SERVER = "server"
SOURCE_ROOT_STORE = "root store"
MOZILLA_ROOTS = "Mozilla root store (certifi)"
OPERATOR_ROOTS = "extra roots (operator)"
MAX_CHAIN_LENGTH = 10  # real chains are 2-4 long; the cap stops loops of cross-signatures

_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL
)


@dataclass(frozen=True)
class TrustedRoot:
    certificate: x509.Certificate
    store: str  # MOZILLA_ROOTS or OPERATOR_ROOTS


class RootStore:
    """Trusted roots indexed by subject name, for finding the issuer of a certificate."""

    def __init__(self, roots: Iterable[TrustedRoot]) -> None:
        self.roots = tuple(roots)
        self._by_subject: dict[x509.Name, list[TrustedRoot]] = {}
        for root in self.roots:
            self._by_subject.setdefault(root.certificate.subject, []).append(root)
        self._fingerprints = {_fingerprint(r.certificate): r for r in self.roots}

    def __len__(self) -> int:
        return len(self.roots)

    def with_subject(self, name: x509.Name) -> tuple[TrustedRoot, ...]:
        """Roots whose subject is exactly `name` (several when a CA re-issued its root)."""
        return tuple(self._by_subject.get(name, ()))

    def find(self, certificate: x509.Certificate) -> TrustedRoot | None:
        """The store entry for this exact certificate, if it is in the store."""
        return self._fingerprints.get(_fingerprint(certificate))


def extra_root_paths(value: str | Sequence[str | os.PathLike[str]] | None) -> tuple[Path, ...]:
    """Paths from FLASK_EXTRA_ROOTS: one path, several joined by os.pathsep, or a list."""
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(Path(part) for part in value.split(os.pathsep) if part.strip())
    return tuple(Path(part) for part in value)


def load_root_store(extra_bundles: Iterable[str | os.PathLike[str]] = ()) -> RootStore:
    """The Mozilla roots plus the operator's PEM bundles; parsed once per (path, mtime)."""
    paths = [Path(certifi.where()), *(Path(p) for p in extra_bundles)]
    key = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError as exc:
            raise ValueError(f"FLASK_EXTRA_ROOTS: cannot read {path}: {exc.strerror}") from None
        key.append((str(path.resolve()), stat.st_mtime_ns, stat.st_size))
    return _load_root_store(tuple(key))


@functools.lru_cache(maxsize=8)
def _load_root_store(key: tuple[tuple[str, int, int], ...]) -> RootStore:
    (mozilla_path, *_), *extras = key
    roots = _read_bundle(Path(mozilla_path), MOZILLA_ROOTS, strict=False)
    for extra_path, *_ in extras:
        roots += _read_bundle(Path(extra_path), OPERATOR_ROOTS, strict=True)
    return RootStore(roots)


def _read_bundle(path: Path, store: str, *, strict: bool) -> list[TrustedRoot]:
    """Parse each PEM block on its own so one odd root cannot sink the whole bundle.

    certifi currently ships a root with a negative serial number; cryptography warns about it
    (and plans to refuse it), which would be an error under pytest's filterwarnings=error.
    The operator's own bundle is `strict`: a bad entry there is a configuration error.
    """
    try:
        blocks = _PEM_CERTIFICATE.findall(path.read_bytes())
    except OSError as exc:
        raise ValueError(f"FLASK_EXTRA_ROOTS: cannot read {path}: {exc.strerror}") from None
    roots = []
    with warnings.catch_warnings():  # once per bundle and cached, so the global state is brief
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for number, block in enumerate(blocks, start=1):
            try:
                roots.append(TrustedRoot(x509.load_pem_x509_certificate(block), store))
            except ValueError as exc:
                if strict:
                    raise ValueError(
                        f"FLASK_EXTRA_ROOTS: certificate {number} in {path} is not valid: {exc}"
                    ) from None
                log.warning("skipping unreadable root %d in %s: %s", number, path, exc)
    if strict and not roots:
        raise ValueError(f"FLASK_EXTRA_ROOTS: {path} contains no PEM certificates")
    return roots


@dataclass(frozen=True)
class ChainEntry:
    certificate: x509.Certificate
    source: str  # SOURCE_SERVER or SOURCE_ROOT_STORE
    store: str | None  # which root store, for SOURCE_ROOT_STORE entries
    sent_position: int | None  # index in what the server sent (0 = first), None for roots
    self_signed: bool
    expired: bool
    not_yet_valid: bool

    @property
    def origin(self) -> str:
        """Where the certificate came from, in words for the page."""
        return self.store if self.store is not None else "sent by the server"


@dataclass(frozen=True)
class ChainReport:
    entries: tuple[ChainEntry, ...]  # leaf first, then each issuer in turn
    extra_certificates: tuple[ChainEntry, ...]  # sent but not part of the chain
    out_of_order: bool  # the server sent chain certificates in a different order
    incomplete: bool  # no issuer found for the last entry: a gap in the chain
    self_signed_leaf: bool
    root_in_store: bool  # the chain ends at a certificate from a trusted root store

    @property
    def root_from_store(self) -> bool:
        return bool(self.entries) and self.entries[-1].source == SOURCE_ROOT_STORE

    @property
    def any_expired(self) -> bool:
        return any(entry.expired for entry in self.entries)

    @property
    def any_not_yet_valid(self) -> bool:
        return any(entry.not_yet_valid for entry in self.entries)


# One step of a chain: (certificate, position in what was sent, or the root store entry).
_Link = tuple[x509.Certificate, int | None, TrustedRoot | None]


def complete_chain(
    sent: Sequence[x509.Certificate], *, roots: RootStore, now: dt.datetime | None = None
) -> ChainReport:
    """Order what the server sent from its leaf (the first certificate) up to a root.

    Issuers are matched by name AND signature; the key identifiers only decide which
    candidate to try first. A chain that reaches a trusted root beats one that uses more of
    the sent certificates, the way a client would build it (e.g. a server still sending a
    cross-signed root whose old issuer left the store).
    """
    if not sent:
        raise ValueError("complete_chain needs at least the server's leaf certificate")
    when = now or dt.datetime.now(dt.timezone.utc)
    complete, links = _best_path(sent, roots, [(sent[0], 0, None)])
    used = {position for _, position, _ in links if position is not None}
    sent_order = [position for _, position, _ in links if position is not None]
    last_cert, _, last_root = links[-1]
    return ChainReport(
        entries=tuple(_entry(cert, position, root, when) for cert, position, root in links),
        extra_certificates=tuple(
            _entry(cert, position, None, when)
            for position, cert in enumerate(sent)
            if position not in used
        ),
        out_of_order=sent_order != sorted(sent_order),
        incomplete=not complete,
        self_signed_leaf=_is_self_signed(sent[0]),
        root_in_store=last_root is not None or roots.find(last_cert) is not None,
    )


def _best_path(
    sent: Sequence[x509.Certificate], roots: RootStore, path: list[_Link]
) -> tuple[bool, list[_Link]]:
    """Depth-first: (True, path) for the first path ending at a self-signed or store root,
    else (False, the longest path found). Chains are tiny, so the search is cheap."""
    current, _, root = path[-1]
    anchored = root is not None or _is_self_signed(current)
    if anchored or len(path) >= MAX_CHAIN_LENGTH:
        return anchored, path
    used = {position for _, position, _ in path}
    best: tuple[bool, list[_Link]] = (False, path)
    from_server: list[_Link] = [
        (cert, position, None)
        for position, cert in enumerate(sent)
        if position not in used and cert.subject == current.issuer
    ]
    from_store: list[_Link] = [
        (trusted.certificate, None, trusted) for trusted in roots.with_subject(current.issuer)
    ]
    for link in [*_by_key_id_hint(current, from_server), *_by_key_id_hint(current, from_store)]:
        if not _signed_by(current, link[0]):
            continue
        found = _best_path(sent, roots, [*path, link])
        if found[0]:
            return found
        if len(found[1]) > len(best[1]):
            best = found
    return best


def _by_key_id_hint(cert: x509.Certificate, links: Sequence[_Link]) -> list[_Link]:
    # AKI/SKI are only a hint (they can be missing or wrong); try the matching ones first.
    try:
        wanted = cert.extensions.get_extension_for_class(
            x509.AuthorityKeyIdentifier
        ).value.key_identifier
    except (x509.ExtensionNotFound, ValueError):
        return list(links)

    def mismatch(link: _Link) -> bool:
        try:
            ski = link[0].extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        except (x509.ExtensionNotFound, ValueError):
            return True
        return ski.value.digest != wanted

    return sorted(links, key=mismatch)


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _is_self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject and _signed_by(cert, cert)


def _fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def _entry(
    cert: x509.Certificate, position: int | None, root: TrustedRoot | None, now: dt.datetime
) -> ChainEntry:
    return ChainEntry(
        certificate=cert,
        source=SOURCE_SERVER if root is None else SOURCE_ROOT_STORE,
        store=None if root is None else root.store,
        sent_position=position,
        self_signed=_is_self_signed(cert),
        expired=now > cert.not_valid_after_utc,
        not_yet_valid=now < cert.not_valid_before_utc,
    )
