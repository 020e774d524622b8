"""Issue 20: the one rule for a ready keystore and truststore, and the Destination URL rule."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.support.throwaway_pki import ThrowawayCA, new_key
from webapp.pki.java import readiness
from webapp.pki.java.destination_url import (
    NOT_HTTPS,
    DestinationUrlError,
    check_destination_url,
)

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def ca() -> ThrowawayCA:
    return ThrowawayCA("Ready Root", key_kind="ec256")


def fields(problems: list[readiness.StoreProblem]) -> list[str]:
    return [p.field for p in problems]


def test_a_full_chain_is_ready(ca: ThrowawayCA) -> None:
    leaf = ca.issue_client("Full", key_kind="ec256")
    assert readiness.keystore_problems(leaf.full_chain) == []


def test_a_leaf_alone_is_a_choice_named_by_its_issuer(ca: ThrowawayCA) -> None:
    leaf = ca.issue_client("Alone", key_kind="ec256")
    problems = readiness.keystore_problems([leaf.cert])
    assert fields(problems) == [readiness.ALONE_FIELD]
    assert "‘Ready Root Intermediate (mtls-kit tests)’" in problems[0].message
    assert "intermediate certificate" not in problems[0].message
    assert readiness.keystore_problems([leaf.cert], alone_confirmed=True) == []
    # The page found the issuer (a root it leaves out of the keystore): nothing to choose.
    assert readiness.keystore_problems([leaf.cert], issuer_missing=False) == []


def test_a_self_signed_certificate_is_not_alone(ca: ThrowawayCA) -> None:
    assert readiness.keystore_problems([ca.root.cert]) == []


def test_a_placeholder_is_never_ready_whatever_was_confirmed(ca: ThrowawayCA) -> None:
    problems = readiness.keystore_problems(
        [ca.root.cert], placeholder=True, alone_confirmed=True, validity_confirmed=True
    )
    assert problems == [
        readiness.StoreProblem(readiness.PLACEHOLDER_FIELD, readiness.PLACEHOLDER_MESSAGE)
    ]


def test_renewal_window_applies_to_the_opened_certificate_only(ca: ThrowawayCA) -> None:
    soon = ThrowawayCA._issue(
        ca.intermediate,
        "Soon",
        new_key("ec256"),
        eku=ExtendedKeyUsageOID.CLIENT_AUTH,
        not_after=NOW + dt.timedelta(days=readiness.RENEWAL_WINDOW_DAYS - 1),
    )
    assert readiness.keystore_problems(soon.full_chain) == []
    due = readiness.keystore_problems(soon.full_chain, renewing=True)
    assert fields(due) == [readiness.VALIDITY_FIELD]
    assert due[0].message.startswith("Your certificate expires on ")
    assert (
        readiness.keystore_problems(soon.full_chain, renewing=True, validity_confirmed=True) == []
    )


def test_an_expired_certificate_needs_a_confirmation(ca: ThrowawayCA) -> None:
    old = ca.issue_client(
        "Old", key_kind="ec256", not_before=NOW - dt.timedelta(days=9), not_after=NOW
    )
    problems = readiness.keystore_problems(old.full_chain, now=NOW + dt.timedelta(seconds=1))
    assert [p.message for p in problems] == [readiness.EXPIRED]


@pytest.mark.parametrize(
    "counts, expected",
    [
        ((0, 0, 0), ["server_url"]),
        ((2, 0, 0), ["certificates"]),
        ((2, 3, 0), ["certificates"]),
        ((2, 3, 1), []),
    ],
)
def test_a_truststore_needs_a_partner_certificate(counts, expected) -> None:
    partner, included, partner_included = counts
    problems = readiness.truststore_problems(
        partner=partner, included=included, partner_included=partner_included
    )
    assert fields(problems) == expected


@pytest.mark.parametrize(
    "typed", ["http://partner.example/in", "HTTP://x", "http:partner.example", "ftp://x/in"]
)
def test_only_https_destinations(typed: str) -> None:
    with pytest.raises(DestinationUrlError) as refused:
        check_destination_url(typed)
    assert str(refused.value) == NOT_HTTPS


@pytest.mark.parametrize(
    "typed, saved",
    [
        (" https://partner.example/in ", "https://partner.example/in"),
        ("", ""),
        ("p.example", "p.example"),
    ],
)
def test_https_and_bare_addresses_are_kept(typed: str, saved: str) -> None:
    assert check_destination_url(typed) == saved


def test_control_characters_are_refused() -> None:
    with pytest.raises(DestinationUrlError):
        check_destination_url("https://partner.example/\nin")
