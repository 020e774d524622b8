"""The layout of a PKCS#12 (PFX) file, read without decrypting anything (RFC 7292).

The one reader of PKCS#12 structure, for three users: the iteration-bomb check (every MAC
and encryption parameter is in the clear), the multi-key reader (`load_pkcs12` returns one
key; keytool files hold several, as key bags outside the encrypted content) and the store
opener (`pki/java/pkcs12_store.py`: certificate bags and the attributes Java's entries need).
BER files from older Windows and Java versions are read too, so a wrong password is never
reported as "not a key pair file". ContentInfos and bags are counted before they are read
(caps in `kdf_limits`).
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.pki import der
from webapp.pki.der import Element
from webapp.pki.keyimport.errors import TooManyPartsError
from webapp.pki.keyimport.kdf_limits import (
    MAX_PKCS12_BAGS,
    MAX_PKCS12_CONTENT_INFOS,
    KdfCost,
    algorithm_cost,
    mac_cost,
)

__all__ = [
    "CANDIDATE_PASSWORDS",
    "BagTally",
    "EncryptedContent",
    "Pkcs12Layout",
    "SafeBag",
    "is_utf8",
    "key_bag_costs",
    "read_layout",
    "read_safe_contents",
]

# load_pkcs12 tries the typed password, then "" and "no password" (OpenSSL's PKCS12_parse):
# whatever we must decrypt ourselves to look inside may be tried as often.
CANDIDATE_PASSWORDS = 3
# Bags may hold SafeContents that hold bags...; no tool nests, a hostile file might.
_MAX_NESTED_SAFE_CONTENTS = 4

# Object identifiers, DER content bytes (RFC 7292 and RFC 2985): the one table of them.
_PKCS7 = bytes.fromhex("2a864886f70d0107")
_OID_DATA, _OID_ENCRYPTED_DATA = _PKCS7 + b"\x01", _PKCS7 + b"\x06"
_BAGS = bytes.fromhex("2a864886f70d010c0a01")
_KEY_BAG, _SHROUDED_KEY_BAG, _CERT_BAG = _BAGS + b"\x01", _BAGS + b"\x02", _BAGS + b"\x03"
_SAFE_CONTENTS_BAG = _BAGS + b"\x06"
_X509_CERTIFICATE = bytes.fromhex("2a864886f70d01091601")  # 1.2.840.113549.1.9.22.1
_FRIENDLY_NAME = bytes.fromhex("2a864886f70d010914")
_LOCAL_KEY_ID = bytes.fromhex("2a864886f70d010915")
_JAVA_TRUSTED_KEY_USAGE = bytes.fromhex("6086480186f966adca7b0101")  # 2.16.840.1.113894.746875.1.1
_SEQUENCE, _OID, _BMP_STRING = 0x30, 0x06, 0x1E


@dataclass(frozen=True)
class SafeBag:
    """A key or X.509 certificate bag (RFC 7292 §4.2) and the attributes Java's entries use.

    `value`: PKCS#8 DER (EncryptedPrivateKeyInfo when shrouded) or the certificate's DER.
    CRL, secret and SDSI certificate bags are skipped: nothing Java's key managers use.
    """

    kind: bytes
    value: bytes
    friendly_name: str | None
    local_key_id: bytes | None = None
    java_trusted: bool = False  # keytool -importcert's trusted-certificate entries (JDK 8+)

    @property
    def is_key(self) -> bool:
        return self.kind in (_KEY_BAG, _SHROUDED_KEY_BAG)

    @property
    def shrouded(self) -> bool:
        return self.kind == _SHROUDED_KEY_BAG

    @property
    def pkcs8(self) -> bytes:
        return self.value


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
    bags: tuple[SafeBag, ...]  # outside encrypted content, in file order
    encrypted_contents: tuple[EncryptedContent, ...]
    bag_count: int  # every bag outside encrypted content, skipped kinds included

    @property
    def key_bags(self) -> tuple[SafeBag, ...]:
        return tuple(bag for bag in self.bags if bag.is_key)

    def costs(self) -> list[KdfCost]:
        """Every password derivation visible in the file (MAC, content, key bags)."""
        found = [mac_cost(self.mac_data, passwords=CANDIDATE_PASSWORDS)] if self.mac_data else []
        for content in self.encrypted_contents:
            cost = algorithm_cost(content.algorithm, passwords=CANDIDATE_PASSWORDS)
            found += [cost] if cost else []
        return found + key_bag_costs(self.key_bags)


def key_bag_costs(bags: tuple[SafeBag, ...] | list[SafeBag]) -> list[KdfCost]:
    costs = []
    for bag in bags:
        if bag.shrouded:
            cost = algorithm_cost(der.first_child(der.single(bag.value)))
            costs += [cost] if cost else []
    return costs


def read_layout(blob: bytes) -> Pkcs12Layout:
    """The layout of the PFX at the start of `blob`; DerError (a ValueError) if unreadable,
    TooManyPartsError when it holds more ContentInfos or bags than any tool writes."""
    pfx, _ = der.read(blob)
    version, auth_safe, *rest = der.children(pfx, at_least=2)
    if der.integer(version) != 3 or len(rest) > 1:
        raise der.DerError("not a PKCS#12 version 3 file")
    content_type, content = _content_info(auth_safe)
    if content_type != _OID_DATA:  # signedData (public-key integrity) is not used for keys
        raise der.DerError("unsupported integrity mode")
    infos = der.single(_explicit_octets(content), expect=_SEQUENCE)
    # Counted before anything else reads them (issue 19, point 7): 60k ContentInfos cost
    # 1.4 s over our passes and OpenSSL's.
    if der.count_children(infos, limit=MAX_PKCS12_CONTENT_INFOS) > MAX_PKCS12_CONTENT_INFOS:
        raise TooManyPartsError()
    tally = BagTally()
    bags: list[SafeBag] = []
    encrypted: list[EncryptedContent] = []
    for info in der.children(infos):
        kind, body = _content_info(info)
        if kind == _OID_DATA:
            bags += _read_bags(_explicit_octets(body), tally, nesting=0)
        elif kind == _OID_ENCRYPTED_DATA:
            encrypted.append(_encrypted_content(body))
        # envelopedData (public-key privacy) cannot be opened with a password: skipped
    mac_data = rest[0] if rest else None
    return Pkcs12Layout(pfx.encoded, mac_data, tuple(bags), tuple(encrypted), tally.seen)


def read_safe_contents(data: bytes, tally: BagTally) -> list[SafeBag]:
    """The key and certificate bags in a SafeContents, nested SafeContents bags included;
    every bag counts in `tally`, the file's count against MAX_PKCS12_BAGS."""
    return _read_bags(data, tally, nesting=0)


class BagTally:
    """Bags of one file seen so far; every SafeContents is counted before it is read."""

    def __init__(self, seen: int = 0) -> None:
        self.seen = seen

    def count(self, safe_contents: Element) -> None:
        room = max(MAX_PKCS12_BAGS - self.seen, 0)
        self.seen += der.count_children(safe_contents, limit=room)  # before any is read
        if self.seen > MAX_PKCS12_BAGS:
            raise TooManyPartsError()


def _read_bags(data: bytes, tally: BagTally, *, nesting: int) -> list[SafeBag]:
    if nesting > _MAX_NESTED_SAFE_CONTENTS:
        raise der.DerError("SafeContents nested too deeply")
    safe_contents = der.single(data, expect=_SEQUENCE)
    tally.count(safe_contents)
    found: list[SafeBag] = []
    for bag in der.children(safe_contents):
        bag_id, value, *attributes = der.children(bag, at_least=2)
        if bag_id.tag != _OID or not value.constructed:
            raise der.DerError("not a SafeBag")
        inner = der.first_child(value)
        if bag_id.body == _SAFE_CONTENTS_BAG:
            found += _read_bags(inner.encoded, tally, nesting=nesting + 1)
            continue
        if bag_id.body == _CERT_BAG:
            cert_type, cert_value = der.children(inner, at_least=2)[:2]
            if cert_type.body != _X509_CERTIFICATE:
                continue  # SDSI certificates: no Java tool writes them
            payload = der.octets(der.first_child(cert_value))
        elif bag_id.body in (_KEY_BAG, _SHROUDED_KEY_BAG):
            payload = inner.encoded
        else:
            continue  # CRL and secret bags: nothing Java's key managers use
        found.append(SafeBag(bag_id.body, payload, *_attributes(attributes)))
    return found


def _content_info(info: Element) -> tuple[bytes, Element | None]:
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


def _explicit_octets(tagged: Element | None) -> bytes:
    """The OCTET STRING inside a `[0] EXPLICIT OCTET STRING`."""
    if tagged is None:
        raise der.DerError("missing content")
    return der.octets(der.first_child(tagged))


def _attributes(attributes: list[Element]) -> tuple[str | None, bytes | None, bool]:
    """(friendlyName, localKeyId, Java's trusted-key-usage present) of a bag's attributes."""
    name, key_id, trusted = None, None, False
    for attribute in der.children(attributes[0]) if attributes else []:
        oid, values = der.children(attribute, at_least=2)[:2]
        first = next(iter(der.children(values)), None)
        if oid.body == _FRIENDLY_NAME and first is not None and first.tag == _BMP_STRING:
            name = first.body.decode("utf-16-be", "replace")
        elif oid.body == _LOCAL_KEY_ID and first is not None:
            key_id = first.body
        elif oid.body == _JAVA_TRUSTED_KEY_USAGE:
            trusted = True
    return name, key_id, trusted


def is_utf8(data: bytes) -> bool:
    """Can these password bytes reach OpenSSL's PKCS#12 code (a UTF-8 C string)?"""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
