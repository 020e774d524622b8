"""The key rule read from the DER before OpenSSL's key check (issue 19, point 1).

The HTTP tests (tests/web/test_oversized_keys.py) show every path refuses big keys fast; these
show how: which forms the DER reader sizes, that the check still runs once on accepted keys
from uploaded stores, and that one upload cannot ask for many large checks.
"""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.support.big_keys import (
    KEY_16K,
    KEY_8676,
    big_key,
    encrypted_key_info,
    jks_file,
    jks_key_protect,
    self_signed,
)
from webapp.pki.java import open_store
from webapp.pki.java.opened import DamagedStoreError, OpenStoreError
from webapp.pki.key_checks import (
    MAX_KEY_CHECK_COST,
    KeyCheckBudget,
    der_key_reason,
    load_der_key,
)
from webapp.pki.keys import KeyRefusedError

PASSWORD = "checks-Store-pw-33"
_PLAIN = serialization.NoEncryption()


def _der(key, form: serialization.PrivateFormat) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, form, _PLAIN)


@pytest.mark.parametrize(
    "form", [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL]
)
@pytest.mark.parametrize("size", [KEY_8676, KEY_16K])
def test_the_size_is_read_from_pkcs8_and_pkcs1(form, size):
    key = big_key(size)
    reason = der_key_reason(_der(key, form))
    assert reason is not None and f"{key.key_size:,} bits" in reason
    started = time.perf_counter()
    with pytest.raises(KeyRefusedError):
        load_der_key(_der(key, form), None)
    assert time.perf_counter() - started < 0.5


def test_an_encrypted_key_is_sized_after_decryption_before_the_check():
    key = big_key(KEY_16K)
    encrypted = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    started = time.perf_counter()
    with pytest.raises(KeyRefusedError, match="15,636 bits"):
        load_der_key(encrypted, b"pw")
    assert time.perf_counter() - started < 0.5


def test_small_rsa_keys_are_refused_and_ec_keys_pass():
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert "too weak" in (der_key_reason(_der(small, serialization.PrivateFormat.PKCS8)) or "")
    p256 = ec.generate_private_key(ec.SECP256R1())
    assert der_key_reason(_der(p256, serialization.PrivateFormat.PKCS8)) is None
    assert load_der_key(_der(p256, serialization.PrivateFormat.PKCS8), None) is not None


def test_an_accepted_key_from_a_mersenne_pair_is_checked_and_loads():
    """4,484 bits (2^2203-1 times 2^2281-1): inside the rule, so OpenSSL's check runs."""
    key = big_key((2203, 2281))
    loaded = load_der_key(_der(key, serialization.PrivateFormat.PKCS8), None)
    assert isinstance(loaded, rsa.RSAPrivateKey) and loaded.key_size == 4484


def _inconsistent_key() -> bytes:
    """A 2048-bit key whose CRT exponent is wrong: only OpenSSL's check notices."""
    good = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_numbers()
    bad = rsa.RSAPrivateNumbers(
        good.p, good.q, good.d, good.dmp1 ^ 2, good.dmq1, good.iqmp, good.public_numbers
    )
    return _der(
        bad.private_key(unsafe_skip_rsa_key_validation=True), serialization.PrivateFormat.PKCS8
    )


def test_a_key_in_an_uploaded_jks_is_checked_once_not_skipped():
    """Issue 19: keys from uploaded stores were loaded with unsafe_skip_rsa_key_validation."""
    pkcs8 = _inconsistent_key()
    key = serialization.load_der_private_key(pkcs8, None, unsafe_skip_rsa_key_validation=True)
    cert = self_signed(key).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]
    blob = encrypted_key_info(jks_key_protect(pkcs8, PASSWORD))
    with pytest.raises(DamagedStoreError):
        open_store(jks_file([("mykey", blob, [cert])], PASSWORD), PASSWORD)
    with pytest.raises(ValueError):
        load_der_key(pkcs8, None)


def test_one_upload_cannot_ask_for_many_large_checks():
    budget = KeyCheckBudget()
    budget.spend(8192)  # one key of the largest size is fine
    with pytest.raises(KeyRefusedError, match="more large RSA keys"):
        for _ in range(MAX_KEY_CHECK_COST):
            budget.spend(4096)
    twenty = KeyCheckBudget()
    for _ in range(20):  # a store of 20 ordinary keys, the key count cap
        twenty.spend(3072)


def test_a_jks_with_many_large_keys_is_refused_before_checking_them_all():
    key = big_key((4423, 3217))  # 7,640 bits: inside the rule, ~2-5 s to check each
    pkcs8 = _der(key, serialization.PrivateFormat.PKCS8)
    cert = self_signed(key).public_bytes(serialization.Encoding.DER)
    blob = encrypted_key_info(jks_key_protect(pkcs8, PASSWORD))
    entries = [(f"key{i}", blob, [cert]) for i in range(3)]
    with pytest.raises(OpenStoreError, match="more large RSA keys"):
        open_store(jks_file(entries, PASSWORD), PASSWORD)
