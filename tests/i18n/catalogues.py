"""The texts of the app as pybabel extracts them, and the committed catalogues (issue 23)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "webapp" / "translations"
LANGUAGES = ("de", "fr", "es")

# {name} (the core's str.format fields), %(name)s (templates), and a bare %s / %d.
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)[sd]|%[sd]")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b")


@cache
def extracted() -> dict[str | tuple[str, str], Message]:
    """Every marked text of the checkout, by msgid, as `make catalogs` extracts it."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    texts: dict[str | tuple[str, str], Message] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, directory_filter=_inside_sources
    ):
        key = message if isinstance(message, str) else tuple(message)
        texts.setdefault(key, Message(key, locations=[(filename, 0)]))  # type: ignore[arg-type]
    return texts


def _inside_sources(dirname: str) -> bool:
    relative = Path(dirname).resolve().relative_to(ROOT)
    top = relative.parts[0] if relative.parts else ""
    return top in ("", "webapp", "templates") and "__pycache__" not in relative.parts


@cache
def catalogue(language: str) -> Catalog:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def tags(text: str) -> list[str]:
    return sorted(t.lower() for t in TAG.findall(text))


def forms(message: Message) -> tuple[list[str], list[str]]:
    """(the English forms, the translated forms) of a catalogue entry."""
    english = list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]
    translated = (
        list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
    )
    return english, translated
