"""The words a person reads, in their language (issue 23), for the core and the web alike.

The PKI core writes the messages people read (a wrong password, a verdict, README.txt), yet
it must not know Flask. So it marks them with `_` from here, and the web app says once,
through `install`, where the current request's catalogue and locale come from. Without
that (the command line, logs, the audit trail) every message is the English it is written
in: the command line stays English, and so do logs and audit lines.

Conventions (tests/i18n checks them):
- `_("Text with {name}.", name=value)`: placeholders are `str.format` fields, named, and
  the same in every translation. The values are never translated (names from certificates
  and the user's own entries stay as they are).
- `N_("Text")` marks a text that is kept before it is shown (a module-level table);
  translate it with `_(text)` where it is shown.
- `long_date` / `short_date` / `long_datetime` write a date for the locale (Babel); in
  English they keep the forms the app always wrote ("02 December 2026", "02 Dec 2026").
  Templates call the first two as globals of the same names (web/languages.py).
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Callable
from typing import Any, Protocol

__all__ = [
    "N_",
    "_",
    "install",
    "locale_code",
    "long_date",
    "long_datetime",
    "ngettext",
    "number",
    "short_date",
]


class Catalogue(Protocol):
    def gettext(self, message: str, /) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


_ENGLISH = gettext.NullTranslations()
# Where the current catalogue and locale code come from: set by the web app (install),
# English for everyone else.
_source: Callable[[], tuple[Catalogue, str] | None] = lambda: None  # noqa: E731


def install(source: Callable[[], tuple[Catalogue, str] | None]) -> None:
    """Take the catalogue and locale code from `source` (None: English, as outside a request)."""
    global _source
    _source = source


def _current() -> tuple[Catalogue, str]:
    found = _source()
    return found if found is not None else (_ENGLISH, "en")


def locale_code() -> str:
    """The current locale ("en" outside a request)."""
    return _current()[1]


def _(message: str, /, **params: Any) -> str:
    """`message` in the current language, its {fields} filled with `params`."""
    translated = _current()[0].gettext(message)
    return translated.format(**params) if params else translated


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> str:
    """The singular or plural form for `n` in the current language; `n` fills {n} too."""
    translated = _current()[0].ngettext(singular, plural, n)
    return translated.format(n=n, **params)


def N_(message: str, /) -> str:
    """Mark `message` for the catalogue only: it is translated where it is shown."""
    return message


def long_date(when: dt.date | dt.datetime) -> str:
    """ "02 December 2026" in English, "2. Dezember 2026" in German, and so on."""
    code = locale_code()
    if code == "en":
        return f"{when:%d %B %Y}"
    from babel.dates import format_date

    return format_date(when, format="long", locale=code)


def short_date(when: dt.date | dt.datetime) -> str:
    """ "02 Dec 2026" in English, the locale's medium date elsewhere ("02.12.2026",
    "2 déc. 2026"): for lists and alerts where the long form is too wide."""
    code = locale_code()
    if code == "en":
        return f"{when:%d %b %Y}"
    from babel.dates import format_date

    return format_date(when, format="medium", locale=code)


def long_datetime(when: dt.datetime) -> str:
    """ "02 December 2026, 14:05 UTC" in English; the locale's long date and 24-hour time
    elsewhere. The time is the UTC one the certificates and tests are in."""
    code = locale_code()
    if code == "en":
        return f"{when:%d %B %Y, %H:%M} UTC"
    return f"{long_date(when)}, {when:%H:%M} UTC"


def number(value: int | float) -> str:
    """`value` with the locale's digit grouping (1,234 / 1.234 / 1 234)."""
    code = locale_code()
    if code == "en":
        return f"{value:,}"
    from babel.numbers import format_decimal

    return format_decimal(value, locale=code)
