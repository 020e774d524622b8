"""The layout of a PKCS#12 (PFX) file, read without decrypting anything (RFC 7292).

Two readers need it: the iteration-bomb check (every MAC and encryption parameter is in the
clear) and the multi-key reader (`load_pkcs12` returns one key; keytool files hold several,
as key bags outside the encrypted content). BER files from older Windows and Java versions
are read too, so a wrong password is never reported as "not a key pair file".
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.pki import der
from webapp.pki.der import Element
from webapp.pki.keyimport.kdf_limits import KdfCost, algorithm_cost, mac_cost

__all__ = [
    "CANDIDATE_PASSWORDS",
    "EncryptedContent",
    "KeyBag",
    "Pkcs12Layout",
    "read_layout",
    "content_info",
    "explicit_octets",
    "is_utf8",
    "read_safe_contents",
]

# load_pkcs12 tries the typed password, then "" and "no password" (OpenSSL's PKCS12_parse):
# whatever we must decrypt ourselves to look inside may be tried as often.
CANDIDATE_PASSWORDS = 3
# Bags may hold SafeContents that hold bags...; no tool nests, a hostile file might.
_MAX_NESTED_SAFE_CONTENTS = 4

# Object identifiers, DER content bytes (RFC 7292 and RFC 2985).
_PKCS7 = bytes.fromhex("2a864886f70d0107")
_OID_DATA, _OID_ENCRYPTED_DATA = _PKCS7 + b"\x01", _PKCS7 + b"\x06"
_BAGS = bytes.fromhex("2a864886f70d010c0a01")
_OID_KEY_BAG, _OID_SHROUDED_KEY_BAG = _BAGS + b"\x01", _BAGS + b"\x02"
_OID_SAFE_CONTENTS_BAG = _BAGS + b"\x06"
_OID_FRIENDLY_NAME = bytes.fromhex("2a864886f70d010914")
_SEQUENCE, _OID, _BMP_STRING = 0x30, 0x06, 0x1E


@dataclass(frozen=True)
class KeyBag:
    """A key bag: PKCS#8 DER (EncryptedPrivateKeyInfo when shrouded) and its friendly name."""

    pkcs8: bytes
    shrouded: bool
    friendly_name: str | None


@dataclass(frozen=True)
class EncryptedContent:
    """An EncryptedData content: its (password-based) algorithm and the ciphertext."""

    algorithm: Element
    ciphertext: bytes


@dataclass(frozen=True)
class Pkcs12Layout:
    """What a PFX holds where, as far as can be seen without the password."""

    pfx: bytes  # the PFX alone: bytes after it (a stray newline from a download) dropped
    mac_data: Element | None
    key_bags: tuple[KeyBag, ...]  # outside encrypted content
    encrypted_contents: tuple[EncryptedContent, ...]

    def costs(self) -> list[KdfCost]:
        """Every password derivation visible in the file (MAC, content, key bags)."""
        found = [mac_cost(self.mac_data, passwords=CANDIDATE_PASSWORDS)] if self.mac_data else []
        for content in self.encrypted_contents:
            cost = algorithm_cost(content.algorithm, passwords=CANDIDATE_PASSWORDS)
            found += [cost] if cost else []
        return found + key_bag_costs(self.key_bags)


def key_bag_costs(bags: tuple[KeyBag, ...] | list[KeyBag]) -> list[KdfCost]:
    costs = []
    for bag in bags:
        if bag.shrouded:
            cost = algorithm_cost(der.first_child(der.single(bag.pkcs8)))
            costs += [cost] if cost else []
    return costs


def read_layout(blob: bytes) -> Pkcs12Layout:
    """The layout of the PFX at the start of `blob`; DerError (a ValueError) if unreadable."""
    pfx, _ = der.read(blob)
    version, auth_safe, *rest = der.children(pfx, at_least=2)
    if der.integer(version) != 3 or len(rest) > 1:
        raise der.DerError("not a PKCS#12 version 3 file")
    content_type, content = content_info(auth_safe)
    if content_type != _OID_DATA:  # signedData (public-key integrity) is not used for keys
        raise der.DerError("unsupported integrity mode")
    key_bags: list[KeyBag] = []
    encrypted: list[EncryptedContent] = []
    for info in der.children(der.single(explicit_octets(content), expect=_SEQUENCE)):
        kind, body = content_info(info)
        if kind == _OID_DATA:
            key_bags += read_safe_contents(explicit_octets(body))
        elif kind == _OID_ENCRYPTED_DATA:
            encrypted.append(_encrypted_content(body))
        # envelopedData (public-key privacy) cannot be opened with a password: skipped
    mac_data = rest[0] if rest else None
    return Pkcs12Layout(pfx.encoded, mac_data, tuple(key_bags), tuple(encrypted))


def read_safe_contents(data: bytes, *, nesting: int = 0) -> list[KeyBag]:
    """The key bags in a SafeContents, including those in nested SafeContents bags."""
    if nesting > _MAX_NESTED_SAFE_CONTENTS:
        raise der.DerError("SafeContents nested too deeply")
    found: list[KeyBag] = []
    for bag in der.children(der.single(data, expect=_SEQUENCE)):
        bag_id, value, *attributes = der.children(bag, at_least=2)
        if bag_id.tag != _OID or not value.constructed:
            raise der.DerError("not a SafeBag")
        if bag_id.body in (_OID_KEY_BAG, _OID_SHROUDED_KEY_BAG):
            found.append(
                KeyBag(
                    der.first_child(value).encoded,
                    bag_id.body == _OID_SHROUDED_KEY_BAG,
                    _friendly_name(attributes),
                )
            )
        elif bag_id.body == _OID_SAFE_CONTENTS_BAG:
            found += read_safe_contents(der.first_child(value).encoded, nesting=nesting + 1)
    return found


def content_info(info: Element) -> tuple[bytes, Element | None]:
    """(content type OID, content) of a PKCS#7 ContentInfo (RFC 5652 section 3)."""
    parts = der.children(info)
    if not parts or parts[0].tag != _OID:
        raise der.DerError("not a ContentInfo")
    return parts[0].body, parts[1] if len(parts) > 1 else None


def _encrypted_content(tagged: Element | None) -> EncryptedContent:
    """EncryptedData ::= SEQUENCE { version, EncryptedContentInfo } (RFC 5652 §8)."""
    if tagged is None:
        raise der.DerError("empty EncryptedData")
    _version, info, *_ = der.children(der.first_child(tagged), at_least=2)
    _type, algorithm, *ciphertext = der.children(info, at_least=2)
    if not ciphertext:  # the content may be absent ("detached"); nothing to decrypt then
        return EncryptedContent(algorithm, b"")
    # [0] IMPLICIT OCTET STRING: primitive (0x80) or, in BER, constructed (0xA0) in pieces.
    piece = ciphertext[0]
    body = (
        piece.body
        if not piece.constructed
        else b"".join(der.octets(part) for part in der.children(piece))
    )
    return EncryptedContent(algorithm, body)


def explicit_octets(tagged: Element | None) -> bytes:
    """The OCTET STRING inside a `[0] EXPLICIT OCTET STRING`."""
    if tagged is None:
        raise der.DerError("missing content")
    return der.octets(der.first_child(tagged))


def _friendly_name(attributes: list[Element]) -> str | None:
    for attribute in der.children(attributes[0]) if attributes else []:
        oid, values = der.children(attribute, count=2)
        if oid.body == _OID_FRIENDLY_NAME:
            value = der.first_child(values)
            if value.tag == _BMP_STRING:
                return value.body.decode("utf-16-be", "replace")
    return None


def is_utf8(data: bytes) -> bool:
    """Can these password bytes reach OpenSSL's PKCS#12 code (a UTF-8 C string)?"""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
