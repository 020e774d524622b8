"""Hand-built ASN.1 for hostile-input tests: PKCS#12 files with any iteration count, anywhere.

Writing a 100,000,000-iteration PKCS#12 with openssl would take minutes, so these helpers
write the file with a small count and then put the big number into the structure, or build
the PFX (RFC 7292) piece by piece, including layouts no ordinary tool writes (key bags
hidden inside encrypted content). Test code only: nothing here is careful about secrets.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

__all__ = [
    "Node",
    "build_pfx",
    "encrypted_pkcs8",
    "parse_pem",
    "patch_pem",
    "pem",
    "cert_bag",
    "data_content",
    "encrypted_content",
    "integer",
    "key_bag",
    "octets",
    "oid",
    "parse",
    "patch_integers",
    "pkcs12_kdf",
    "seq",
    "shrouded_key_bag",
    "tlv",
]

OID_DATA = "1.2.840.113549.1.7.1"
OID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
OID_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
OID_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
OID_CERT_BAG = "1.2.840.113549.1.12.10.1.3"
OID_SAFE_CONTENTS_BAG = "1.2.840.113549.1.12.10.1.6"
OID_X509_CERT = "1.2.840.113549.1.9.22.1"
OID_PBES2 = "1.2.840.113549.1.5.13"
OID_PBKDF2 = "1.2.840.113549.1.5.12"
OID_HMAC_SHA256 = "1.2.840.113549.2.9"
OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"
OID_SHA256 = "2.16.840.1.101.3.4.2.1"


# --- encoding --------------------------------------------------------------------------------
def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def set_of(*items: bytes) -> bytes:
    return tlv(0x31, b"".join(sorted(items)))


def integer(n: int) -> bytes:
    return tlv(0x02, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True))


def octets(data: bytes) -> bytes:
    return tlv(0x04, data)


def explicit(number: int, content: bytes) -> bytes:
    return tlv(0xA0 | number, content)


def oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([parts[0] * 40 + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body.extend(reversed(chunk))
    return tlv(0x06, bytes(body))


# --- parsing and patching --------------------------------------------------------------------
@dataclass
class Node:
    tag: int
    content: bytes
    children: list[Node] | None  # constructed, or an OCTET STRING that holds DER

    def encode(self) -> bytes:
        if self.children is None:
            return tlv(self.tag, self.content)
        return tlv(self.tag, b"".join(child.encode() for child in self.children))


def parse(der: bytes) -> list[Node]:
    """DER into nodes; OCTET STRINGs whose content is itself DER are opened too."""
    nodes, pos = [], 0
    while pos < len(der):
        tag, first = der[pos], der[pos + 1]
        header, length = 2, first
        if first & 0x80:
            count = first & 0x7F
            length = int.from_bytes(der[pos + 2 : pos + 2 + count], "big")
            header += count
        content = der[pos + header : pos + header + length]
        if len(content) != length:
            raise ValueError("truncated")
        children = None
        if tag & 0x20:
            children = parse(content)
        elif tag == 0x04 and content[:1] == b"\x30":
            try:
                opened = parse(content)
                if b"".join(n.encode() for n in opened) == content:
                    children = opened
            except (ValueError, IndexError):
                pass
        nodes.append(Node(tag, content, children))
        pos += header + length
    return nodes


def _patch(nodes: list[Node], old: int, new: int) -> int:
    changed = 0
    for node in nodes:
        if node.children is not None:
            changed += _patch(node.children, old, new)
        elif node.tag == 0x02 and int.from_bytes(node.content, "big", signed=True) == old:
            node.content = _integer_content(new)
            changed += 1
    return changed


def _integer_content(n: int) -> bytes:
    return n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True)


def patch_integers(der: bytes, old: int, new: int) -> bytes:
    """Every INTEGER equal to `old` (also inside DER-holding OCTET STRINGs) becomes `new`."""
    nodes = parse(der)
    if not _patch(nodes, old, new):
        raise AssertionError(f"no INTEGER {old} to patch")
    return b"".join(node.encode() for node in nodes)


# --- PKCS#12 pieces --------------------------------------------------------------------------
def pkcs12_kdf(
    password: bytes,
    salt: bytes,
    iterations: int,
    purpose: int,
    size: int,
    hash_name: str = "sha256",
) -> bytes:
    """RFC 7292 appendix B.2; `password` already as a NUL-terminated BMPString."""
    u, v = hashlib.new(hash_name).digest_size, 64
    d = bytes([purpose]) * v

    def fill(data: bytes) -> bytes:
        if not data:
            return b""
        return (data * (v * ((len(data) + v - 1) // v) // len(data) + 1))[
            : v * ((len(data) + v - 1) // v)
        ]

    i = bytearray(fill(salt) + fill(password))
    out = b""
    while len(out) < size:
        a = d + bytes(i)
        for _ in range(iterations):
            a = hashlib.new(hash_name, a).digest()
        out += a
        b = int.from_bytes((a * (v // u + 1))[:v], "big")
        for start in range(0, len(i), v):
            block = (int.from_bytes(i[start : start + v], "big") + b + 1) % (1 << (8 * v))
            i[start : start + v] = block.to_bytes(v, "big")
    return out[:size]


def pbes2_encrypt(plaintext: bytes, password: bytes, *, rounds: int) -> bytes:
    """AlgorithmIdentifier (PBES2, PBKDF2-SHA256, AES-256-CBC) followed by the ciphertext."""
    salt, iv = os.urandom(8), os.urandom(16)
    key = PBKDF2HMAC(hashes.SHA256(), 32, salt, rounds).derive(password)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = (
        encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()
    )
    kdf = seq(
        oid(OID_PBKDF2),
        seq(octets(salt), integer(rounds), seq(oid(OID_HMAC_SHA256), tlv(0x05, b""))),
    )
    algorithm = seq(oid(OID_PBES2), seq(kdf, seq(oid(OID_AES256_CBC), octets(iv))))
    return algorithm + tlv(0x04, ciphertext)


def encrypted_pkcs8(key: PrivateKeyTypes, password: bytes, *, rounds: int) -> bytes:
    """EncryptedPrivateKeyInfo (PBES2, PBKDF2-SHA256, AES-256-CBC) as PEM."""
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem("ENCRYPTED PRIVATE KEY", seq(pbes2_encrypt(pkcs8, password, rounds=rounds)))


def pem(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""]).encode()


def parse_pem(data: bytes) -> bytes:
    """The DER of the first PEM block in `data`."""
    body = data.split(b"-----")[2]
    return base64.b64decode(b"".join(line for line in body.split() if b":" not in line))


def patch_pem(data: bytes, old: int, new: int) -> bytes:
    """`patch_integers` on every PEM block of `data` (text outside blocks is dropped)."""
    out = []
    for match in re.finditer(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", data, re.S):
        body = b"".join(line for line in match.group(2).split() if b":" not in line)
        der = base64.b64decode(body)
        with contextlib.suppress(AssertionError):
            der = patch_integers(der, old, new)
        out.append(pem(match.group(1).decode(), der))
    return b"".join(out)


def shrouded_key_bag(key: PrivateKeyTypes, password: bytes, *, rounds: int) -> bytes:
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return seq(
        oid(OID_SHROUDED_KEY_BAG), explicit(0, seq(pbes2_encrypt(pkcs8, password, rounds=rounds)))
    )


def key_bag(key: PrivateKeyTypes) -> bytes:
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return seq(oid(OID_KEY_BAG), explicit(0, pkcs8))


def cert_bag(cert: x509.Certificate) -> bytes:
    der = cert.public_bytes(serialization.Encoding.DER)
    return seq(oid(OID_CERT_BAG), explicit(0, seq(oid(OID_X509_CERT), explicit(0, octets(der)))))


def safe_contents_bag(*bags: bytes) -> bytes:
    return seq(oid(OID_SAFE_CONTENTS_BAG), explicit(0, seq(*bags)))


def data_content(*bags: bytes) -> bytes:
    return seq(oid(OID_DATA), explicit(0, octets(seq(*bags))))


def encrypted_content(*bags: bytes, password: bytes, rounds: int) -> bytes:
    encrypted = pbes2_encrypt(seq(*bags), password, rounds=rounds)
    # EncryptedContentInfo carries the ciphertext as [0] IMPLICIT OCTET STRING.
    algorithm, ciphertext = _split_algorithm(encrypted)
    info = seq(oid(OID_DATA), algorithm, tlv(0x80, ciphertext))
    return seq(oid(OID_ENCRYPTED_DATA), explicit(0, seq(integer(0), info)))


def _split_algorithm(encrypted: bytes) -> tuple[bytes, bytes]:
    algorithm, ciphertext = parse(encrypted)
    return algorithm.encode(), ciphertext.content


def build_pfx(*contents: bytes, password: bytes | None = None, mac_rounds: int = 2048) -> bytes:
    """A PFX around these ContentInfos; with a SHA-256 MAC when a password is given."""
    auth_safe = seq(*contents)
    pfx = [integer(3), seq(oid(OID_DATA), explicit(0, octets(auth_safe)))]
    if password is not None:
        salt = os.urandom(8)
        bmp = password.decode("utf-8").encode("utf-16-be") + b"\x00\x00"
        key = pkcs12_kdf(bmp, salt, mac_rounds, 3, 32)
        digest = hmac.new(key, auth_safe, "sha256").digest()
        pfx.append(
            seq(
                seq(seq(oid(OID_SHA256), tlv(0x05, b"")), octets(digest)),
                octets(salt),
                integer(mac_rounds),
            )
        )
    return seq(*pfx)


# --- PKCS#12 with missing children (issue 10, hole 3) ----------------------------------------
OID_FRIENDLY_NAME = "1.2.840.113549.1.9.20"


def hollow_pkcs12_files(
    key: PrivateKeyTypes, cert: x509.Certificate, password: bytes
) -> dict[str, bytes]:
    """PFX files with an empty SEQUENCE or SET where RFC 7292 requires a child."""
    good = [data_content(key_bag(key), cert_bag(cert))]
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    empty_name = seq(oid(OID_FRIENDLY_NAME), tlv(0x31, b""))
    mac = build_pfx(*good, password=password)
    # Replace the MacData's DigestInfo by an empty SEQUENCE: [version, authSafe, macData].
    version, auth_safe, mac_data = parse(mac)[0].children
    _digest, *salt_and_rounds = mac_data.children
    hollow_mac = seq(
        version.encode(), auth_safe.encode(), seq(seq(), *(n.encode() for n in salt_and_rounds))
    )
    return {
        "empty-auth-safe": seq(integer(3), seq(oid(OID_DATA), explicit(0, octets(seq())))),
        "auth-safe-without-content": seq(integer(3), seq(oid(OID_DATA), explicit(0, b""))),
        "empty-key-bag": build_pfx(
            data_content(seq(oid(OID_KEY_BAG), explicit(0, b""))), password=password
        ),
        "shrouded-bag-empty-sequence": build_pfx(
            data_content(seq(oid(OID_SHROUDED_KEY_BAG), explicit(0, seq()))), password=password
        ),
        "mac-empty-digest-info": hollow_mac,
        "friendly-name-empty-set": build_pfx(
            data_content(
                seq(oid(OID_KEY_BAG), explicit(0, pkcs8), tlv(0x31, empty_name)), cert_bag(cert)
            ),
            password=password,
        ),
        "encrypted-data-without-content": build_pfx(
            seq(oid(OID_ENCRYPTED_DATA), explicit(0, b"")), *good, password=password
        ),
        "encrypted-data-empty-sequence": build_pfx(
            seq(oid(OID_ENCRYPTED_DATA), explicit(0, seq())), *good, password=password
        ),
        "empty-safe-contents-bag": build_pfx(
            data_content(seq(oid(OID_SAFE_CONTENTS_BAG), explicit(0, b"")), cert_bag(cert)),
            password=password,
        ),
    }
