"""Last year's zip comes from the user's disk: bombs, traversal, floods and nesting are
refused with a sentence, without inflating more than the caps (issue 21)."""

from __future__ import annotations

import io
import random
import struct
import time
import zipfile

import pytest

from tests.support.last_year import LastYearSetup, RenewalWorld, last_year_zip, members
from webapp.pki.renewal import (
    MAX_MEMBER_SIZE,
    MAX_MEMBERS,
    LastYearError,
    LastYearFilesError,
    open_last_year,
)


def zip_of(*files: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


def refused(data: bytes) -> str:
    started = time.perf_counter()
    with pytest.raises(LastYearFilesError) as error:
        open_last_year([("mtls-files.zip", data)])
    assert time.perf_counter() - started < 2  # refused early, not after inflating it all
    assert error.value.field == "last_year_files"
    return str(error.value)


@pytest.fixture(scope="module")
def good(world: RenewalWorld) -> dict[str, bytes]:
    return members(last_year_zip(world, LastYearSetup(url="https://partner.example/in")))


@pytest.mark.parametrize(
    "name",
    ["../keystore.jks", "certs/../../keystore.jks", "/etc/keystore.jks", "C:\\x\\keystore.jks"],
)
def test_a_name_outside_the_zip_is_refused(good: dict[str, bytes], name: str) -> None:
    data = zip_of(*((name if n == "keystore.jks" else n, d) for n, d in good.items()))
    assert "outside its own folder" in refused(data)


def test_a_zip_bomb_is_refused(good: dict[str, bytes]) -> None:
    bomb = zip_of(*good.items(), ("README-2.txt", b"\0" * (MAX_MEMBER_SIZE - 1)))
    assert len(bomb) < 20_000  # a megabyte of zeros deflates to about a kilobyte
    assert "inflates far more" in refused(bomb)


def test_a_member_over_the_cap_is_refused(good: dict[str, bytes]) -> None:
    big = zip_of(*good.items(), ("notes.txt", b"\0" * (MAX_MEMBER_SIZE + 1)), method=0)
    assert "larger than 1024 KB" in refused(big)


def test_a_member_that_lies_about_its_size_is_still_capped(good: dict[str, bytes]) -> None:
    # 900 KB of zeros whose headers claim 1 KB: the ratio and size checks on the headers pass,
    # the bounded read does not trust them.
    data = bytearray(zip_of(*good.items(), ("liar.txt", b"\0" * 900_000)))
    claimed = 1000
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + 8] == b"liar.txt":
                struct.pack_into("<I", data, start + offset, claimed)
            start += 4
    message = refused(bytes(data))
    assert "inflates far more" in message or "damaged" in message


def test_too_many_members_are_refused(good: dict[str, bytes]) -> None:
    flood = zip_of(*good.items(), *((f"x{i}.txt", b"x") for i in range(MAX_MEMBERS)))
    assert f"more than {MAX_MEMBERS} files" in refused(flood)


def test_a_zip_inside_the_zip_is_refused(good: dict[str, bytes]) -> None:
    nested = zip_of(("inner.bin", zip_of(*good.items())))
    assert "another zip" in refused(nested)


def test_two_members_of_one_name_are_refused(good: dict[str, bytes]) -> None:
    twice = zip_of(*good.items(), ("copy/keystore.jks", good["keystore.jks"]))
    assert "two files named" in refused(twice)


def test_an_encrypted_member_is_refused(good: dict[str, bytes]) -> None:
    data = bytearray(zip_of(*good.items()))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # general purpose flag
        start = data.find(signature)
        flags = struct.unpack_from("<H", data, start + offset)[0]
        struct.pack_into("<H", data, start + offset, flags | 0x1)
    assert "encrypted" in refused(bytes(data))


@pytest.mark.parametrize("cut", [10, 200, -30])
def test_a_damaged_zip_is_a_sentence(good: dict[str, bytes], cut: int) -> None:
    data = zip_of(*good.items())
    damaged = data[:cut] if cut > 0 else data[:cut] + b"\xff" * 10
    message = refused(damaged)
    assert "damaged" in message or "no keystore" in message


def test_two_zips_at_once_are_refused(good: dict[str, bytes]) -> None:
    data = zip_of(*good.items())
    with pytest.raises(LastYearFilesError) as error:
        open_last_year([("a.zip", data), ("b.zip", data)])
    assert "one zip" in str(error.value)


def test_folders_inside_the_zip_are_fine(good: dict[str, bytes]) -> None:
    # A user who unpacked the zip and zipped the folder again.
    data = zip_of(*((f"mtls-files/{name}", blob) for name, blob in good.items()))
    last = open_last_year([("again.zip", data)])
    assert last.keystore.file_name == "keystore.jks" and last.from_zip


def test_too_many_loose_files_are_refused() -> None:
    with pytest.raises(LastYearFilesError) as error:
        open_last_year([(f"f{i}.txt", b"x") for i in range(MAX_MEMBERS + 1)])
    assert f"at most {MAX_MEMBERS} files" in str(error.value)


def test_damaged_copies_of_a_good_zip_give_only_sentences(good: dict[str, bytes]) -> None:
    # Flipped bytes anywhere (headers, members, the central directory): whatever breaks, the
    # user gets a LastYearError with a field, never another exception.
    data = zip_of(*good.items())
    rng = random.Random(21)
    outcomes: dict[str, int] = {}
    for _ in range(120):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            open_last_year([("mtls-files.zip", bytes(damaged))])
            outcomes["opened"] = outcomes.get("opened", 0) + 1
        except LastYearError as error:
            assert error.field in ("last_year_files", "keystore_password", "truststore_password")
            outcomes[type(error).__name__] = outcomes.get(type(error).__name__, 0) + 1
    assert outcomes.get("LastYearFilesError", 0) > 0  # the damage was seen, not ignored
