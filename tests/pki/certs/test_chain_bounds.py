"""Issue 10, hole 1: chain building is bounded whatever certificates a server or file holds.

Work is measured in signature checks (not seconds): the old depth-first searches tried every
ordering of two groups of mutually signing certificates, 44.7 s for 13 certificates.
"""

from __future__ import annotations

from typing import ClassVar

import pytest

from tests.support.cross_signed import cross_signed_set, write_cross_signed_server_files
from tests.support.tls_server import LocalTLSServer
from webapp.pki.certs.chains import (
    MAX_CHAIN_LENGTH,
    SIGNATURE_BUDGET,
    STEP_BUDGET,
    SignatureChecks,
    build_path,
    order_chain,
)
from webapp.pki.partner import completion
from webapp.pki.partner.collect import collect_partner_chain
from webapp.pki.partner.fetch import MAX_SERVER_CERTIFICATES, TooManyCertificates
from webapp.pki.partner.outbound import OutboundPolicy
from webapp.pki.partner.roots import load_root_store

LOOPBACK_ALLOWED = OutboundPolicy.from_config(["127.0.0.0/8"])


class CountingChecks(SignatureChecks):
    """Counts every call, memoised or not, to show the memo and the budget both hold."""

    calls = 0
    made: ClassVar[list[SignatureChecks]] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        CountingChecks.made.append(self)

    def issued_by(self, cert, issuer):  # type: ignore[override]
        CountingChecks.calls += 1
        return super().issued_by(cert, issuer)


@pytest.mark.parametrize("total", [13, 19, 41])
def test_cross_signed_groups_stay_within_the_signature_budget(total):
    _, certs = cross_signed_set(total)
    by_subject: dict = {}
    for cert in certs[1:]:
        by_subject.setdefault(cert.subject, []).append(cert)
    checks = SignatureChecks()
    path = build_path(
        certs[0],
        certificate=lambda c: c,
        issuers=lambda c: by_subject.get(c.issuer, []),
        checks=checks,
    )
    assert checks.performed <= SIGNATURE_BUDGET
    assert not path.anchored and 2 <= len(path.links) <= MAX_CHAIN_LENGTH


def test_each_pair_is_checked_once():
    _, certs = cross_signed_set(5)
    checks = SignatureChecks()
    for _ in range(3):
        assert checks.issued_by(certs[1], certs[2]) is True
    assert checks.performed == 1


def test_an_exhausted_budget_answers_no_instead_of_working_on():
    _, certs = cross_signed_set(5)
    checks = SignatureChecks(budget=0)
    assert checks.issued_by(certs[1], certs[2]) is False
    assert checks.performed == 0


def test_completion_and_key_import_share_the_bounded_builder(monkeypatch):
    _, certs = cross_signed_set(19)
    CountingChecks.calls = 0
    monkeypatch.setattr(completion, "SignatureChecks", CountingChecks)
    report = completion.complete_chain(certs, roots=load_root_store())
    assert report.incomplete and len(report.entries) <= MAX_CHAIN_LENGTH
    assert [checks.performed <= SIGNATURE_BUDGET for checks in CountingChecks.made] == [True]
    # Memoised look-ups too are bounded: one per step and one per node, plus the listing.
    assert 0 < CountingChecks.calls <= 2 * STEP_BUDGET + 2 * len(certs)
    assert order_chain(certs[0], certs[1:])[0] == certs[0]


def test_a_server_sending_too_many_certificates_gets_a_plain_answer(tmp_path):
    chain, key = write_cross_signed_server_files(tmp_path, MAX_SERVER_CERTIFICATES + 9)
    with LocalTLSServer(chain, key) as server:
        with pytest.raises(TooManyCertificates) as caught:
            collect_partner_chain(
                server.address, policy=LOOPBACK_ALLOWED, connect_timeout=2, handshake_timeout=2
            )
    assert "more than 20 certificates" in str(caught.value)


def test_a_cross_signed_server_under_the_cap_is_collected(tmp_path):
    chain, key = write_cross_signed_server_files(tmp_path, 13)
    with LocalTLSServer(chain, key) as server:
        collected = collect_partner_chain(
            server.address, policy=LOOPBACK_ALLOWED, connect_timeout=2, handshake_timeout=2
        )
    assert collected.sent == 13
    assert any("could not find the root" in w for w in collected.warnings)
