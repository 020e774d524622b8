"""Find PEM blocks in whatever text a user uploads (RFC 7468, leniently).

People paste PEM into e-mails, save it from Notepad as UTF-16, indent it, or leave
`openssl pkcs12 -nodes` "Bag Attributes" around it; we find the blocks anyway, re-wrapped so
any PEM loader accepts them, and stop counting at a limit no real file comes near.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from webapp.translation import _

__all__ = [
    "CERTIFICATE_LABELS",
    "MAX_PEM_BLOCKS",
    "PKCS7_LABELS",
    "PemBlock",
    "TooManyBlocksError",
    "pem_blocks",
]

# A key pair file holds a key and a chain of 2-5 certificates; a CA bundle (certifi's has
# ~150) does not belong in one upload. Stopping here bounds the work on a 1 MiB file made
# of thousands of tiny blocks.
MAX_PEM_BLOCKS = 100

# The labels a certificate (or a PKCS#7 bundle of them) goes by in the files people have
# (RFC 7468 section 5.1, plus OpenSSL's and older tools' spellings).
CERTIFICATE_LABELS = frozenset({"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"})
PKCS7_LABELS = frozenset({"PKCS7", "PKCS #7 SIGNED DATA", "CMS"})

# Markers only: pairing BEGIN with END in a loop stays linear even on hostile input.
_PEM_MARKER = re.compile(r"-----(BEGIN|END) ([A-Z0-9 #]{1,64})-----")


class TooManyBlocksError(ValueError):
    """More PEM blocks than MAX_PEM_BLOCKS; str() is a sentence for the user."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This file holds more than {n} PEM blocks. Upload only "
                "the certificates (and key) you need.",
                n=MAX_PEM_BLOCKS,
            )
        )


@dataclass(frozen=True)
class PemBlock:
    """One `-----BEGIN label-----` block, re-wrapped so any PEM loader accepts it."""

    label: str
    pem: bytes

    def der(self) -> bytes:
        """The base64 body decoded; headers such as Proc-Type are skipped."""
        body = b"".join(line for line in self.pem.splitlines()[1:-1] if b":" not in line)
        return base64.b64decode(body, validate=True)


def pem_blocks(data: bytes) -> list[PemBlock]:
    """All PEM blocks in `data`, tolerating text around them, CRLF, indentation and BOMs."""
    text = _as_text(data)
    if text is None or "-----BEGIN " not in text:
        return []
    blocks: list[PemBlock] = []
    open_label, start = "", 0
    for marker in _PEM_MARKER.finditer(text):
        kind, label = marker.groups()
        if kind == "BEGIN":
            open_label, start = label, marker.end()
        elif label == open_label:
            if len(blocks) == MAX_PEM_BLOCKS:
                raise TooManyBlocksError()
            blocks.append(_rewrapped(label, text[start : marker.start()]))
            open_label = ""
    return blocks


def _rewrapped(label: str, content: str) -> PemBlock:
    lines = [line.strip() for line in content.splitlines()]
    headers = [line for line in lines if ":" in line]
    body = "".join(line for line in lines if line and ":" not in line)
    wrapped = [body[i : i + 64] for i in range(0, len(body), 64)]
    # Legacy encrypted keys need a blank line between their headers and the body.
    parts = [
        f"-----BEGIN {label}-----",
        *headers,
        *([""] if headers else []),
        *wrapped,
        f"-----END {label}-----",
        "",
    ]
    return PemBlock(label, "\n".join(parts).encode("ascii", "replace"))


def _as_text(data: bytes) -> str | None:
    # Windows Notepad saves "Unicode" (UTF-16 with BOM) and UTF-8 with a BOM.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
