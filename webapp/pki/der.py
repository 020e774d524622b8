"""A small, bounded reader for BER/DER: enough to look inside PKCS#12 and PKCS#8 files.

We read structure (iteration counts, where the key bags are) *before* handing a file to
OpenSSL, so this reader must never be the slow or fragile part: nesting depth and length
fields are checked, indefinite lengths (BER, written by some Windows and Java versions) and
constructed OCTET STRINGs are understood, and every problem is a `DerError` (a ValueError).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "MAX_DEPTH",
    "DerError",
    "Element",
    "children",
    "count_children",
    "element_length",
    "first_child",
    "integer",
    "octets",
    "read",
    "single",
]

# PKCS#12 nests about a dozen levels (PFX > AuthSafe > ContentInfo > SafeContents > bag >
# PBES2 params > PBKDF2 params...); 32 leaves room for nested SafeContents bags and stops
# a file of a million "30 80" headers from recursing until the interpreter gives up.
MAX_DEPTH = 32

_EOC = b"\x00\x00"  # end-of-contents, closes a BER indefinite length
_OCTET_STRING, _CONSTRUCTED_OCTET_STRING, _INTEGER = 0x04, 0x24, 0x02


class DerError(ValueError):
    """The bytes are not the ASN.1 we expected (truncated, too deep, wrong type...)."""


@dataclass(frozen=True)
class Element:
    """One TLV: its tag byte, its content and the whole encoding (header included)."""

    tag: int
    body: bytes
    encoded: bytes

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)


def read(data: bytes, pos: int = 0, *, depth: int = 0) -> tuple[Element, int]:
    """The element starting at `pos` and the position just after it."""
    if depth > MAX_DEPTH:
        raise DerError("nested too deeply")
    if pos + 2 > len(data):
        raise DerError("truncated header")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise DerError("high tag numbers are not used in these formats")
    header = pos + 2
    if first == 0x80:  # BER indefinite length: the content runs until its end-of-contents
        if not tag & 0x20:
            raise DerError("indefinite length on a primitive element")
        end = header
        while data[end : end + 2] != _EOC:
            end = read(data, end, depth=depth + 1)[1]
        return Element(tag, data[header:end], data[pos : end + 2]), end + 2
    length = first
    if first & 0x80:
        count = first & 0x7F
        if count > 4:
            raise DerError("length field too long")
        header += count
        if header > len(data):
            raise DerError("truncated length")
        length = int.from_bytes(data[pos + 2 : header], "big")
    end = header + length
    if end > len(data):
        raise DerError("truncated content")
    return Element(tag, data[header:end], data[pos:end]), end


def element_length(data: bytes) -> int:
    """Total length (header included) of the element at the start of `data`."""
    return read(data)[1]


def single(data: bytes, *, expect: int | None = None) -> Element:
    """The one element `data` consists of (trailing bytes are an error)."""
    element, end = read(data)
    if end != len(data):
        raise DerError("trailing data")
    if expect is not None and element.tag != expect:
        raise DerError("unexpected type")
    return element


def children(
    element: Element, *, depth: int = 0, count: int | None = None, at_least: int = 0
) -> list[Element]:
    """The elements inside a constructed element, in order.

    `count` (exactly) and `at_least` say how many the structure must have: hand-made files
    hold empty SEQUENCEs and SETs where a child is required, and indexing `[0]` into one was
    a 500 (issue 10, hole 3). Callers say what they need; a shortfall is a DerError.
    """
    if not element.constructed:
        raise DerError("not a constructed element")
    found, pos = [], 0
    while pos < len(element.body):
        child, pos = read(element.body, pos, depth=depth + 1)
        found.append(child)
    if count is not None and len(found) != count:
        raise DerError(f"expected {count} elements, found {len(found)}")
    if len(found) < at_least:
        raise DerError(f"expected at least {at_least} elements, found {len(found)}")
    return found


def count_children(element: Element, *, limit: int) -> int:
    """How many elements `element` holds, counting no further than `limit + 1`.

    For structures whose size is capped: the count stops one past the cap, so a hostile
    file of 100,000 parts costs as little as one of `limit + 1` (issue 19, point 7).
    """
    if not element.constructed:
        raise DerError("not a constructed element")
    found, pos = 0, 0
    while pos < len(element.body) and found <= limit:
        pos = read(element.body, pos, depth=1)[1]
        found += 1
    return found


def first_child(element: Element, *, depth: int = 0) -> Element:
    """The first element inside a constructed element (a DerError if it is empty)."""
    return children(element, depth=depth, at_least=1)[0]


def octets(element: Element, *, depth: int = 0) -> bytes:
    """The bytes of an OCTET STRING, joining the pieces of a constructed (BER) one."""
    if element.tag == _OCTET_STRING:
        return element.body
    if element.tag == _CONSTRUCTED_OCTET_STRING and depth < MAX_DEPTH:
        return b"".join(octets(part, depth=depth + 1) for part in children(element))
    raise DerError("not an OCTET STRING")


def integer(element: Element) -> int:
    """A non-negative INTEGER (iteration counts, versions); negative ones are refused."""
    if element.tag != _INTEGER or not element.body:
        raise DerError("not an INTEGER")
    if element.body[0] & 0x80:
        raise DerError("negative INTEGER")
    return int.from_bytes(element.body, "big")
