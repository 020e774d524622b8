"""Behaviour every backend must show (each test runs against SQLite and Redis)."""

from __future__ import annotations

import pytest

from webapp.vault import SessionGone, StaleVersion, Vault, open_vault
from webapp.vault.tokens import SessionToken, parse_token

from ._support import OTHER_SECRET, SECRET

STATE = {
    "step": "keystore",
    "alias": "client-one",
    "chain": ["-----BEGIN..."],
    "n": 2,
    "ok": True,
    "nothing": None,
    "ratio": 0.5,
    "nested": {"ü": ["ß"]},
}


def _with_key(token: str, key: bytes) -> str:
    parsed = parse_token(token)
    assert parsed is not None
    return str(SessionToken(parsed.session_id, key))


def _flip_key_byte(token: str) -> str:
    parsed = parse_token(token)
    assert parsed is not None
    return _with_key(token, bytes([parsed.key[0] ^ 0x01]) + parsed.key[1:])


def test_round_trip(any_vault: Vault) -> None:
    token = any_vault.new_session(STATE)
    assert any_vault.load(token) == STATE
    assert any_vault.load(any_vault.new_session()) == {}


def test_update_applies_and_returns_the_stored_state(any_vault: Vault) -> None:
    token = any_vault.new_session({"a": 1})
    returned = any_vault.update(token, lambda state: state.update(b=(2, 3)))
    assert returned == {"a": 1, "b": [2, 3]} == any_vault.load(token)


def test_update_ignores_what_fn_returns(any_vault: Vault) -> None:
    # dict.pop returns the removed value; it must not be taken as the new state.
    token = any_vault.new_session({"inner": {"x": 1}, "keep": True})
    assert any_vault.update(token, lambda state: state.pop("inner")) == {"keep": True}


def test_failing_fn_writes_nothing(any_vault: Vault) -> None:
    token = any_vault.new_session({"a": 1})

    class Refused(Exception):
        pass

    def half_done(state: dict) -> None:
        state["a"] = 999
        raise Refused

    with pytest.raises(Refused):
        any_vault.update(token, half_done)
    with pytest.raises(TypeError):
        any_vault.update(token, lambda state: state.update(raw=b"not json"))
    assert any_vault.load(token) == {"a": 1}


def test_delete_wipes(any_vault: Vault) -> None:
    token = any_vault.new_session(STATE)
    other = any_vault.new_session({"other": True})
    any_vault.delete(token)
    assert any_vault.load(token) is None
    with pytest.raises(SessionGone):
        any_vault.update(token, lambda state: state.update(a=1))
    any_vault.delete(token)  # twice is fine
    assert any_vault.load(other) == {"other": True}


@pytest.mark.parametrize("token", [None, "", "garbage", "a.b"])
def test_missing_or_malformed_token_is_no_session(any_vault: Vault, token: str | None) -> None:
    assert any_vault.load(token) is None
    any_vault.delete(token)
    with pytest.raises(SessionGone):
        any_vault.update(token, lambda state: None)


def test_tampered_tokens_are_no_session(any_vault: Vault) -> None:
    token = any_vault.new_session(STATE)
    other = any_vault.new_session({"other": True})
    other_key = parse_token(other).key  # type: ignore[union-attr]
    for bad in (_flip_key_byte(token), _with_key(token, other_key), _with_key(other, b"\0" * 32)):
        assert any_vault.load(bad) is None
        with pytest.raises(SessionGone):
            any_vault.update(bad, lambda state: state.update(hijacked=True))
    # The real owners are unaffected.
    assert any_vault.load(token) == STATE
    assert any_vault.load(other) == {"other": True}


def test_restarted_app_keeps_the_session(vault_url: str) -> None:
    with open_vault(vault_url, secret=SECRET) as first:
        token = first.new_session(STATE)
    with open_vault(vault_url, secret=SECRET) as restarted:
        assert restarted.load(token) == STATE
        restarted.update(token, lambda state: state.update(after_restart=True))
        assert restarted.load(token) == {**STATE, "after_restart": True}


def test_another_secret_cannot_read_the_session(vault_url: str) -> None:
    with (
        open_vault(vault_url, secret=SECRET) as ours,
        open_vault(vault_url, secret=OTHER_SECRET) as theirs,
    ):
        token = ours.new_session(STATE)
        assert theirs.load(token) is None
        with pytest.raises(SessionGone):
            theirs.update(token, lambda state: None)
        assert ours.load(token) == STATE


def test_ping(any_vault: Vault) -> None:
    assert any_vault.ping() is True


def test_stats_count_sessions_and_bytes_and_purge_all_erases(any_vault: Vault) -> None:
    assert any_vault.stats().sessions == 0 and any_vault.stats().bytes == 0
    tokens = [any_vault.new_session({"n": i, "pad": "x" * 100 * i}) for i in range(3)]
    stats = any_vault.stats()
    assert stats.sessions == 3 and stats.complete
    assert stats.bytes > 300  # encrypted records: at least the padding, sealed
    any_vault.delete(tokens[0])
    assert any_vault.stats().sessions == 2
    assert any_vault.purge_all() == 2
    assert any_vault.stats().sessions == 0
    assert all(any_vault.load(t) is None for t in tokens)


def test_a_stale_replace_is_refused_with_the_newer_state(any_vault: Vault) -> None:
    token = any_vault.new_session({"a": 1})
    first = any_vault.read(token)
    assert first is not None
    second = any_vault.replace(token, {"a": 2}, version=first.version)
    with pytest.raises(StaleVersion) as info:
        any_vault.replace(token, {"a": 3}, version=first.version)
    assert info.value.current.state == {"a": 2}
    assert info.value.current.version == second
    any_vault.replace(token, {"a": 3}, version=second)
    assert any_vault.load(token) == {"a": 3}
    any_vault.delete(token)
    with pytest.raises(SessionGone):
        any_vault.replace(token, {"a": 4}, version=second)
