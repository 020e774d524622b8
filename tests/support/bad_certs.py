"""Certificates that load but that `cryptography` cannot fully read (issue 10, hole 2).

Each is a real certificate with one part of its TBSCertificate replaced by hand; the
signature no longer matches, which does not matter: the point is what reading them does.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from webapp.pki.der import children, single

__all__ = ["BAD_CERTIFICATE_KINDS", "bad_certificate"]


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(body)]) + body + content


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return _tlv(0x06, bytes(out))


def _seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _bits(data: bytes) -> bytes:
    return _tlv(0x03, b"\x00" + data)


def _extension(oid: str, value: bytes) -> bytes:
    return _seq(_oid(oid), _tlv(0x04, value))


_SAN = "2.5.29.17"
_BASIC_CONSTRAINTS = "2.5.29.19"


def _spki(kind: str) -> bytes:
    if kind == "unknown-key-algorithm":
        return _seq(_seq(_oid("1.2.3.4.5.6")), _bits(b"\x01\x02\x03"))
    if kind == "garbage-rsa-key":
        return _seq(_seq(_oid("1.2.840.113549.1.1.1"), b"\x05\x00"), _bits(b"\x30\x03\x02\x01"))
    if kind == "unknown-ec-curve":
        return _seq(
            _seq(_oid("1.2.840.10045.2.1"), _oid("1.3.6.1.4.1.99999.1")),
            _bits(b"\x04" + b"\x11" * 64),
        )
    raise ValueError(kind)


def _extensions(kind: str) -> bytes:
    if kind == "duplicate-extensions":
        basic = _extension(_BASIC_CONSTRAINTS, _seq())
        return _tlv(0xA3, _seq(basic, basic))
    if kind == "edi-party-name":
        edi = _tlv(0xA5, _tlv(0xA1, _tlv(0x0C, b"party")))
        return _tlv(0xA3, _seq(_extension(_SAN, _seq(edi))))
    raise ValueError(kind)


BAD_CERTIFICATE_KINDS = (
    "invalid-version",
    "unknown-key-algorithm",
    "garbage-rsa-key",
    "unknown-ec-curve",
    "duplicate-extensions",
    "edi-party-name",
)


def bad_certificate(good: x509.Certificate, kind: str) -> bytes:
    """DER of `good` with one hostile change (see BAD_CERTIFICATE_KINDS)."""
    outer = [c.encoded for c in children(single(good.public_bytes(Encoding.DER)))]
    parts = [c.encoded for c in children(single(good.tbs_certificate_bytes))]
    # parts: [0] version, serial, signature algorithm, issuer, validity, subject, spki, [3] ...
    parts = parts[:7]
    if kind == "invalid-version":
        parts[0] = _tlv(0xA0, _tlv(0x02, b"\x07"))
    elif kind in ("unknown-key-algorithm", "garbage-rsa-key", "unknown-ec-curve"):
        parts[6] = _spki(kind)
    else:
        parts.append(_extensions(kind))
    return _seq(_seq(*parts), outer[1], outer[2])
