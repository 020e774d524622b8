"""Readers for the settings snippets, written from each format's rules, not from our writer.

- `read_properties`: java.util.Properties.load(Reader) — logical lines with backslash
  continuation, `#`/`!` comments, key ends at an unescaped `=`, `:` or white space, escapes
  \\t \\n \\r \\f \\uXXXX, any other escaped character stands for itself.
- `read_block_yaml`: the block-mapping subset our snippets use (two-space nesting, one key per
  line); scalars are double-quoted, which YAML 1.2 defines as JSON strings, so json decodes them.
- `read_shell_words`: a POSIX shell's word splitting, with backslash-newline removed first
  (the shell drops it before splitting; shlex does not).
"""

from __future__ import annotations

import json
import shlex
from typing import Any

__all__ = ["read_block_yaml", "read_properties", "read_shell_words"]

_WHITESPACE = " \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def read_properties(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for line in _logical_lines(text):
        key, rest = _take(line, terminators="=:" + _WHITESPACE)
        rest = rest.lstrip(_WHITESPACE)
        if rest[:1] in ("=", ":"):
            rest = rest[1:].lstrip(_WHITESPACE)
        value, _ = _take(rest, terminators="")
        result[key] = value
    return result


def _logical_lines(text: str) -> list[str]:
    lines, current = [], None
    for raw in text.splitlines():
        line = raw.lstrip(_WHITESPACE)  # leading white space of every natural line goes
        if current is None and (not line or line[0] in "#!"):
            continue
        joined = (current or "") + line
        trailing = len(joined) - len(joined.rstrip("\\"))
        if trailing % 2 == 1:  # an odd number of backslashes continues the line
            current = joined[:-1]
            continue
        lines.append(joined)
        current = None
    if current is not None:
        lines.append(current)
    return lines


def _take(text: str, *, terminators: str) -> tuple[str, str]:
    """Unescape `text` up to the first unescaped terminator; return (unescaped, rest)."""
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            following = text[index + 1 : index + 2]
            if following == "u":
                out.append(chr(int(text[index + 2 : index + 6], 16)))
                index += 6
                continue
            out.append(_ESCAPES.get(following, following))
            index += 2
            continue
        if char in terminators:
            return _join_surrogates("".join(out)), text[index:]
        out.append(char)
        index += 1
    return _join_surrogates("".join(out)), ""


def _join_surrogates(text: str) -> str:
    """Java strings are UTF-16: \\ud83d\\ude00 is one character."""
    return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be")


def read_block_yaml(text: str) -> dict[str, Any]:
    root: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0 and "\t" not in line[:indent], f"bad indentation: {line!r}"
        key, separator, value = line.strip().partition(": ")
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if not separator:
            assert key.endswith(":"), f"not a mapping line: {line!r}"
            child: dict[str, Any] = {}
            parent[key[:-1]] = child
            stack.append((indent, child))
        else:
            assert value.startswith('"') and value.endswith('"'), f"unquoted: {line!r}"
            parent[key] = json.loads(value)
    return root


def read_shell_words(text: str) -> list[str]:
    return shlex.split(text.replace("\\\n", ""), posix=True)
