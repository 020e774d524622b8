"""Hypothesis strategies for hostile uploads and form values."""

from __future__ import annotations

import base64
import copy
from collections.abc import Sequence

from hypothesis import strategies as st

from tests.fuzz import crafted, crafted_stores
from tests.fuzz.crafted_stores import JksEntry

__all__ = [
    "bag_count_stores",
    "der_trees",
    "hostile_jks",
    "field_values",
    "mutated",
    "passwords",
    "structurally_mutated",
    "upload_bytes",
]

_PEM_LABELS = [
    "CERTIFICATE",
    "PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "PKCS7",
    "TRUSTED CERTIFICATE",
    "CERTIFICATE REQUEST",
    "CMS",
    "X509 CRL",
    "PUBLIC KEY",
]
_INTERESTING_BYTES = [
    0x00,
    0x01,
    0x02,
    0x04,
    0x05,
    0x06,
    0x30,
    0x31,
    0x7F,
    0x80,
    0x81,
    0x84,
    0xA0,
    0xFF,
]


def _apply(data: bytes, operation: tuple) -> bytes:
    kind, *args = operation
    size = max(len(data), 1)
    if kind == "truncate":
        return data[: int(len(data) * args[0])]
    if kind == "flip":
        out = bytearray(data or b"\x00")
        for position in args[0]:
            out[position % size] ^= 1 << (position % 8)
        return bytes(out)
    if kind == "append":
        return data + args[0]
    if kind == "insert":
        return data[: args[0] % size] + args[1] + data[args[0] % size :]
    if kind == "delete":
        start = args[0] % size
        return data[:start] + data[start + args[1] :]
    if kind == "set":
        out = bytearray(data or b"\x00")
        out[args[0] % size] = args[1]
        return bytes(out)
    if kind == "duplicate":
        return data * 2
    if kind == "splice":
        cut = int(len(data) * args[1])
        return data[:cut] + args[0][int(len(args[0]) * args[1]) :]
    raise AssertionError(kind)


def mutated(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """A seed file after one to three truncations, bit flips, insertions, splices..."""
    fraction = st.floats(0, 1)
    position = st.integers(0, 1 << 20)
    operation = st.one_of(
        st.tuples(st.just("truncate"), fraction),
        st.tuples(st.just("flip"), st.lists(position, min_size=1, max_size=8)),
        st.tuples(st.just("append"), st.binary(min_size=1, max_size=64)),
        st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=16)),
        st.tuples(st.just("delete"), position, st.integers(1, 64)),
        st.tuples(st.just("set"), position, st.sampled_from(_INTERESTING_BYTES)),
        st.tuples(st.just("duplicate")),
        st.tuples(st.just("splice"), st.sampled_from(list(seeds)), fraction),
    )

    def apply_all(seed: bytes, operations: list[tuple]) -> bytes:
        for op in operations:
            seed = _apply(seed, op)
        return seed

    return st.builds(
        apply_all, st.sampled_from(list(seeds)), st.lists(operation, min_size=1, max_size=3)
    )


# --- structure-aware mutations (issue 10, hole 3) ------------------------------------------
# Byte flips rarely produce a well-formed file with one child missing; these do: they parse
# the seed (PKCS#12, PKCS#8, X.509, PKCS#7), change its tree and encode it again with correct
# lengths, so the damage reaches the code that walks the structure.
_UNKNOWN_OID = crafted.oid("1.3.6.1.4.1.99999.42")[2:]
_EXTENSION_ARC = b"\x55\x1d"  # 2.5.29: X.509 certificate extensions


def _spots(nodes: list[crafted.Node], out: list[tuple[list[crafted.Node], int]]) -> None:
    for index, node in enumerate(nodes):
        out.append((nodes, index))
        if node.children is not None:
            _spots(node.children, out)


def _is_extension(node: crafted.Node) -> bool:
    return bool(
        node.tag == 0x30
        and node.children
        and node.children[0].tag == 0x06
        and node.children[0].content.startswith(_EXTENSION_ARC)
    )


def _restructure(seed: bytes, operations: list[tuple[str, int]]) -> bytes:
    try:
        tree = crafted.parse(seed)
    except (ValueError, IndexError):
        return seed
    for kind, pick in operations:
        spots: list[tuple[list[crafted.Node], int]] = []
        _spots(tree, spots)
        if kind == "unknown-oid":
            spots = [(sib, i) for sib, i in spots if sib[i].tag == 0x06]
        elif kind == "duplicate-extension":
            spots = [(sib, i) for sib, i in spots if _is_extension(sib[i])]
        elif kind == "empty":
            spots = [(sib, i) for sib, i in spots if sib[i].children is not None]
        if not spots:
            continue
        siblings, index = spots[pick % len(spots)]
        node = siblings[index]
        if kind == "drop":
            del siblings[index]
        elif kind == "empty":
            node.children = []
        elif kind in ("duplicate", "duplicate-extension"):
            siblings.insert(index, copy.deepcopy(node))
        elif kind == "unknown-oid":
            node.content = _UNKNOWN_OID
    return b"".join(node.encode() for node in tree)


def structurally_mutated(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """A DER seed with constructed children dropped or emptied, elements (extensions above
    all) duplicated, or algorithm OIDs replaced by an unknown one."""
    operation = st.tuples(
        st.sampled_from(["drop", "empty", "duplicate", "duplicate-extension", "unknown-oid"]),
        st.integers(0, 1 << 16),
    )
    return st.builds(
        _restructure, st.sampled_from(list(seeds)), st.lists(operation, min_size=1, max_size=3)
    )


@st.composite
def der_trees(draw: st.DrawFn, depth: int = 0) -> bytes:
    """Random ASN.1-ish structures: nested, empty, indefinite, with lying lengths."""
    if depth > 6 or draw(st.booleans()):
        tag = draw(st.sampled_from([0x02, 0x04, 0x05, 0x06, 0x0C, 0x13, 0x1E, 0x80]))
        return crafted.tlv(tag, draw(st.binary(max_size=24)))
    tag = draw(st.sampled_from([0x30, 0x31, 0xA0, 0xA1, 0x24]))
    children = b"".join(draw(st.lists(der_trees(depth + 1), max_size=4)))
    style = draw(st.sampled_from(["definite", "indefinite", "lying"]))
    if style == "indefinite":
        return bytes([tag, 0x80]) + children + b"\x00\x00"
    if style == "lying":
        return bytes([tag, 0x84]) + draw(st.binary(min_size=4, max_size=4)) + children
    return crafted.tlv(tag, children)


def upload_bytes(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """Anything a user (or attacker) can upload, mostly mutations of real files."""
    pem_wrapped = st.builds(
        lambda label, body: crafted.pem(label, body),
        st.sampled_from(_PEM_LABELS),
        st.one_of(st.binary(max_size=200), mutated(seeds), der_trees()),
    )
    der_seeds = [seed for seed in seeds if seed[:1] == b"\x30"]
    return st.one_of(
        mutated(seeds),
        mutated(seeds),
        mutated(seeds),  # weighted: most cases start real
        structurally_mutated(der_seeds),
        structurally_mutated(der_seeds),
        structurally_mutated(der_seeds).map(lambda der: crafted.pem("CERTIFICATE", der)),
        st.sampled_from(list(seeds)),
        pem_wrapped,
        der_trees(),
        st.binary(max_size=512),
        st.text(max_size=200).map(lambda t: t.encode("utf-8")),
        mutated(seeds).map(base64.b64encode),
        st.builds(lambda a, b: a + b, st.sampled_from(list(seeds)), st.sampled_from(list(seeds))),
    )


# Passwords and form fields: empty, huge, Unicode beyond the BMP, lone surrogates, NULs.
field_values = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Zl", "Zp", "So"]), max_size=10),
    st.integers(0, 5000).map(lambda n: "x" * n),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a" * 1001,
            "ß" * 600,
            "🙂" * 300,
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "${jndi:ldap://x}",
            "%s%n",
            "'\";--",
        ]
    ),
)


def passwords(correct: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.just(correct), st.just(""), field_values)


# --- JKS stores and PKCS#12 bag counts (issue 19) -----------------------------------------
# Counts that matter: zero, one off, our caps (entries 200, keys 20, certificates 500), and
# far beyond them (a 4-byte count read as "loop this often").
_COUNTS = [0, 1, 2, 19, 20, 21, 200, 201, 500, 501, 65_535, 1 << 31, (1 << 32) - 1]
_BER_AMOUNTS = [1, 2, 3, 64, 64, 1_000, 6_000, 100_000]  # big ones rarer: slow to build


def _ber_blob(blob: bytes, operations: list[tuple[str, int, int]]) -> bytes:
    for operation, pick, amount in operations:
        blob = crafted_stores.ber_encode(blob, operation, pick, amount)
    return blob


@st.composite
def hostile_jks(draw: st.DrawFn, seeds: Sequence[list[JksEntry]], password: str) -> bytes:
    """A JKS with a valid integrity hash for `password` whose key blobs are re-encoded in BER
    (indefinite lengths, constructed OCTET STRINGs, extra elements, depth) and whose counts
    (entries, chain length, blob length) may lie."""
    entries = list(draw(st.sampled_from(list(seeds))))
    ber = st.tuples(
        st.sampled_from(["indefinite", "fragments", "long-length", "many-elements", "deep"]),
        st.integers(0, 64),
        st.sampled_from(_BER_AMOUNTS),
    )
    changed = []
    for entry in entries:
        if entry.tag == 1 and draw(st.booleans()):
            entry = crafted_stores.with_blob(
                entry, _ber_blob(entry.blob, draw(st.lists(ber, min_size=1, max_size=2)))
            )
        if draw(st.integers(0, 5)) == 0:
            entry = JksEntry(
                entry.tag,
                entry.alias,
                entry.blob,
                entry.chain,
                chain_count=draw(st.sampled_from(_COUNTS)),
                blob_length=draw(st.one_of(st.none(), st.sampled_from(_COUNTS))),
            )
        changed.append(entry)
    if draw(st.integers(0, 4)) == 0:
        changed = changed * draw(st.sampled_from([2, 3, 30]))  # duplicated aliases
    count = draw(st.one_of(st.none(), st.none(), st.sampled_from(_COUNTS)))
    version = draw(st.sampled_from([2, 2, 2, 1, 3]))
    data = crafted_stores.write_jks(changed, password, count=count, version=version)
    return Built(f"JKS v{version}, {len(changed)} entries, count {count}", data)


@st.composite
def bag_count_stores(draw: st.DrawFn, bags: Sequence[bytes], password: bytes) -> bytes:
    """PKCS#12 files with a bag (or a few) duplicated up to far past any real store, over one
    or many ContentInfos: the work of the passes over a file grows with these counts."""
    picks = draw(st.lists(st.integers(0, len(bags) - 1), min_size=1, max_size=3))
    copies = draw(st.sampled_from([0, 1, 2, 21, 201, 501, 2_000, 20_000]))
    infos = draw(st.sampled_from([1, 2, 50, 1_000, 20_000]))
    data = crafted_stores.many_bags_pfx(
        [bags[i] for i in picks], copies=copies, infos=infos, password=password
    )
    return Built(f"bags {picks} x{copies} in {infos} ContentInfos", data)


class Built(bytes):
    """Bytes that print as how they were made: a megabyte repr helps no one (and Hypothesis
    warns about it, an error under filterwarnings=error)."""

    description: str

    def __new__(cls, description: str, data: bytes) -> Built:
        built = super().__new__(cls, data)
        built.description = description
        return built

    def __repr__(self) -> str:
        return f"<{len(self):,} bytes: {self.description}>"
