"""Names from certificates and stores, made safe to write into the text files we produce.

Issue 19, point 5: a partner's certificate CN with CR/LF, fetched from the partner's own
server, wrote a fake "Next steps … curl … | sh" block into the bundle's README.txt. A name
is the partner's words, not ours: in README.txt, the e-mail text, the certificate details,
the .ics and download names it must stay on the one line we put it on and read in the
order it is written. One rule for all of them, here.
"""

from __future__ import annotations

import unicodedata

__all__ = ["REPLACEMENT", "UNSAFE_CHARACTERS", "one_line", "one_line_each"]

# What an unsafe character becomes: visible (the reader sees something was there), one
# character (the text keeps its length), and never a character of any file syntax.
REPLACEMENT = "\N{REPLACEMENT CHARACTER}"
# Bidirectional embeddings, overrides and isolates (Unicode TR #9) and the marks: they
# reorder what the reader sees ("Trojan Source", CVE-2021-42574).
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Control characters (C0, DEL, C1: CR, LF, NEL, ESC, ...), line and paragraph separators,
# unpaired surrogates (not encodable as UTF-8).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})
UNSAFE_CHARACTERS = "control characters, line breaks and bidirectional controls"


def one_line(text: str) -> str:
    """`text` with every control character, line or paragraph break and bidi control
    replaced by REPLACEMENT: it stays on one line and reads in the order written."""
    return "".join(REPLACEMENT if _unsafe(char) else char for char in text)


def one_line_each(lines: list[str]) -> list[str]:
    """Each of the lines a text file is made of, through one_line (a value put into a line
    can then never start a line of its own)."""
    return [one_line(line) for line in lines]


def _unsafe(char: str) -> bool:
    return char in _BIDI_CONTROLS or unicodedata.category(char) in _UNSAFE_CATEGORIES
