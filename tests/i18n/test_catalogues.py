"""The catalogues are part of the build (issue 23): every text the code marks has a real
translation in German, French and Spanish, with the same placeholders and the same markup."""

from __future__ import annotations

import pytest

from tests.i18n.catalogues import (
    LANGUAGES,
    catalogue,
    extracted,
    forms,
    placeholders,
    tags,
)


def test_the_code_marks_texts_for_translation() -> None:
    # A few texts from every part (page, core, error pages): an extraction that finds
    # nothing (a broken babel.cfg) would make every other test here pass vacuously.
    ids = {k if isinstance(k, str) else k[0] for k in extracted()}
    assert len(ids) > 500
    assert "Language:" in ids
    assert "Download all" in ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_text_has_a_translation(language: str) -> None:
    translated = catalogue(language)
    missing = []
    for key in extracted():
        message = translated.get(key)
        english, forms_ = forms(message) if message is not None else ([], [])
        if message is None or message.fuzzy or not all(forms_) or len(forms_) < len(english):
            missing.append(key)
    assert not missing, (
        f"{len(missing)} texts have no {language} translation (run `make catalogs`, then "
        f"translate webapp/translations/{language}/LC_MESSAGES/messages.po): {missing[:10]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_the_markup(language: str) -> None:
    wrong = []
    for message in catalogue(language):
        if not message.id or not message.string:
            continue
        english, translated = forms(message)
        expected = set().union(*(placeholders(e) for e in english))
        for text in translated:
            found = placeholders(text)
            # A plural form may leave out {n} / %(count)s ("one file"), nothing else.
            if found != expected and not (len(english) > 1 and found <= expected):
                wrong.append((english[0], text, "placeholders"))
            if tags(text) != tags(english[0]):
                wrong.append((english[0], text, "markup"))
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_leftover_entries_in_the_catalogue(language: str) -> None:
    # Texts the code no longer marks linger as entries nobody reads: `make catalogs` drops
    # them (pybabel update marks them obsolete).
    unused = [m.id for m in catalogue(language) if m.id and m.id not in extracted()]
    assert not unused, unused[:10]
