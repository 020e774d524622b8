"""The page's words in one language, as the app serves them (issue 23): the compiled
catalogue for the labels a test looks for, and the English sentences that must not be left
on a translated page.

The labels come from the same .mo files the app reads (webapp/translations, built by
`make test-install`), so a test finds "Importieren" where the English test finds "Import",
and no German, French or Spanish is written into the tests.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from functools import cache

import pytest
from babel.support import Translations
from playwright.sync_api import Page

from tests.i18n.catalogues import TRANSLATIONS, catalogue, forms
from webapp.web.languages import LANGUAGES

__all__ = ["Language", "english_in", "english_left_on", "language", "sentence_lines"]

# What splits a msgid into the literal pieces a reader sees: placeholders ({name},
# %(name)s, %s) and HTML tags.
_NOT_LITERAL = re.compile(r"\{\w+\}|%\(\w+\)[sd]|%[sd]|<[^>]*>")
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
MIN_WORDS = 3  # "Test connection" may be a product name; a three-word piece is a sentence

# innerText with every <details> unfolded (help texts, Details, Technical details), as a
# reader who opens them all sees it, leaving out the elements `skip` selects (if any);
# everything put back afterwards.
_ALL_TEXT = """skip => {
  const folded = [...document.querySelectorAll("details:not([open])")];
  folded.forEach(d => { d.open = true; });
  const left = skip ? [...document.querySelectorAll(skip)].filter(el => !el.hidden) : [];
  left.forEach(el => { el.hidden = true; });
  const text = document.body.innerText;
  left.forEach(el => { el.hidden = false; });
  folded.forEach(d => { d.open = false; });
  return text;
}"""
# Values, not sentences: code and config (<pre>, <code>) and a certificate's facts (<dd>:
# names, fingerprints, keys) read the same in every language.
_VALUES = "pre, code, dd"


@dataclass(frozen=True)
class Language:
    code: str  # "de": <html lang>, the switch's hreflang, the catalogue's folder
    locale: str  # "de-DE": the browser's language
    name: str  # "Deutsch": the switch's link, in the language's own words
    translations: Translations
    translated_ids: frozenset[str] = field(repr=False)
    # piece as written -> the msgid it is part of
    english_sentences: dict[str, str] = field(repr=False)

    @property
    def accept_language(self) -> str:
        return f"{self.locale},{self.code};q=0.9"

    def translate(self, english: str) -> str:
        """The page's words for `english` (a msgid). A text the catalogue does not translate
        fails here, by name, rather than as a control the test cannot find."""
        if english not in self.translated_ids:
            pytest.fail(
                f"the {self.code} catalogue has no translation of {english!r}", pytrace=False
            )
        return self.translations.gettext(english)


@cache
def language(code: str, locale: str) -> Language:
    """`code`'s compiled catalogue; a missing or stale .mo skips the test by hand and fails it
    under CI=true (`make test-install` compiles it), like a missing tool."""
    po = TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not po.exists():
        pytest.fail(f"there is no {code} catalogue ({po})", pytrace=False)
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        reason = f"{mo} is missing or older than its .po: run `make test-install`"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    translations = Translations.load(str(TRANSLATIONS), [code])
    assert isinstance(translations, Translations), f"{mo} did not load"
    entries = [m for m in catalogue(code) if m.id and not m.fuzzy]
    translated_ids = frozenset(forms(m)[0][0] for m in entries if all(forms(m)[1]) and forms(m)[1])
    return Language(
        code=code,
        locale=locale,
        name=LANGUAGES[code],
        translations=translations,
        translated_ids=translated_ids,
        english_sentences=_english_sentences(code),
    )


def _english_sentences(code: str) -> dict[str, str]:
    """The literal pieces of three words or more of every English text of the catalogue
    that is not kept as it is in `code`: none of them belongs on a page in `code`. Texts
    still untranslated (or fuzzy) count too: the page would show them in English.

    A piece the translations themselves keep (a product or command name) is left out."""
    entries = [m for m in catalogue(code) if m.id]
    everything_translated = " ".join(_normal(t) for m in entries for t in forms(m)[1] if t)
    pieces: dict[str, str] = {}
    for message in entries:
        english, translated = forms(message)
        if not message.fuzzy and translated and all(t and t in english for t in translated):
            continue  # the same words in both languages
        for text in english:
            for piece in _NOT_LITERAL.split(text):
                piece = piece.replace("%%", "%").replace("{{", "{").replace("}}", "}")
                piece = " ".join(html.unescape(piece).split())
                if len(_WORD.findall(piece)) < MIN_WORDS:
                    continue
                if _normal(piece) not in everything_translated:
                    pieces.setdefault(piece, english[0])
    return pieces


def _normal(text: str) -> str:
    """Compared without case (CSS may capitalise) and with all white space as one space."""
    return " ".join(text.split()).lower()


def english_in(text: str, words: Language) -> list[str]:
    """The catalogue's English sentences found in `text`, each with the msgid it is from
    when that is longer (the text to translate)."""
    shown = _normal(text)
    return [
        piece if msgid == piece else f"{piece} (in {_shortened(msgid)!r})"
        for piece, msgid in sorted(words.english_sentences.items())
        if _normal(piece) in shown
    ]


def _shortened(text: str, length: int = 100) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def english_left_on(page: Page, words: Language) -> list[str]:
    """The catalogue's English sentences the page shows, every <details> opened."""
    return english_in(page.evaluate(_ALL_TEXT, ""), words)


def sentence_lines(page: Page) -> set[str]:
    """The page's lines of three words or more, every <details> opened, values left out:
    the same page in another language must share none of them (a text nobody marked for
    translation is in no catalogue, so only the English page itself can name it)."""
    text = page.evaluate(_ALL_TEXT, _VALUES)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return {line for line in lines if len(_WORD.findall(line)) >= MIN_WORDS}
