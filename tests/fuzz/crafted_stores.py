"""Hand-built JKS stores and BER re-encodings for the fuzz suite (issue 19, points 3 and 7).

A JKS is a flat list of entries (sun.security.provider.JavaKeyStore: magic, version, count,
then per entry a tag, an alias in modified UTF-8, a timestamp, the key blob and its chain),
closed by SHA-1(password as UTF-16BE + "Mighty Aphrodite" + body). Writing it here lets the
fuzzer lie in every count, and re-encode the key blob (an EncryptedPrivateKeyInfo) in BER
forms Java never writes, with a valid integrity hash so the damage reaches the parsers.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field, replace

import jks

from tests.fuzz import crafted
from tests.fuzz.crafted import Node

__all__ = [
    "JksEntry",
    "ber_encode",
    "jks_entries",
    "many_bags_pfx",
    "with_blob",
    "write_jks",
]

JKS_MAGIC = 0xFEEDFEED


@dataclass(frozen=True)
class JksEntry:
    """One entry; `chain_count`/`lengths` None mean "the true value"."""

    tag: int  # 1 private key, 2 trusted certificate (3 is JCEKS only)
    alias: bytes
    blob: bytes  # the key blob (tag 1) or the certificate (tag 2)
    chain: tuple[bytes, ...] = ()
    chain_count: int | None = None
    blob_length: int | None = None
    cert_types: tuple[bytes, ...] = field(default=())


def jks_entries(data: bytes, password: str) -> list[JksEntry]:
    """The entries of a real JKS, as written (key blobs still encrypted)."""
    store = jks.KeyStore.loads(data, password, try_decrypt_keys=False)
    entries = []
    for alias, item in store.entries.items():
        if isinstance(item, jks.PrivateKeyEntry):
            blob = item.__dict__["_encrypted"]
            chain = tuple(der for _, der in item.cert_chain)
            entries.append(JksEntry(1, alias.encode(), blob, chain))
        elif isinstance(item, jks.TrustedCertEntry):
            entries.append(JksEntry(2, alias.encode(), item.cert))
    return entries


def _utf(raw: bytes) -> bytes:
    return struct.pack(">H", len(raw) & 0xFFFF) + raw


def _entry(entry: JksEntry) -> bytes:
    out = struct.pack(">I", entry.tag) + _utf(entry.alias) + struct.pack(">Q", 0)
    length = len(entry.blob) if entry.blob_length is None else entry.blob_length
    if entry.tag == 2:
        return out + _utf(b"X.509") + struct.pack(">I", length & 0xFFFFFFFF) + entry.blob
    out += struct.pack(">I", length & 0xFFFFFFFF) + entry.blob
    count = len(entry.chain) if entry.chain_count is None else entry.chain_count
    out += struct.pack(">I", count & 0xFFFFFFFF)
    for index, cert in enumerate(entry.chain):
        kind = entry.cert_types[index] if index < len(entry.cert_types) else b"X.509"
        out += _utf(kind) + struct.pack(">I", len(cert)) + cert
    return out


def write_jks(
    entries: list[JksEntry],
    password: str,
    *,
    count: int | None = None,
    version: int = 2,
) -> bytes:
    """A JKS of `entries` with a valid integrity hash; `count` may lie about their number."""
    stated = len(entries) if count is None else count
    body = struct.pack(">III", JKS_MAGIC, version, stated & 0xFFFFFFFF)
    body += b"".join(_entry(e) for e in entries)
    secret = password.encode("utf-16-be", "surrogatepass")
    return body + hashlib.sha1(secret + b"Mighty Aphrodite" + body).digest()


def with_blob(entry: JksEntry, blob: bytes) -> JksEntry:
    return replace(entry, blob=blob)


# --- BER re-encodings ------------------------------------------------------------------------
def _nodes(tree: list[Node], out: list[Node]) -> list[Node]:
    for node in tree:
        out.append(node)
        if node.children is not None and node.tag & 0x20:
            _nodes(node.children, out)
    return out


def ber_encode(der: bytes, operation: str, pick: int, amount: int) -> bytes:
    """`der` with one element (chosen by `pick`) re-encoded in a BER form:

    indefinite: length 0x80 and end-of-contents; fragments: an OCTET STRING as `amount`
    constructed pieces; long-length: its length in 4 bytes; many-elements: `amount` empty
    NULLs added to a constructed element; deep: wrapped in `amount` constructed levels.
    """
    try:
        tree = crafted.parse(der)
    except (ValueError, IndexError):
        return der
    nodes = _nodes(tree, [])
    if operation == "fragments":
        nodes = [n for n in nodes if n.tag == 0x04]
    elif operation in ("indefinite", "many-elements"):
        nodes = [n for n in nodes if n.tag & 0x20]
    if not nodes:
        return der
    target = nodes[pick % len(nodes)]
    return b"".join(_encode(n, target, operation, amount) for n in tree)


def _encode(node: Node, target: Node, operation: str, amount: int) -> bytes:
    if node.children is not None and node.tag & 0x20:
        inner = b"".join(_encode(c, target, operation, amount) for c in node.children)
    else:
        inner = node.content
    if node is not target:
        return crafted.tlv(node.tag, inner)
    if operation == "indefinite":
        return bytes([node.tag, 0x80]) + inner + b"\x00\x00"
    if operation == "fragments":
        size = max(1, len(inner) // max(amount, 1))
        pieces = [inner[i : i + size] for i in range(0, len(inner), size)] or [b""]
        pieces += [b""] * max(0, amount - len(pieces))
        return b"\x24\x80" + b"".join(crafted.tlv(0x04, p) for p in pieces) + b"\x00\x00"
    if operation == "long-length":
        return bytes([node.tag, 0x84]) + struct.pack(">I", len(inner)) + inner
    if operation == "many-elements":
        return crafted.tlv(node.tag, inner + b"\x05\x00" * amount)
    if operation == "deep":
        out = crafted.tlv(node.tag, inner)
        for _ in range(amount):
            out = b"\x30\x80" + out + b"\x00\x00"
        return out
    raise AssertionError(operation)


# --- PKCS#12 bag and ContentInfo counts (issue 19, point 7) ----------------------------------
def many_bags_pfx(bags: list[bytes], *, copies: int, infos: int, password: bytes) -> bytes:
    """A PFX whose bags are repeated `copies` times, spread over `infos` ContentInfos."""
    # Past ~1 MB the upload limit answers first; building more would only slow the fuzzer.
    copies = min(copies, 1_100_000 // max(1, sum(len(b) for b in bags)))
    repeated = bags * max(copies, 0)
    per_info = max(1, -(-len(repeated) // max(infos, 1)))
    contents = [
        crafted.data_content(*repeated[i : i + per_info]) for i in range(0, len(repeated), per_info)
    ] or [crafted.data_content()]
    extra = [crafted.data_content() for _ in range(max(0, infos - len(contents)))]
    return crafted.build_pfx(*contents, *extra, password=password, mac_rounds=1)
