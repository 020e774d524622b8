"""Small modules and short functions in webapp/ (STYLE.md: modules under ~300 lines,
functions under ~60), checked with `ast` so a growing file is noticed when it grows.

KNOWN listed what was over the limits when this test was written (issue 18); it is empty
now and should stay so. A new entry means: split by responsibility instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60

WEBAPP = Path(__file__).resolve().parent.parent / "webapp"

KNOWN: set[str] = set()  # empty since issue 18: every module and function fits


def oversized(root: Path = WEBAPP) -> dict[str, int]:
    """'module' or 'module:function' -> its length in lines, for everything over a limit."""
    found: dict[str, int] = {}
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        if (lines := len(text.splitlines())) > MAX_MODULE_LINES:
            found[name] = lines
        for node in ast.walk(ast.parse(text, filename=name)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found[f"{name}:{node.name}"] = length
    return found


def test_no_module_or_function_grows_past_the_limits():
    new = {where: lines for where, lines in oversized().items() if where not in KNOWN}
    assert not new, (
        f"over {MAX_MODULE_LINES} lines a module / {MAX_FUNCTION_LINES} a function: {new}"
    )


def test_the_scan_finds_long_modules_and_functions(tmp_path: Path):
    def body(indent: str, lines: int) -> str:
        return "".join(f"{indent}x{n} = {n}\n" for n in range(lines))

    # Exactly at the limit: the def line and MAX_FUNCTION_LINES - 1 more.
    (tmp_path / "short.py").write_text("def fits():\n" + body("    ", MAX_FUNCTION_LINES - 1))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "long.py").write_text(
        "class C:\n    def method(self):\n"
        + body("        ", MAX_FUNCTION_LINES)
        + body("", MAX_MODULE_LINES - MAX_FUNCTION_LINES)
    )
    assert oversized(tmp_path) == {
        "pkg/long.py": MAX_MODULE_LINES + 2,
        "pkg/long.py:method": MAX_FUNCTION_LINES + 1,
    }
