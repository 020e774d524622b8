"""Issue 18: each step's view model is a frozen value, and a step is redrawn exactly when
its view differs. Nothing is hand-kept: these tests walk the fields that exist, so a field
added tomorrow is covered without touching them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask

from webapp.state import LastYearExpiry, LastYearState, State
from webapp.views.last_year_view import LastYearPanel, last_year_panel
from webapp.views.rendering import changed_steps, view_digest
from webapp.views.view_models import StepperView, StepView
from webapp.views.wizard import STEPS, Wizard

from .shown import finished_record


class Sentinel:
    """Equal to nothing else: what a new or changed field could hold."""

    def __repr__(self) -> str:
        return "Sentinel()"


@pytest.fixture
def wizard(app: Flask) -> Iterator[Wizard]:
    with app.test_request_context():
        yield Wizard(State.from_record(finished_record()).state)


def _dataclasses_in(value: object) -> Iterator[object]:
    """`value` and every dataclass instance inside it (fields, tuples, lists, dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield value
        for f in dataclasses.fields(value):
            yield from _dataclasses_in(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _dataclasses_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _dataclasses_in(item)


def _with_one_field_changed(value: object) -> Iterator[tuple[str, object]]:
    """(field path, a copy of `value` with that one field, at any depth, changed)."""
    if not (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        return
    for f in dataclasses.fields(value):
        inner = getattr(value, f.name)
        yield f.name, dataclasses.replace(value, **{f.name: Sentinel()})  # type: ignore[type-var]
        for path, changed in _with_one_field_changed(inner):
            yield f"{f.name}.{path}", dataclasses.replace(value, **{f.name: changed})  # type: ignore[type-var]
        if isinstance(inner, tuple):  # e.g. the candidates, the truststore entries
            for i, item in enumerate(inner):
                for path, changed in _with_one_field_changed(item):
                    items = (*inner[:i], changed, *inner[i + 1 :])
                    yield f"{f.name}[{i}].{path}", dataclasses.replace(value, **{f.name: items})  # type: ignore[type-var]


def test_the_views_are_frozen_values_with_every_field_compared(wizard: Wizard) -> None:
    views = wizard.views
    assert set(views) == {"stepper", "last_year", *STEPS}
    kinds = {"stepper": StepperView, "last_year": LastYearPanel}
    for name, view in views.items():
        assert isinstance(view, kinds.get(name, StepView))
        for value in _dataclasses_in(view):
            kind = type(value)
            assert all(f.compare for f in dataclasses.fields(kind)), kind  # type: ignore[arg-type]
        for value in _dataclasses_in(view.shows if isinstance(view, StepView) else view):
            if type(value).__module__.startswith("webapp.views"):
                assert type(value).__dataclass_params__.frozen, type(value)  # type: ignore[attr-defined]


def test_any_changed_field_redraws_its_step(wizard: Wizard) -> None:
    before = wizard.views
    checked = 0
    for step in STEPS:
        for path, changed in _with_one_field_changed(before[step]):
            after = {**before, step: changed}
            assert changed != before[step], path
            assert changed_steps(before, after, besides="") == [step], f"{step}: {path}"
            # The page's digest of it changes too (what the browser sends back).
            shown = Wizard(wizard.state)
            shown.__dict__["views"] = after
            assert view_digest(shown, step) != view_digest(wizard, step), f"{step}: {path}"
            checked += 1
    assert checked > 90  # every field of every step, nested ones included


def test_any_changed_field_of_last_years_panel_changes_its_digest(wizard: Wizard) -> None:
    # Issue 21's panel joins the same rule (rendering.render_steps: panel_changed).
    state = State.from_record(finished_record()).state
    state.last_year = LastYearState(
        expiries=[LastYearExpiry("own", "client.example", "2026-12-22")], summary="Renewed."
    )
    wizard.__dict__["views"] = {**wizard.views, "last_year": last_year_panel(state)}
    before = wizard.views["last_year"]
    checked = 0
    for path, changed in _with_one_field_changed(before):
        assert changed != before, path
        shown = Wizard(wizard.state)
        shown.__dict__["views"] = {**wizard.views, "last_year": changed}
        assert view_digest(shown, "last_year") != view_digest(wizard, "last_year"), path
        checked += 1
    assert checked >= 10  # the panel's fields and those of the saved files' view


def test_equal_views_redraw_nothing_and_have_equal_digests(wizard: Wizard) -> None:
    again = Wizard(State.from_record(finished_record()).state)
    assert again.views == wizard.views
    assert changed_steps(wizard.views, again.views, besides="keystore") == []
    for name in wizard.views:
        assert view_digest(again, name) == view_digest(wizard, name)


def test_the_digest_is_keyed_by_the_app_secret(wizard: Wizard, app: Flask) -> None:
    # The finish view holds both passwords: a plain hash on the page could be tried
    # against guesses; a keyed one cannot without the server's secret.
    digest = view_digest(wizard, "finish")
    other = Wizard(wizard.state)
    app.extensions["mtls_view_key"] = b"another key, as on another server"
    try:
        assert view_digest(other, "finish") != digest
    finally:
        del app.extensions["mtls_view_key"]
