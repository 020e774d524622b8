"""Escaping for the consumers' settings (snippets.py): each syntax has its own rules.

A password may hold any character, so every value is written in its target's own escapes:
YAML double-quoted scalars, java.util.Properties values and Java string literals.
"""

from __future__ import annotations

import json

__all__ = ["java_string", "properties_value", "yaml_string"]


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar, written in JSON string syntax.

    YAML 1.2 is a superset of JSON (§1.3), and SnakeYAML (Spring's YAML 1.1 reader) knows the
    same escapes; characters YAML forbids raw (C1 controls, DEL, U+FEFF...) are escaped too.
    """
    text = json.dumps(value, ensure_ascii=False)
    return "".join(char if _yaml_printable(char) else f"\\u{ord(char):04x}" for char in text)


def _yaml_printable(char: str) -> bool:
    """YAML's c-printable set (§5.1), less the byte order mark and what YAML 1.1 (SnakeYAML)
    reads as a line break: NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR."""
    code = ord(char)
    return (
        code in (0x09, 0x0A, 0x0D)
        or 0x20 <= code <= 0x7E
        or (0xA0 <= code <= 0xD7FF and code not in (0x2028, 0x2029))
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or code >= 0x10000
    )


_PROPERTIES_ESCAPES = {
    "\\": "\\\\",
    "\t": "\\t",
    "\n": "\\n",
    "\r": "\\r",
    "\f": "\\f",
    "=": "\\=",
    ":": "\\:",
    "#": "\\#",
    "!": "\\!",
}


def properties_value(value: str) -> str:
    """A value as java.util.Properties.store writes it: \\uXXXX for anything not ASCII.

    Spring Boot reads .properties as UTF-8 and Java as ISO-8859-1; escapes mean the same to
    both. A leading space is escaped too, or the reader would drop it.
    """
    out = []
    for index, char in enumerate(value):
        if char in _PROPERTIES_ESCAPES:
            out.append(_PROPERTIES_ESCAPES[char])
        elif char == " " and index == 0:
            out.append("\\ ")
        elif ord(char) < 0x20 or ord(char) > 0x7E:
            out.extend(f"\\u{unit:04x}" for unit in _utf16_units(char))
        else:
            out.append(char)
    return "".join(out)


def _utf16_units(char: str) -> list[int]:
    data = char.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def java_string(value: str) -> str:
    """A Java string literal. Non-ASCII as \\uXXXX (javac 17 reads the platform charset);
    control characters as octal, since javac turns \\u000a into a real line break first."""
    out = []
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):03o}")
        elif ord(char) > 0x7E:
            out.extend(f"\\u{unit:04x}" for unit in _utf16_units(char))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
