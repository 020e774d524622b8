"""Completing a server's chain from the root stores, and the problems the report flags."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from tests.support.throwaway_pki import NOW, ThrowawayCA
from webapp.pki.partner import roots as roots_module
from webapp.pki.partner.completion import (
    SOURCE_ROOT_STORE,
    SOURCE_SERVER,
    complete_chain,
)
from webapp.pki.partner.roots import (
    MOZILLA_ROOTS,
    OPERATOR_ROOTS,
    RootStore,
    TrustedRoot,
    extra_root_paths,
    load_root_store,
)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(Encoding.PEM) for c in certs)


@pytest.fixture(scope="module")
def ca() -> ThrowawayCA:
    return ThrowawayCA("Roots Test CA", key_kind="ec256")


@pytest.fixture(scope="module")
def leaf(ca):
    return ca.issue_server("127.0.0.1", key_kind="ec256").cert


@pytest.fixture(scope="module")
def with_test_root(ca, tmp_path_factory) -> RootStore:
    bundle = tmp_path_factory.mktemp("roots") / "extra.pem"
    bundle.write_bytes(pem(ca.root.cert))
    return load_root_store([bundle])


def test_root_is_added_from_the_operator_bundle(ca, leaf, with_test_root):
    report = complete_chain([leaf, ca.intermediate.cert], roots=with_test_root)
    assert [der(e.certificate) for e in report.entries] == [
        der(leaf),
        der(ca.intermediate.cert),
        der(ca.root.cert),
    ]
    assert [(e.source, e.store, e.sent_position) for e in report.entries] == [
        (SOURCE_SERVER, None, 0),
        (SOURCE_SERVER, None, 1),
        (SOURCE_ROOT_STORE, OPERATOR_ROOTS, None),
    ]
    assert report.entries[-1].origin == OPERATOR_ROOTS
    assert report.entries[0].origin == "sent by the server"
    assert not (
        report.incomplete
        or report.out_of_order
        or report.extra_certificates
        or report.self_signed_leaf
    )
    assert report.root_from_store and report.root_in_store


def test_without_the_root_the_chain_is_incomplete(ca, leaf):
    report = complete_chain([leaf, ca.intermediate.cert], roots=load_root_store())
    assert [der(e.certificate) for e in report.entries] == [der(leaf), der(ca.intermediate.cert)]
    assert report.incomplete and not report.root_in_store and not report.root_from_store


def test_missing_intermediate_is_a_gap(leaf, with_test_root):
    report = complete_chain([leaf], roots=with_test_root)
    assert len(report.entries) == 1 and report.incomplete


def test_chain_sent_out_of_order_is_flagged(ca, leaf, with_test_root):
    report = complete_chain([leaf, ca.root.cert, ca.intermediate.cert], roots=with_test_root)
    assert [e.sent_position for e in report.entries] == [0, 2, 1]
    assert report.out_of_order and not report.incomplete
    assert report.root_in_store and not report.root_from_store  # the server sent it


def test_unrelated_certificate_is_extra(ca, leaf, with_test_root):
    stranger = ThrowawayCA("Stranger CA", key_kind="ec256").intermediate.cert
    report = complete_chain([leaf, stranger, ca.intermediate.cert], roots=with_test_root)
    assert [der(e.certificate) for e in report.extra_certificates] == [der(stranger)]
    assert report.extra_certificates[0].sent_position == 1
    assert not report.out_of_order and not report.incomplete


def test_same_name_different_key_is_not_taken_for_the_issuer(tmp_path):
    # Two CAs with identical names: only the signature tells their intermediates apart.
    real, twin = ThrowawayCA("Twin CA", key_kind="ec256"), ThrowawayCA("Twin CA", key_kind="ec256")
    leaf = real.issue_server("127.0.0.1", key_kind="ec256").cert
    bundle = tmp_path / "twin.pem"
    bundle.write_bytes(pem(twin.root.cert))
    report = complete_chain([leaf, twin.intermediate.cert], roots=load_root_store([bundle]))
    assert len(report.entries) == 1 and report.incomplete
    assert [der(e.certificate) for e in report.extra_certificates] == [der(twin.intermediate.cert)]


def test_self_signed_leaf_is_flagged():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "self.example")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    report = complete_chain([cert], roots=load_root_store())
    assert report.self_signed_leaf and report.entries[0].self_signed
    assert not report.incomplete and not report.root_in_store


def test_a_trusted_root_beats_a_cross_signed_copy_from_an_old_root(ca, leaf, with_test_root):
    # Like Let's Encrypt's old chain: the server still sends its root cross-signed by a root
    # that has left the store; a client completes the chain with the root from its store.
    old_root = ThrowawayCA("Retired Root", key_kind="ec256").root
    cross_signed = (
        x509.CertificateBuilder()
        .subject_name(ca.root.cert.subject)
        .issuer_name(old_root.cert.subject)
        .public_key(ca.root.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(old_root.key, hashes.SHA256())
    )
    report = complete_chain([leaf, ca.intermediate.cert, cross_signed], roots=with_test_root)
    assert [der(e.certificate) for e in report.entries][-1] == der(ca.root.cert)
    assert report.root_from_store and not report.incomplete
    assert [der(e.certificate) for e in report.extra_certificates] == [der(cross_signed)]


def test_validity_is_judged_against_the_given_time(ca, leaf, with_test_root):
    sent = [leaf, ca.intermediate.cert]
    later = leaf.not_valid_after_utc + dt.timedelta(days=1)
    report = complete_chain(sent, roots=with_test_root, now=later)
    assert report.entries[0].expired and not report.entries[-1].expired  # the root lives longer
    assert report.any_expired
    earlier = leaf.not_valid_before_utc - dt.timedelta(days=1)
    report = complete_chain(sent, roots=with_test_root, now=earlier)
    assert report.entries[0].not_yet_valid and report.any_not_yet_valid
    assert not complete_chain(sent, roots=with_test_root).any_expired


def test_nothing_sent_is_a_programming_error(with_test_root):
    with pytest.raises(ValueError):
        complete_chain([], roots=with_test_root)


def test_mozilla_roots_are_loaded_quickly_and_cached():
    roots_module._load_root_store.cache_clear()
    started = time.perf_counter()
    store = load_root_store()
    elapsed = time.perf_counter() - started
    print(f"\nparsing certifi's bundle: {len(store)} roots in {elapsed * 1000:.1f} ms")
    assert len(store) > 100
    assert load_root_store() is store
    # Counted, not timed: the bundle is parsed once per process, whatever the machine's load.
    assert roots_module._load_root_store.cache_info().misses == 1


def test_a_well_known_mozilla_root_is_present():
    isrg = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Internet Security Research Group"),
            x509.NameAttribute(NameOID.COMMON_NAME, "ISRG Root X1"),
        ]
    )
    (found,) = load_root_store().with_subject(isrg)
    assert found.store == MOZILLA_ROOTS
    assert found.certificate.subject == found.certificate.issuer
    assert load_root_store().find(found.certificate) == found


def test_changed_bundle_is_reloaded(ca, tmp_path):
    bundle = tmp_path / "extra.pem"
    bundle.write_bytes(pem(ca.root.cert))
    first = load_root_store([bundle])
    other = ThrowawayCA("Second Root", key_kind="ec256").root.cert
    bundle.write_bytes(pem(ca.root.cert, other))
    os.utime(bundle, ns=(time.time_ns() + 10**9,) * 2)  # coarse file-system clocks
    second = load_root_store([bundle])
    assert len(second) == len(first) + 1
    assert second.find(other) == TrustedRoot(second.find(other).certificate, OPERATOR_ROOTS)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot read"),
        (b"just text\n", "contains no PEM certificates"),
        (
            b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
            "not valid",
        ),
    ],
)
def test_bad_extra_bundles_are_explained_to_the_operator(tmp_path, content, problem):
    bundle = tmp_path / "extra.pem"
    if content is not None:
        bundle.write_bytes(content)
    with pytest.raises(ValueError, match="FLASK_EXTRA_ROOTS") as caught:
        load_root_store([bundle])
    assert problem in str(caught.value)


def test_extra_root_paths_from_config():
    assert extra_root_paths(None) == extra_root_paths("") == ()
    assert [str(p) for p in extra_root_paths(f"/a.pem{os.pathsep}/b.pem")] == ["/a.pem", "/b.pem"]
    assert [str(p) for p in extra_root_paths(["/c.pem"])] == ["/c.pem"]
