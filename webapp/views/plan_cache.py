"""The plans of this request's state, made once (issue 18).

plans.py holds the rules; this module only remembers their answers for the state a request
works on, until update_state changes it (sessions.state_generation). The keystore step's
save decides "ready?" from the plans, the view model then shows the same ones, and so does
the finish step's config: one computation instead of three. Outside a request (tests,
scripts) nothing is remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import g, has_request_context

from ..state import State
from ..web.sessions import state_generation
from .plans import (
    KeystorePlan,
    Problem,
    TrustEntry,
    TruststorePlan,
    plan_keystore,
    plan_truststore,
    trust_entries,
)

__all__ = ["keystore_plan", "trust_entries_of", "truststore_plan"]

T = TypeVar("T")


def keystore_plan(state: State) -> KeystorePlan | list[Problem]:
    return _once("keystore", state, lambda: plan_keystore(state))


def trust_entries_of(state: State) -> list[TrustEntry]:
    return _once("entries", state, lambda: trust_entries(state))


def truststore_plan(state: State) -> TruststorePlan | list[Problem]:
    return _once("truststore", state, lambda: plan_truststore(state, trust_entries_of(state)))


def _once(name: str, state: State, make: Callable[[], T]) -> T:
    if not has_request_context():
        return make()
    memo: dict[str, tuple[State, int, object]] = g.setdefault("plan_memo", {})
    held = memo.get(name)
    generation = state_generation()
    # `is`, not an id: the state object a request works on may be replaced (another tab
    # wrote), and a new object could reuse a dead one's id.
    if held is None or held[0] is not state or held[1] != generation:
        held = memo[name] = (state, generation, make())
    return held[2]  # type: ignore[return-value]
