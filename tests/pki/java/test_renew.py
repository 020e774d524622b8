"""Renewing a key entry (issue 13): a new key pair under the old alias, or the CA's reply."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from tests.support.renewed_keystore import plan_new_key_pair
from tests.support.throwaway_pki import Issued, ThrowawayCA
from webapp.pki.certs import CertificateParseError
from webapp.pki.java import CaReplyError, apply_ca_reply, build_keystore, open_store, read_store
from webapp.pki.java.renew import ChainNotCompleteError, ReplyKeyMismatchError
from webapp.pki.keyimport import KeyPair, generate_key_and_request
from webapp.pki.partner.roots import OPERATOR_ROOTS, RootStore, TrustedRoot

PASSWORD = "renew-Store-pw"


@pytest.fixture(scope="module")
def ca() -> ThrowawayCA:
    return ThrowawayCA("Renew Root", key_kind="ec256")


@pytest.fixture(scope="module")
def old(ca: ThrowawayCA) -> Issued:
    return ca.issue_client("Old Client", key_kind="ec256")


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def sign_for(ca: ThrowawayCA, public_key: object, name: str = "Renewed Client") -> x509.Certificate:
    """What a CA sends back: a certificate for the stored key, issued by the intermediate."""
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.intermediate.cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca.intermediate.key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def placeholder_store():
    """A keystore as `keytool -genkeypair` (or our generator) leaves it: self-signed leaf."""
    generated = generate_key_and_request(
        organisation="Example Ltd", common_name="Client", key_type="ec-p256"
    )
    pair = generated.key_pair
    data = build_keystore(
        alias="Client", private_key=pair.private_key, chain=pair.chain, password=PASSWORD
    )
    return open_store(data, PASSWORD)


def test_a_new_key_pair_keeps_the_old_alias(ca, old):
    data = build_keystore(
        alias="Partner API", private_key=old.key, chain=old.full_chain, password=PASSWORD
    )
    fresh = ca.issue_client("This Year", key_kind="ec256")
    plan = plan_new_key_pair(
        open_store(data, PASSWORD), KeyPair(fresh.key, fresh.cert, tuple(fresh.full_chain))
    )
    assert plan.alias == "partner api"
    rebuilt = read_store(plan.build(PASSWORD), PASSWORD)
    assert rebuilt.aliases == ("partner api",)
    assert rebuilt.entry("partner api").certificates == tuple(fresh.full_chain)


@pytest.mark.parametrize(
    "packaging", ["leaf-and-intermediate-pem", "pkcs7-full-chain", "der-leaf-with-root-store"]
)
def test_a_ca_reply_replaces_the_chain_up_to_the_root(ca, placeholder_store, packaging):
    entry = placeholder_store.key_entry()
    leaf = sign_for(ca, entry.private_key.public_key())
    roots = None
    if packaging == "leaf-and-intermediate-pem":
        reply, extra = pem(leaf, ca.intermediate.cert), [ca.root.cert]
    elif packaging == "pkcs7-full-chain":
        reply = pkcs7.serialize_certificates(
            [ca.root.cert, leaf, ca.intermediate.cert], serialization.Encoding.DER
        )
        extra = []
    else:
        reply, extra = leaf.public_bytes(serialization.Encoding.DER), [ca.intermediate.cert]
        roots = RootStore([TrustedRoot(ca.root.cert, OPERATOR_ROOTS)])
    pair = apply_ca_reply(entry, reply, roots=roots, extra_roots=extra)
    assert pair.chain == (leaf, ca.intermediate.cert, ca.root.cert)
    assert pair.private_key is entry.private_key and pair.source_alias == "client"
    rebuilt = read_store(
        build_keystore(
            alias=pair.source_alias,
            private_key=pair.private_key,
            chain=pair.chain,
            password=PASSWORD,
        ),
        PASSWORD,
    )
    assert rebuilt.entry("client").certificates == pair.chain


def test_a_reply_for_another_key_is_refused(ca, old, placeholder_store):
    with pytest.raises(ReplyKeyMismatchError) as raised:
        apply_ca_reply(placeholder_store.key_entry(), pem(*old.full_chain))
    assert str(raised.value).startswith(
        "This certificate belongs to another key, not to the key in this keystore."
    )


def test_a_chain_without_its_issuer_cannot_be_completed(ca, placeholder_store):
    entry = placeholder_store.key_entry()
    leaf = sign_for(ca, entry.private_key.public_key())
    with pytest.raises(ChainNotCompleteError) as raised:
        apply_ca_reply(entry, pem(leaf), roots=RootStore([]))
    assert raised.value.missing_issuer == "CN=Renew Root Intermediate,O=mtls-kit tests"
    assert str(raised.value) == (
        "The certificate chain cannot be completed: the certificate of its issuer “CN=Renew "
        "Root Intermediate,O=mtls-kit tests” is missing. Ask the CA for the full chain (for "
        "example a .p7b file) and upload that."
    )


def test_partial_keeps_a_reply_whose_issuer_is_missing(ca, placeholder_store):
    """Issue 20: the page offers to send it alone instead of refusing it."""
    entry = placeholder_store.key_entry()
    leaf = sign_for(ca, entry.private_key.public_key())
    renewed = apply_ca_reply(entry, pem(leaf), roots=RootStore([]), partial=True)
    assert renewed.chain == (leaf,) and renewed.private_key is entry.private_key


def test_a_reply_in_several_files(ca, placeholder_store):
    entry = placeholder_store.key_entry()
    leaf = sign_for(ca, entry.private_key.public_key())
    files = [
        pem(leaf),
        ca.intermediate.cert.public_bytes(serialization.Encoding.DER),
        pem(ca.root.cert),
    ]
    renewed = apply_ca_reply(entry, files, roots=RootStore([]))
    assert renewed.chain == (leaf, ca.intermediate.cert, ca.root.cert)


def test_the_placeholder_itself_is_not_a_reply(placeholder_store):
    entry = placeholder_store.key_entry()
    with pytest.raises(CaReplyError, match="own placeholder certificate"):
        apply_ca_reply(entry, pem(entry.certificate))


def test_an_unreadable_reply_says_so(placeholder_store):
    with pytest.raises(CertificateParseError):
        apply_ca_reply(placeholder_store.key_entry(), b"not a certificate")


def test_a_trusted_entry_cannot_take_a_reply(ca):
    from webapp.pki.java import build_truststore

    store = open_store(
        build_truststore(entries=[("root", ca.root.cert)], password=PASSWORD), PASSWORD
    )
    with pytest.raises(CaReplyError, match="holds no private key"):
        apply_ca_reply(store.entries[0], pem(ca.root.cert))
