"""Vault.rotate (issue 19): the work moves under a fresh token in one step, and the old token
is only remembered as "moved" for a short while, with no way from it to the new session."""

from __future__ import annotations

import pytest

from webapp.vault import SessionGone, Vault

from ._support import FakeClock


def test_rotate_moves_the_state_and_erases_the_old_record(any_vault: Vault):
    old = any_vault.new_session({"alias": "client-one"})
    rotated = any_vault.rotate(old)
    assert rotated is not None
    new, state = rotated
    assert new != old and state == {"alias": "client-one"}
    assert any_vault.load(new) == {"alias": "client-one"}
    assert any_vault.load(old) is None
    assert any_vault.was_moved(old) and not any_vault.was_moved(new)
    # A change sent with the old token after the move finds nothing to change.
    with pytest.raises(SessionGone):
        any_vault.update(old, lambda s: s.update(alias="late"))
    assert any_vault.load(new) == {"alias": "client-one"}
    assert any_vault.stats().sessions == 1  # the mark is not a session


@pytest.mark.parametrize("token", [None, "", "not-a-token", "A" * 22 + "." + "B" * 43])
def test_nothing_to_rotate(any_vault: Vault, token):
    assert any_vault.rotate(token) is None
    assert not any_vault.was_moved(token)


def test_the_moved_mark_expires_after_the_grace(sqlite_vault: Vault, clock: FakeClock):
    old = sqlite_vault.new_session({"a": 1})
    rotated = sqlite_vault.rotate(old, grace_seconds=60)
    assert rotated is not None
    clock.advance(59)
    assert sqlite_vault.was_moved(old)
    clock.advance(2)
    assert not sqlite_vault.was_moved(old)
    assert sqlite_vault.load(rotated[0]) == {"a": 1}


def test_rotating_twice_moves_on_again(any_vault: Vault):
    first = any_vault.new_session({"a": 1})
    second = any_vault.rotate(first)
    assert second is not None
    third = any_vault.rotate(second[0])
    assert third is not None and any_vault.load(third[0]) == {"a": 1}
    assert any_vault.was_moved(first) and any_vault.was_moved(second[0])
    assert any_vault.rotate(first) is None  # a moved token has nothing left to move
