"""Read last year's zip ("Download all") without trusting it: bounded in every dimension.

The zip comes from the user's disk, so it may be anything: a zip bomb (a few KB that inflate
to gigabytes), thousands of members, names like "../../etc/x" or "C:\\x", a zip inside the
zip, encrypted members. Nothing is ever written to disk; members are read into memory with
a hard limit on every read, whatever the headers claim, and the whole zip is refused with a
plain sentence when any limit is crossed.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence

from webapp.pki.java.opened import MAX_STORE_SIZE
from webapp.pki.renewal.errors import LastYearFilesError
from webapp.translation import _

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_SIZE",
    "MAX_RATIO",
    "MAX_TOTAL_SIZE",
    "MAX_ZIP_SIZE",
    "is_zip",
    "read_zip",
]

File = tuple[str, bytes]

# "Download all" holds 9 or 10 members (two stores, destination.json, the certificate,
# README.txt, reminder.ics, four snippets); 32 leaves room for a re-zipped folder.
MAX_MEMBERS = 32
# Every member is one of our files: the store cap (opened.MAX_STORE_SIZE) holds for all.
MAX_MEMBER_SIZE = MAX_STORE_SIZE
MAX_TOTAL_SIZE = 4 * MAX_STORE_SIZE
# The upload cap (config.MAX_CONTENT_LENGTH); the CLI reads files within the same limit.
MAX_ZIP_SIZE = MAX_STORE_SIZE
# Our members compress 1.1:1 (stores) to ~4:1 (text); 1 MiB of zeros deflates ~1000:1.
# Small members are exempt: a short README may compress well and costs nothing to inflate.
MAX_RATIO = 50
_RATIO_EXEMPT_BELOW = 64 * 1024
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty zip's end
_ALLOWED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_DRIVE = re.compile(r"^[A-Za-z]:")

# What zipfile and zlib raise on damaged input (the fuzz test in test_hostile_zips found
# zlib.error escaping); RuntimeError/NotImplementedError: encryption or methods it refuses.
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    ValueError,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
)


def is_zip(data: bytes) -> bool:
    return data.startswith(_ZIP_MAGIC)


def read_zip(data: bytes) -> list[File]:
    """The members of the zip `data` as (base name, bytes), folders skipped.

    Raises LastYearFilesError (field "last_year_files") for a damaged or hostile zip.
    """
    if len(data) > MAX_ZIP_SIZE:
        raise _refused(
            _(
                "This zip cannot be used: it is larger than {size} KB. Use the zip that “Download"
                " all” gave you.",
                size=MAX_ZIP_SIZE // 1024,
            )
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _DAMAGED:
        raise LastYearFilesError(
            _("This zip is damaged or incomplete. Download it again, or give the files in it.")
        ) from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(archive.infolist()) > MAX_MEMBERS:
            raise _refused(
                _(
                    "This zip cannot be used: it holds more than {count} files. Use the zip that "
                    "“Download all” gave you.",
                    count=MAX_MEMBERS,
                )
            )
        for info in infos:
            _check_entry(info)
        _check_unique([info.filename for info in infos])
        members: list[File] = []
        total = 0
        for info in infos:
            blob = _read_member(archive, info)
            total += len(blob)
            if total > MAX_TOTAL_SIZE:
                raise _refused(
                    _(
                        "This zip cannot be used: its files add up to more than {size} KB. Use "
                        "the zip that “Download all” gave you.",
                        size=MAX_TOTAL_SIZE // 1024,
                    )
                )
            if is_zip(blob) or info.filename.lower().endswith(".zip"):
                raise _refused(
                    _(
                        "This zip cannot be used: it holds another zip; give the files "
                        "themselves. Use the zip that “Download all” gave you."
                    )
                )
            members.append((_base_name(info.filename), blob))
    return members


def _check_entry(info: zipfile.ZipInfo) -> None:
    """Refuse on the headers alone what no read should even start for."""
    name = info.filename
    parts = re.split(r"[\\/]", name)
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts or "\x00" in name:
        raise _refused(
            _(
                "This zip cannot be used: it holds a file named “{name}”, outside its own folder."
                " Use the zip that “Download all” gave you.",
                name=name[:80],
            )
        )
    if info.flag_bits & 0x1:
        raise _refused(
            _(
                "This zip cannot be used: its files are encrypted; make the zip without a "
                "password. Use the zip that “Download all” gave you."
            )
        )
    if info.compress_type not in _ALLOWED_METHODS:
        raise _refused(
            _(
                "This zip cannot be used: it is compressed in a way we do not read. Use the zip "
                "that “Download all” gave you."
            )
        )
    if info.file_size > MAX_MEMBER_SIZE:
        raise _refused(
            _(
                "This zip cannot be used: “{name}” is larger than {size} KB. Use the zip that "
                "“Download all” gave you.",
                name=_base_name(name),
                size=MAX_MEMBER_SIZE // 1024,
            )
        )
    _check_ratio(info.file_size, info.compress_size, name)


def _check_ratio(size: int, compressed: int, name: str) -> None:
    if size >= _RATIO_EXEMPT_BELOW and size > MAX_RATIO * max(compressed, 1):
        raise _refused(
            _(
                "This zip cannot be used: “{name}” inflates far more than any of our files. Use "
                "the zip that “Download all” gave you.",
                name=_base_name(name),
            )
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """At most MAX_MEMBER_SIZE + 1 bytes, whatever the header says (it may lie)."""
    try:
        with archive.open(info) as member:
            blob = member.read(MAX_MEMBER_SIZE + 1)
    except _DAMAGED:
        raise LastYearFilesError(
            _(
                "The file “{name}” in this zip is damaged. "
                "Download the zip again, or give the files in it.",
                name=_base_name(info.filename),
            )
        ) from None
    if len(blob) > MAX_MEMBER_SIZE:
        raise _refused(
            _(
                "This zip cannot be used: “{name}” is larger than {size} KB. Use the zip that "
                "“Download all” gave you.",
                name=_base_name(info.filename),
                size=MAX_MEMBER_SIZE // 1024,
            )
        )
    _check_ratio(len(blob), info.compress_size, info.filename)
    return blob


def _check_unique(names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        base = _base_name(name).lower()
        if base in seen:
            raise _refused(
                _(
                    "This zip cannot be used: it holds two files named “{name}”. Use the zip that"
                    " “Download all” gave you.",
                    name=_base_name(name),
                )
            )
        seen.add(base)


def _base_name(name: str) -> str:
    return re.split(r"[\\/]", name)[-1]


def _refused(sentence: str) -> LastYearFilesError:
    """The error for a refused zip; `sentence` is whole and translated (issue 23: the reason
    is not glued into a sentence, word order differs between languages)."""
    return LastYearFilesError(sentence)
