"""State.from_record / to_record: migration, versions, and records it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webapp.state import (
    STATE_VERSION,
    FetchReport,
    KeyPairCandidate,
    State,
    TrustChoice,
    TrustedCertificate,
)

LEGACY = Path(__file__).parent / "legacy"


def legacy(name: str) -> dict:
    return json.loads((LEGACY / name).read_text())


def test_a_version_1_record_is_migrated_field_by_field():
    record = legacy("main-7743e32-state.json")

    restored = State.from_record(record)

    assert not restored.lost
    state = restored.state
    assert state.current == "finish"
    assert state.keystore.alias == "legacy-client"
    assert state.keystore.password == "legacy-ks-pw"
    assert state.keystore.chosen is state.keystore.candidates[0]
    assert isinstance(state.keystore.chosen, KeyPairCandidate)
    assert state.keystore.chosen.source_alias == "legacy"
    assert len(state.keystore.chosen.chain) == 3
    assert all(isinstance(c, TrustedCertificate) for c in state.truststore.certs)
    aliases = {c.alias for c in state.truststore.choices.values()}
    assert aliases >= {"partner.example", "legacy-client"}
    assert all(isinstance(c, TrustChoice) and c.include for c in state.truststore.choices.values())
    assert state.truststore.fetch is None  # uploaded, never fetched
    assert (state.destination.url, state.destination.folder) == (
        "https://partner.example/inbound",
        "/opt/platform/certs",
    )


def test_the_fetch_report_is_kept():
    state = State.from_record(legacy("main-7743e32-state-fetched.json")).state

    assert isinstance(state.truststore.fetch, FetchReport)
    assert (state.truststore.fetch.host, state.truststore.fetch.sent) == ("127.0.0.1", 2)
    assert state.truststore.fetch.warnings
    assert state.keystore.password is None  # not chosen yet


@pytest.mark.parametrize("name", ["main-7743e32-state.json", "main-7743e32-state-fetched.json"])
def test_to_record_writes_the_version_and_reads_back_equal(name: str):
    state = State.from_record(legacy(name)).state

    record = json.loads(json.dumps(state.to_record()))  # what the vault stores: JSON

    assert record["version"] == STATE_VERSION == 2
    assert State.from_record(record) == (state, False)
    # Version 1's shape plus defaults: code that read version 1 records still finds its keys
    # (but for the dead ones removed since, which that code reads as their default).
    old = {key: value for key, value in legacy(name).items() if key not in REMOVED_KEYS}
    assert_contains(record, old)


# fetch_times: the fetch rate limit moved to Flask-Limiter; nothing read it (issue 18).
REMOVED_KEYS = {"fetch_times"}


def assert_contains(written: object, old: object, where: str = "record") -> None:
    if isinstance(old, dict):
        assert isinstance(written, dict), where
        for key, value in old.items():
            assert key in written, f"{where}.{key} is gone"
            assert_contains(written[key], value, f"{where}.{key}")
    elif isinstance(old, list):
        assert isinstance(written, list) and len(written) == len(old), where
        for index, (new, value) in enumerate(zip(written, old, strict=False)):
            assert_contains(new, value, f"{where}[{index}]")
    else:
        assert written == old, where


def test_an_empty_record_is_a_fresh_state_not_a_lost_one():
    assert State.from_record({}) == (State(), False)
    assert State.from_record(None) == (State(), False)


def test_unknown_keys_are_ignored_and_missing_ones_get_defaults():
    record = {
        "version": 2,
        "current": "truststore",
        "later_feature": {"x": 1},
        "keystore": {"alias": "a", "new_field": True},
    }

    state, lost = State.from_record(record)

    assert not lost
    assert (state.current, state.keystore.alias, state.keystore.filename) == (
        "truststore",
        "a",
        "keystore.jks",
    )


@pytest.mark.parametrize(
    "record",
    [
        {"version": 999, "keystore": {}},
        {"version": "2"},
        {"version": None},
        {"keystore": "garbage"},
        {"keystore": {"candidates": [{"chain": []}]}},  # a candidate without its key
        {"truststore": {"certs": [{"pem": 5, "source": "upload"}]}},
        {"truststore": {"choices": {"AA": {"include": "yes"}}}},
        {"keystore": {"selected": True}},
    ],
    ids=repr,
)
def test_a_record_it_cannot_read_gives_a_fresh_state_and_says_so(record: dict):
    assert State.from_record(record) == (State(), True)


def test_an_unknown_current_step_falls_back_to_the_first():
    assert State.from_record({"current": "elsewhere"}).state.current == "keystore"
