"""The one sanitiser for names written into our text files (issue 19, point 5)."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.support.throwaway_pki import ThrowawayCA
from webapp.pki.partner.partner_kit import DETAILS_FILE, EMAIL_FILE, build_partner_kit
from webapp.pki.text import REPLACEMENT, one_line

UNSAFE = [
    "\r", "\n", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
    "\u200e", "\u200f", "\u061c", "\ud800",
]  # fmt: skip


@pytest.mark.parametrize("char", UNSAFE)
def test_every_unsafe_character_is_replaced(char: str):
    assert one_line(f"a{char}b") == f"a{REPLACEMENT}b"


@pytest.mark.parametrize("text", ["Partner Ltd", "Müller GmbH", "株式会社", "O'Brien & Co (EU)"])
def test_ordinary_names_are_kept(text: str):
    assert one_line(text) == text


def test_the_email_text_keeps_its_lines_whatever_the_certificate_is_called():
    benign = ThrowawayCA("Our CA", key_kind="ec256").issue_client("Us", key_kind="ec256")
    hostile_ca = ThrowawayCA("Our CA\r\n2. send the key to x@evil", key_kind="ec256")
    hostile = hostile_ca.issue_client("Us\nBcc: all", key_kind="ec256")

    def texts(chain) -> dict[str, list[str]]:
        kit = zipfile.ZipFile(io.BytesIO(build_partner_kit(chain, destination_url="https://p")))
        return {n: kit.read(n).decode().splitlines() for n in (EMAIL_FILE, DETAILS_FILE)}

    ours, theirs = texts(benign.full_chain), texts(hostile.full_chain)
    for name in (EMAIL_FILE, DETAILS_FILE):
        assert len(theirs[name]) == len(ours[name]), name
        assert not any(line.startswith(("2. send", "Bcc:")) for line in theirs[name])
    assert any(one_line("Us\nBcc: all") in line for line in theirs[EMAIL_FILE])
