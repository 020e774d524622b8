"""Completing the user's own chain: from their files, the root stores, and the CA's AIA URL."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from tests.pki.partner.test_outbound import RecordingConnector, fake_resolver
from tests.support.aia import IssuerServer, issue_client_with_aia
from tests.support.throwaway_pki import ThrowawayCA
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner import OutboundPolicy
from webapp.pki.partner.aia import IssuerDownloadFailed, download_issuer
from webapp.pki.partner.client_chain import (
    FROM_CA_DOWNLOAD,
    FROM_EXTRA_ROOTS,
    FROM_FILE,
    complete_client_chain,
)
from webapp.pki.partner.roots import OPERATOR_ROOTS, RootStore, TrustedRoot

LOOPBACK = OutboundPolicy.from_config(["127.0.0.0/8"])


@pytest.fixture(scope="module")
def ca():
    return ThrowawayCA("Chain Root", key_kind="ec256")


def leaf_only(issued) -> KeyPair:
    return KeyPair(issued.key, issued.cert, (issued.cert,))


def extra_roots(ca) -> RootStore:
    return RootStore([TrustedRoot(ca.root.cert, OPERATOR_ROOTS)])


def der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_leaf_only_is_completed_from_the_cas_address_and_the_extra_roots(ca):
    server = IssuerServer({})
    leaf = issue_client_with_aia(ca, "AIA Client", server.url("/inter.der"))
    server.bodies["/inter.der"] = der(ca.intermediate.cert)
    with server.running():
        report = complete_client_chain(leaf_only(leaf), roots=extra_roots(ca), policy=LOOPBACK)
    assert report.complete and report.problem is None
    assert report.chain == (leaf.cert, ca.intermediate.cert, ca.root.cert)
    assert [link.source for link in report.links] == [FROM_FILE, FROM_CA_DOWNLOAD, FROM_EXTRA_ROOTS]
    assert report.links[1].url == server.url("/inter.der")
    assert server.requests == ["/inter.der"]
    completed = report.completed_key_pair(leaf_only(leaf))
    assert completed.chain == report.chain and completed.certificate == leaf.cert


def test_pkcs7_from_the_ca_is_read_too(ca):
    server = IssuerServer({})
    leaf = issue_client_with_aia(ca, "P7 Client", server.url("/ca.p7c"))
    server.bodies["/ca.p7c"] = pkcs7.serialize_certificates(
        [ca.intermediate.cert, ca.root.cert], serialization.Encoding.DER
    )
    with server.running():
        report = complete_client_chain(leaf_only(leaf), roots=RootStore([]), policy=LOOPBACK)
    # The root came in the same PKCS#7 answer; no store holds it, so it is used from there.
    assert report.complete
    assert report.chain == (leaf.cert, ca.intermediate.cert, ca.root.cert)
    assert [link.source for link in report.links[1:]] == [FROM_CA_DOWNLOAD, FROM_CA_DOWNLOAD]
    assert server.requests == ["/ca.p7c"]


def test_chain_files_come_first_and_nothing_is_downloaded(ca):
    leaf = issue_client_with_aia(ca, "Files Client", "http://ca.example/inter.der")
    fetched: list[str] = []
    report = complete_client_chain(
        leaf_only(leaf),
        roots=extra_roots(ca),
        policy=LOOPBACK,
        chain_files=[ca.intermediate.cert],
        fetch_issuer=lambda url: fetched.append(url) or b"",
    )
    assert report.complete and fetched == []
    assert [link.source for link in report.links] == [FROM_FILE, FROM_FILE, FROM_EXTRA_ROOTS]


def test_missing_issuer_is_named_by_its_subject_not_called_an_intermediate(ca):
    leaf = ca.issue_client("No AIA Client", key_kind="ec256")
    report = complete_client_chain(leaf_only(leaf), roots=extra_roots(ca), policy=LOOPBACK)
    assert not report.complete and report.chain == (leaf.cert,)
    # Issue 20: we never saw that certificate, so we cannot know it is an intermediate.
    assert report.problem == (
        "We could not find the certificate of ‘Chain Root Intermediate (mtls-kit tests)’, "
        "which issued ‘No AIA Client (mtls-kit tests)’: it is not in your file, your Chain "
        "files, your organisation's roots or the root store. If you have it, add it under "
        "Chain files."
    )
    assert "intermediate certificate" not in report.problem


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254"])
def test_aia_download_never_reaches_an_address_the_policy_refuses(ca, address):
    connector = RecordingConnector()
    leaf = issue_client_with_aia(ca, "Internal AIA", "http://ca.internal.example/i.der")

    def fetch(url: str) -> bytes:
        return download_issuer(
            url,
            policy=OutboundPolicy(),
            connector=connector,
            resolver=fake_resolver({"ca.internal.example": [address]}),
        )

    report = complete_client_chain(
        leaf_only(leaf), roots=extra_roots(ca), policy=OutboundPolicy(), fetch_issuer=fetch
    )
    assert connector.calls == []
    assert not report.complete and "tried to download" in (report.problem or "")


def test_aia_download_is_capped_and_http_only():
    server = IssuerServer({"/big": b"x" * (64 * 1024 + 1), "/small": b"ok"})
    with server.running():
        assert download_issuer(server.url("/small"), policy=LOOPBACK) == b"ok"
        with pytest.raises(IssuerDownloadFailed):
            download_issuer(server.url("/big"), policy=LOOPBACK)
        with pytest.raises(IssuerDownloadFailed):
            download_issuer(server.url("/missing"), policy=LOOPBACK)
    with pytest.raises(IssuerDownloadFailed):
        download_issuer("https://ca.example/i.der", policy=LOOPBACK)
    with pytest.raises(IssuerDownloadFailed):
        download_issuer("http://user@ca.example/i.der", policy=LOOPBACK)
