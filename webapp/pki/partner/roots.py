"""The trusted root stores a chain is completed from: Mozilla's (certifi) and the operator's.

Roots come from Mozilla's bundle as shipped by certifi, plus PEM bundles the operator adds
(FLASK_EXTRA_ROOTS), indexed by subject name. Names are compared the way `cryptography`
compares them (attribute by attribute, ignoring the ASN.1 string type) rather than as DER
bytes: the same name encoded as PrintableString in a root and UTF8String in an issuer field is
the same name.

Loading cost (measured on the 2-core dev box, certifi 2026.10.19, 117 roots, cryptography 50):
7-11 ms to read, parse and index, so the store is parsed eagerly once and cached per
(path, mtime, size) rather than lazily per certificate.
"""

from __future__ import annotations

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
from cryptography.hazmat.primitives import hashes
from cryptography.utils import CryptographyDeprecationWarning

__all__ = [
    "MOZILLA_ROOTS",
    "OPERATOR_ROOTS",
    "RootStore",
    "TrustedRoot",
    "extra_root_paths",
    "load_root_store",
]

log = logging.getLogger(__name__)

MOZILLA_ROOTS = "Mozilla root store (certifi)"
OPERATOR_ROOTS = "extra roots (operator)"

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


def _fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())
