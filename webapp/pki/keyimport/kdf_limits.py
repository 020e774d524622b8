"""How much password hashing a file asks for, read from its structure before we decrypt it.

A password-protected key file names its own key-derivation cost: an iteration count in the
clear (RFC 8018 PBKDF2 and PBES1, RFC 7292 PKCS#12 PBE and MAC, RFC 7914 scrypt). Neither
OpenSSL nor cryptography caps it, so a 3 KB file saying "2,000,000,000 iterations" holds a
worker for minutes ("iteration bomb"). We read every count first and refuse the file when
one count, or the work of the whole upload, exceeds the limits below.

Work is counted in "derivation steps": iterations times the number of times the derivation
runs (PKCS#12's KDF runs once per 20 bytes of key and once for the IV; PBKDF2 once per
block of key; content we must decrypt ourselves to look inside is tried with up to three
passwords, as OpenSSL does). On this machine one step costs at most ~0.4 µs (the slowest
path: our own PKCS#12 KDF), ~0.05-0.15 µs in OpenSSL; tests/pki/test_limits.py measures it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from webapp.pki import der
from webapp.pki.der import Element
from webapp.pki.keyimport.errors import TooSlowToOpenError
from webapp.pki.keyimport.oids import (
    AES_KEY_SIZES,
    DES_EDE3_CBC,
    HMAC_PRFS,
    PBES1,
    PBES2,
    PBKDF2,
    PBMAC1,
    SCRYPT,
    pkcs12_pbe_number,
)
from webapp.translation import _, number

__all__ = [
    "MAX_ITERATIONS",
    "MAX_PKCS12_BAGS",
    "MAX_PKCS12_CONTENT_INFOS",
    "MAX_SCRYPT_MEMORY",
    "MAX_TOTAL_WORK",
    "KdfCost",
    "algorithm_cost",
    "check_costs",
    "encrypted_pkcs8_cost",
    "mac_cost",
]

# One count in a file. Tools write 1 (none) to 100,000: OpenSSL 2,048, Windows 2,000, keytool
# 10,000 (JDK 12+) or 50,000/100,000 (JDK 8-11). The JDK itself refuses more than 5,000,000
# (jdk.internal PKCS12KeyStore MAX_ITERATION_COUNT); 1,000,000 stays 10x above any default
# and costs ~0.1 s in OpenSSL (measured: a PBKDF2-SHA256 file with three counts of 1,000,000
# opens in 0.32 s).
MAX_ITERATIONS = 1_000_000
# The whole upload (both files, every count, times the runs explained above). 2,000,000 steps
# is at most ~0.8 s on the slowest path, which keeps every upload under the 2-second rule;
# ordinary files use 6,000 (OpenSSL) to 550,000 (JDK 11 legacy) steps.
MAX_TOTAL_WORK = 2_000_000
# scrypt's memory is 128 * N * r bytes; OpenSSL's own default ceiling is 32 MiB, and
# `openssl pkcs8 -scrypt` writes N=16384, r=8 (16 MiB).
MAX_SCRYPT_MEMORY = 32 * 1024 * 1024

# The parts of one PKCS#12 file, counted before any pass over it (issue 19, point 7: 100,000
# bags or 60,000 ContentInfos in 1 MiB cost 1.4-2.4 s over our passes and OpenSSL's).
# Tools write 1 to 3 ContentInfos (keytool, OpenSSL and Windows: 2) and a bag per key or
# certificate; an opened store may hold 200 entries and 500 certificates (java/opened.py),
# so 1,000 bags leaves room, and an ordinary file never meets either cap.
MAX_PKCS12_CONTENT_INFOS = 256
MAX_PKCS12_BAGS = 1000

# PKCS#12 PBE number (see oids.pkcs12_pbe_number) -> KDF runs (SHA-1 gives 20 bytes a run):
# RC4 128/40 need only a key; 3-key 3DES needs 24 bytes of key (2 runs) and an IV.
_PKCS12_PBE_RUNS = {1: 1, 2: 1, 3: 3, 4: 2, 5: 2, 6: 2}
# Cipher -> key size, for PBKDF2 without an explicit keyLength.
_KEY_SIZES = {**AES_KEY_SIZES, DES_EDE3_CBC: 24}
_OID, _NULL = 0x06, 0x05


@dataclass(frozen=True)
class KdfCost:
    """One password derivation in a file: the count it states and the steps it will cost."""

    iterations: int
    work: int


def algorithm_cost(algorithm: Element, *, passwords: int = 1) -> KdfCost | None:
    """The cost of a password-based AlgorithmIdentifier, None if it is not password-based.

    `passwords`: how many passwords it will be tried with. Raises TooSlowToOpenError for a
    password-based scheme whose cost we cannot tell (so cannot bound).
    """
    oid, params = _algorithm(algorithm)
    number = pkcs12_pbe_number(oid)
    if number is not None or oid in PBES1:
        _salt, count, *_rest = der.children(params, at_least=2)
        runs = _PKCS12_PBE_RUNS.get(number or 0, 1)
        return _cost(der.integer(count), runs * passwords)
    if oid == PBES2:
        kdf, scheme, *_rest = der.children(params, at_least=2)
        return _derivation_cost(kdf, _key_size(scheme), passwords)
    return None


def encrypted_pkcs8_cost(data: bytes) -> KdfCost | None:
    """The cost of an EncryptedPrivateKeyInfo (RFC 5958), None if `data` is not one.

    Raises DerError when it has that shape but unreadable parameters: better to call the
    key damaged than to let a loader read a count we could not.
    """
    try:
        parts = der.children(der.single(data, expect=0x30))
    except der.DerError:
        return None  # not this structure: the key loaders will say what it is
    if len(parts) != 2 or parts[0].tag != 0x30 or parts[1].tag not in (0x04, 0x24):
        return None
    return algorithm_cost(parts[0])


def mac_cost(mac_data: Element, *, passwords: int = 1) -> KdfCost:
    """The cost of a PKCS#12 MacData: the PKCS#12 KDF once, or PBKDF2 for PBMAC1 (RFC 9579)."""
    digest_info, _salt, *rest = der.children(mac_data, at_least=2)
    count = der.integer(rest[0]) if rest else 1  # DEFAULT 1
    oid, params = _algorithm(der.first_child(digest_info))
    if oid != PBMAC1:
        return _cost(count, passwords)
    kdf, _scheme = der.children(params, count=2)
    pbkdf2 = _derivation_cost(kdf, 64, passwords)
    # RFC 9579 says to ignore the old count beside PBMAC1; we count it in case a reader doesn't.
    return KdfCost(max(pbkdf2.iterations, count), pbkdf2.work + count * passwords)


def check_costs(costs: Iterable[KdfCost]) -> None:
    """Refuse the upload if one count, or all of them together, is more than we spend."""
    costs = list(costs)
    highest = max((c.iterations for c in costs), default=0)
    if highest > MAX_ITERATIONS:
        raise TooSlowToOpenError(
            _(
                "This file's password protection is set to {rounds} rounds, far more than any "
                "ordinary tool uses (we accept up to {limit}). Export the key pair "
                "again with your tool's default settings and upload that file.",
                rounds=number(highest),
                limit=number(MAX_ITERATIONS),
            )
        )
    if sum(c.work for c in costs) > MAX_TOTAL_WORK:
        raise TooSlowToOpenError(
            _(
                "This upload would need too much password checking to open: its parts are "
                "protected with unusually many rounds. Export the key pair again with your "
                "tool's default settings, or upload fewer keys at once."
            )
        )


def _derivation_cost(kdf: Element, default_key_size: int, passwords: int) -> KdfCost:
    oid, params = _algorithm(kdf)
    if oid == PBKDF2:
        _salt, count, *optional = der.children(params, at_least=2)
        key_size, prf_size = default_key_size, 20
        for item in optional:
            if item.tag == 0x02:
                key_size = der.integer(item)
            elif item.tag == 0x30:
                prf_size = HMAC_PRFS.get(_algorithm(item)[0], ("sha1", 20))[1]
        blocks = max(1, -(-key_size // prf_size))
        return _cost(der.integer(count), blocks * passwords)
    if oid == SCRYPT:
        _salt, n, r, p, *_rest = der.children(params, at_least=4)
        cost, block, parallel = der.integer(n), der.integer(r), der.integer(p)
        if 128 * cost * block > MAX_SCRYPT_MEMORY:
            raise TooSlowToOpenError(
                _(
                    "This file's password protection (scrypt) asks for more memory than we "
                    "allow. Export the key again with your tool's default settings."
                )
            )
        # Each of the N steps mixes 2 * r blocks, p times, and runs twice (RFC 7914 §5).
        return _cost(cost, 2 * block * parallel * passwords)
    raise TooSlowToOpenError(
        _(
            "This file is protected with a password scheme we cannot check safely. Export the "
            "key pair again with your tool's default settings (PKCS#12 or PKCS#8 with AES)."
        )
    )


def _cost(iterations: int, runs: int) -> KdfCost:
    return KdfCost(iterations, iterations * runs)


def _key_size(scheme: Element) -> int:
    oid, _params = _algorithm(scheme)
    return _KEY_SIZES.get(oid, 32)


def _algorithm(algorithm: Element) -> tuple[bytes, Element]:
    """(OID content, parameters) of an AlgorithmIdentifier; absent parameters read as NULL."""
    parts = der.children(algorithm)
    if not parts or parts[0].tag != _OID:
        raise der.DerError("not an AlgorithmIdentifier")
    return parts[0].body, parts[1] if len(parts) > 1 else Element(_NULL, b"", b"\x05\x00")
