"""What the Last year's files panel shows (issue 21), as a frozen value like the steps'
view models (issue 18): an htmx answer redraws the panel out of band exactly when this value
differs from the one the page shows (rendering.render_steps). The files' bytes and the typed
passwords are not in it: the panel shows neither, only how many files were kept."""

from __future__ import annotations

from dataclasses import dataclass

from ..state import State

__all__ = ["ExpiryView", "LastYearPanel", "LastYearView", "last_year_panel", "last_year_view"]


@dataclass(frozen=True)
class ExpiryView:
    owner: str  # "own", "own_ca" or "partner"
    name: str
    not_after: str  # ISO 8601 date


@dataclass(frozen=True)
class LastYearView:
    """The saved LastYearState, as last_year/*.html read it."""

    files: tuple[str, ...]  # the kept files' names
    asking: str
    alias: str
    expiries: tuple[ExpiryView, ...]
    old_is_fine: bool
    summary: str
    details: tuple[str, ...]


@dataclass(frozen=True)
class LastYearPanel:
    saved: LastYearView | None  # None for a first-time user
    imported: bool  # a first-time import folds the panel away


def last_year_view(state: State) -> LastYearView | None:
    saved = state.last_year
    if saved is None:
        return None
    return LastYearView(
        files=tuple(upload.name for upload in saved.files),
        asking=saved.asking,
        alias=saved.alias,
        expiries=tuple(ExpiryView(e.owner, e.name, e.not_after) for e in saved.expiries),
        old_is_fine=saved.old_is_fine,
        summary=saved.summary,
        details=tuple(saved.details),
    )


def last_year_panel(state: State) -> LastYearPanel:
    return LastYearPanel(last_year_view(state), bool(state.keystore.candidates))
