"""Layer (a): generated hostile input straight into the PKI core (fast: most of the cases).

Invariant: each call returns, or raises the module's own user-facing error whose message is
a plain sentence; never another exception, never more than two seconds.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.record import examples, timed_case
from tests.fuzz.seeds import PASSWORD, build_seed_files
from tests.fuzz.strategies import field_values, mutated, passwords, upload_bytes
from webapp.pki.certs import (
    CertificateParseError,
    certificates_from_pem,
    describe_certificate,
    parse_certificates,
)
from webapp.pki.java.aliases import AliasError, suggest_alias, validate_alias
from webapp.pki.java.jks import StoreError, check_alias, check_password
from webapp.pki.keyimport.keypairs import KeyPair, KeyPairError, load_key_pairs

SEEDS = build_seed_files()
ALL = SEEDS.all()
FUZZ = settings.get_profile("fuzz")
# Words that would mean a library's error text reached the user.
NOISE = ("openssl", "error:", "asn.1", "traceback", "unable to", "deserialize", "pyo3")


def assert_plain(error: Exception) -> None:
    message = str(error)
    assert message and message[-1] in ".)", message
    assert not any(word in message.lower() for word in NOISE), message


@settings(FUZZ, max_examples=examples(1800))
@given(
    data=upload_bytes(ALL),
    password=passwords(PASSWORD),
    extra=st.one_of(st.none(), st.none(), upload_bytes(ALL)),
)
def test_key_pair_uploads_load_or_fail_in_plain_words(data, password, extra):
    with timed_case("load_key_pairs"):
        try:
            pairs = load_key_pairs(data, password, extra=extra)
        except KeyPairError as error:
            assert_plain(error)
            return
    for pair in pairs:  # what loaded must survive the vault round trip
        assert KeyPair.from_pem_bundle(pair.to_pem_bundle()).chain == pair.chain


@settings(FUZZ, max_examples=examples(1200))
@given(data=upload_bytes(ALL))
def test_certificate_uploads_parse_or_fail_in_plain_words(data):
    with timed_case("parse_certificates"):
        try:
            certs = parse_certificates(data)
        except CertificateParseError as error:
            assert_plain(error)
            return
        for cert in certs:  # everything the page then shows about them
            describe_certificate(cert)
            suggest_alias(cert, taken=["a", "b"])


@settings(FUZZ, max_examples=examples(500))
@given(alias=field_values)
def test_aliases_are_accepted_consistently_or_refused_in_plain_words(alias):
    with timed_case("aliases"):
        try:
            accepted = validate_alias(alias)
        except AliasError as error:
            assert_plain(error)
            with pytest.raises(AliasError):  # the store builder never accepts less
                if not alias.strip():
                    check_alias(alias)
                else:
                    raise AliasError("refused by the wizard") from None
            return
        assert check_alias(accepted) == accepted


@settings(FUZZ, max_examples=examples(300))
@given(password=field_values, confirmation=field_values)
def test_store_passwords_are_checked_in_plain_words(password, confirmation):
    with timed_case("check_password"):
        try:
            check_password(password, confirmation)
        except StoreError as error:
            assert_plain(error)


@settings(FUZZ, max_examples=examples(300))
@given(
    text=st.one_of(
        field_values,
        mutated(
            [s.decode("latin-1").encode() for s in [SEEDS.keypair_files["pem-key-and-chain"]]]
        ).map(lambda b: b.decode("utf-8", "replace")),
    )
)
def test_damaged_saved_state_is_refused_in_plain_words(text):
    """The vault is encrypted, but a bug elsewhere must not turn into a crash here."""
    with timed_case("saved state"):
        for read in (KeyPair.from_pem_bundle, certificates_from_pem):
            try:
                read(text)
            except (KeyPairError, CertificateParseError) as error:
                assert_plain(error)
