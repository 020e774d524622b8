"""Parsing limits: iteration bombs, block and certificate counts, hostile sizes and nesting.

Every parse of user input must finish or be refused within two seconds (issue 4). The bombs
are crafted (writing a 100,000,000-iteration file for real would take minutes): a normal
file with a recognisable count whose INTEGER is then replaced in the DER.

A refused bomb is judged by the work done, not by the clock of a shared machine: OpenSSL's
key loaders never ran, and our own key derivation ran no more iterations than the limits
allow. The "most expensive allowed" tests below do time the loads: they check the
calibration (seconds per derivation step) that MAX_TOTAL_WORK rests on.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from tests.fuzz import crafted
from tests.pki.conftest import pem, run_tool
from tests.support.throwaway_pki import Issued, ThrowawayCA
from tests.support.tools import require_tool
from webapp.pki import der
from webapp.pki.certs.parse import (
    MAX_CERTIFICATES,
    CertificateParseError,
    parse_certificates,
)
from webapp.pki.certs.pem import MAX_PEM_BLOCKS
from webapp.pki.keyimport import pkcs12_contents
from webapp.pki.keyimport.kdf_limits import MAX_ITERATIONS, MAX_TOTAL_WORK
from webapp.pki.keyimport.keypairs import (
    MAX_KEY_ENTRIES,
    KeyPairError,
    NotAKeyPairError,
    TooSlowToOpenError,
    WrongPasswordError,
    load_key_pairs,
)

BOMB = 100_000_000
MARK = 2345  # a count no other INTEGER in these files has, so it can be found and replaced
PASSWORD = "limits-Secret!"
SECRET = PASSWORD.encode()
SECONDS = 2.0
NOISE = ("openssl", "error:", "asn", "der ", "parse", "traceback", "unable to")


@contextmanager
def within(seconds: float = SECONDS) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"took {elapsed:.2f} s"


@dataclass
class Derivations:
    """Password derivations a load started: counted, not timed."""

    own_iterations: int = 0  # our PKCS#12 KDF and PBKDF2 (to look inside encrypted content)
    openssl_loads: int = 0  # cryptography's key and PKCS#12 loaders, which derive in OpenSSL


@contextmanager
def counting_derivations() -> Iterator[Derivations]:
    counted = Derivations()

    def own(derive: Callable[..., Any]) -> Callable[..., Any]:
        def counting(password: Any, salt: Any, iterations: int, *args: Any) -> Any:
            counted.own_iterations += iterations
            return derive(password, salt, iterations, *args)

        return counting

    def openssl(load: Callable[..., Any]) -> Callable[..., Any]:
        def counting(*args: Any, **kwargs: Any) -> Any:
            counted.openssl_loads += 1
            return load(*args, **kwargs)

        return counting

    def pbkdf2(algorithm: Any, length: int, salt: bytes, iterations: int) -> Any:
        counted.own_iterations += iterations
        return real_pbkdf2(algorithm, length, salt, iterations)

    real_pbkdf2 = pkcs12_contents.PBKDF2HMAC
    with ExitStack() as patches:
        patches.enter_context(
            mock.patch.object(pkcs12_contents, "pkcs12_kdf", own(pkcs12_contents.pkcs12_kdf))
        )
        patches.enter_context(mock.patch.object(pkcs12_contents, "PBKDF2HMAC", pbkdf2))
        for module, name in [
            # the module every key loader calls (keypairs through webapp.pki.key_checks)
            (serialization, "load_pem_private_key"),
            (serialization, "load_der_private_key"),
            (pkcs12, "load_pkcs12"),
        ]:
            patches.enter_context(mock.patch.object(module, name, openssl(getattr(module, name))))
        yield counted


def refused_quickly(
    data: bytes, password: str | None = PASSWORD, *, error: type[Exception] = TooSlowToOpenError
) -> str:
    """Refused before OpenSSL derives anything, after at most MAX_TOTAL_WORK of our own."""
    with counting_derivations() as work, pytest.raises(error) as caught:
        load_key_pairs(data, password)
    assert work.openssl_loads == 0
    assert work.own_iterations <= MAX_TOTAL_WORK
    message = str(caught.value)
    assert message.endswith(".") and not any(word in message.lower() for word in NOISE)
    return message


@pytest.fixture(scope="module")
def ca() -> ThrowawayCA:
    return ThrowawayCA("Limits Root", key_kind="ec256")


@pytest.fixture(scope="module")
def owner(ca: ThrowawayCA) -> Issued:
    return ca.issue_client("Limits Client", key_kind="ec256")


def pfx(
    owner: Issued,
    *,
    mac: int = 2001,
    content: int = 2002,
    key: int = 2003,
    hidden_key: int | None = None,
    hidden_key_claims: int | None = None,
) -> bytes:
    """OpenSSL's layout (certificates encrypted, key shrouded) with a count for each part."""
    certs = [crafted.cert_bag(c) for c in owner.full_chain]
    if hidden_key is None:
        return crafted.build_pfx(
            crafted.encrypted_content(*certs, password=SECRET, rounds=content),
            crafted.data_content(crafted.shrouded_key_bag(owner.key, SECRET, rounds=key)),
            password=SECRET,
            mac_rounds=mac,
        )
    inner = crafted.shrouded_key_bag(owner.key, SECRET, rounds=hidden_key)
    if hidden_key_claims is not None:  # patched before encryption: visible only once decrypted
        inner = crafted.patch_integers(inner, hidden_key, hidden_key_claims)
    return crafted.build_pfx(
        crafted.encrypted_content(*certs, inner, password=SECRET, rounds=content),
        password=SECRET,
        mac_rounds=mac,
    )


# --- iteration bombs: PKCS#12 ----------------------------------------------------------------
def test_the_crafted_pkcs12_is_a_normal_file(owner):
    (pair,) = load_key_pairs(pfx(owner), PASSWORD)
    assert pair.certificate == owner.cert
    (pair,) = load_key_pairs(pfx(owner, hidden_key=2004), PASSWORD)
    assert pair.certificate == owner.cert


@pytest.mark.parametrize("part", ["mac", "content", "key"])
def test_a_pkcs12_iteration_bomb_is_refused_before_decrypting(owner, part):
    data = crafted.patch_integers(
        pfx(owner), {"mac": 2001, "content": 2002, "key": 2003}[part], BOMB
    )
    message = refused_quickly(data)
    assert "100,000,000 rounds" in message and f"{MAX_ITERATIONS:,}" in message
    refused_quickly(data, None)  # no password typed: still refused, not "password required"


def test_a_bomb_hidden_inside_the_encrypted_content_is_found_and_refused(owner):
    # OpenSSL would decrypt this key bag with 100,000,000 iterations (minutes of CPU): its
    # count only shows once the certificates' content is decrypted.
    data = pfx(owner, hidden_key=2004, hidden_key_claims=BOMB)
    refused_quickly(data)


def test_a_bomb_with_a_huge_integer_is_refused(owner):
    data = crafted.patch_integers(pfx(owner), 2001, 2**64 + 1)
    refused_quickly(data)


@pytest.mark.parametrize("legacy", [False, True], ids=["aes", "legacy-3des-rc2"])
def test_an_openssl_pkcs12_with_every_count_patched_is_refused(owner, tmp_path, legacy):
    """`openssl pkcs12 -export -iter N` sets the MAC, certificate and key counts alike."""
    openssl = require_tool("openssl")
    (tmp_path / "key.pem").write_bytes(owner.key_pem())
    (tmp_path / "chain.pem").write_bytes(pem(*owner.full_chain))
    run_tool(
        openssl,
        "pkcs12",
        "-export",
        "-inkey",
        "key.pem",
        "-in",
        "chain.pem",
        "-iter",
        str(MARK),
        "-passout",
        f"pass:{PASSWORD}",
        "-out",
        "normal.p12",
        *(["-legacy"] if legacy else []),
        cwd=tmp_path,
    )
    normal = (tmp_path / "normal.p12").read_bytes()
    assert load_key_pairs(normal, PASSWORD)[0].certificate == owner.cert
    bomb = crafted.patch_integers(normal, MARK, BOMB)
    assert len(crafted.parse(bomb)) == 1 and bomb.count(BOMB.to_bytes(4, "big")) == 3
    refused_quickly(bomb)
    refused_quickly(bomb, "wrong password")


def test_a_ber_encoded_bomb_is_refused(owner):
    data = crafted.patch_integers(pfx(owner), 2003, BOMB)
    header = 2 + (data[1] & 0x7F if data[1] & 0x80 else 0)
    refused_quickly(b"\x30\x80" + data[header:] + b"\x00\x00")


# --- iteration bombs: PKCS#8 keys ------------------------------------------------------------
def test_an_encrypted_pkcs8_pem_bomb_is_refused(owner):
    key = crafted.encrypted_pkcs8(owner.key, SECRET, rounds=MARK)
    assert load_key_pairs(key + pem(*owner.full_chain), PASSWORD)[0].certificate == owner.cert
    refused_quickly(crafted.patch_pem(key, MARK, BOMB) + pem(*owner.full_chain))


def test_an_encrypted_pkcs8_der_bomb_is_refused(owner):
    key = crafted.encrypted_pkcs8(owner.key, SECRET, rounds=MARK)
    der_key = crafted.patch_integers(crafted.parse_pem(key), MARK, BOMB)
    with counting_derivations() as work, pytest.raises(TooSlowToOpenError):
        load_key_pairs(pem(*owner.full_chain), PASSWORD, extra=der_key)
    assert work == Derivations(own_iterations=0, openssl_loads=0)


def test_a_pkcs8_v1_pem_bomb_is_refused(owner, tmp_path):
    """PBE-SHA1-3DES (the PKCS#12 KDF) is 20x slower in cryptography than in OpenSSL."""
    openssl = require_tool("openssl")
    (tmp_path / "key.pem").write_bytes(owner.key_pem())
    run_tool(
        openssl,
        "pkcs8",
        "-topk8",
        "-in",
        "key.pem",
        "-v1",
        "PBE-SHA1-3DES",
        "-iter",
        str(MARK),
        "-passout",
        f"pass:{PASSWORD}",
        "-out",
        "v1.pem",
        cwd=tmp_path,
    )
    key = (tmp_path / "v1.pem").read_bytes()
    refused_quickly(crafted.patch_pem(key, MARK, BOMB) + pem(*owner.full_chain))


def test_scrypt_keys_load_but_a_memory_bomb_is_refused(owner, tmp_path):
    openssl = require_tool("openssl")
    (tmp_path / "key.pem").write_bytes(owner.key_pem())
    run_tool(
        openssl,
        "pkcs8",
        "-topk8",
        "-in",
        "key.pem",
        "-scrypt",
        "-passout",
        f"pass:{PASSWORD}",
        "-out",
        "scrypt.pem",
        cwd=tmp_path,
    )
    key = (tmp_path / "scrypt.pem").read_bytes()
    assert load_key_pairs(key + pem(*owner.full_chain), PASSWORD)[0].certificate == owner.cert
    refused_quickly(crafted.patch_pem(key, 16384, 2**24) + pem(*owner.full_chain))


def test_many_keys_each_under_the_count_cap_are_refused_together(owner):
    key = crafted.encrypted_pkcs8(owner.key, SECRET, rounds=MARK)
    heavy = crafted.patch_pem(key, MARK, MAX_ITERATIONS)  # allowed alone...
    message = refused_quickly(heavy * 3 + pem(*owner.full_chain))  # ...not three of them
    assert "in total" in message or "too much" in message


# --- the cost of what is allowed: measured -----------------------------------------------
def measure(load: Callable[[], Any]) -> float:
    start = time.perf_counter()
    with suppress(KeyPairError):
        load()
    return time.perf_counter() - start


def test_the_most_expensive_allowed_pkcs12_opens_in_under_two_seconds(owner):
    # Work: MAC x3 (passwords) + content x3 + key; rounds chosen to land just under the limit.
    rounds = MAX_TOTAL_WORK // 7 - 1
    data = pfx(owner, mac=rounds, content=rounds, key=rounds)
    assert measure(lambda: load_key_pairs(data, PASSWORD)) < SECONDS
    assert measure(lambda: load_key_pairs(data, "wrong")) < SECONDS
    assert measure(lambda: load_key_pairs(data, None)) < SECONDS


def test_the_most_expensive_allowed_legacy_pkcs12_opens_in_under_two_seconds(owner, tmp_path):
    """RC2-40 certificates and a 3DES key: our own PKCS#12 KDF looks inside (the slow path)."""
    openssl = require_tool("openssl")
    (tmp_path / "key.pem").write_bytes(owner.key_pem())
    (tmp_path / "chain.pem").write_bytes(pem(*owner.full_chain))
    # Work: MAC x3 + RC2 content (2 runs) x3 + 3DES key (3 runs) = 12 x rounds.
    run_tool(
        openssl,
        "pkcs12",
        "-export",
        "-legacy",
        "-inkey",
        "key.pem",
        "-in",
        "chain.pem",
        "-iter",
        str(MAX_TOTAL_WORK // 12 - 1),
        "-passout",
        f"pass:{PASSWORD}",
        "-out",
        "worst.p12",
        cwd=tmp_path,
    )
    data = (tmp_path / "worst.p12").read_bytes()
    assert measure(lambda: load_key_pairs(data, PASSWORD)) < SECONDS
    assert measure(lambda: load_key_pairs(data, "wrong")) < SECONDS


def test_a_bomb_is_refused_over_http_and_the_page_says_why(app, owner):
    bomb = crafted.patch_integers(pfx(owner), 2001, BOMB)
    web = app.test_client()
    with counting_derivations() as work:
        response = web.post(
            "/keystore/import",
            data={"key_file": (io.BytesIO(bomb), "bomb.p12"), "key_password": PASSWORD},
            content_type="multipart/form-data",
            headers={"HX-Request": "true"},
        )
    assert work == Derivations(own_iterations=0, openssl_loads=0)
    assert response.status_code == 200
    assert "100,000,000 rounds" in response.get_data(as_text=True)


def test_the_most_expensive_allowed_pem_keys_open_in_under_two_seconds(owner):
    one = crafted.encrypted_pkcs8(owner.key, SECRET, rounds=MAX_ITERATIONS)
    assert measure(lambda: load_key_pairs(one + pem(*owner.full_chain), PASSWORD)) < SECONDS
    many = crafted.patch_pem(
        crafted.encrypted_pkcs8(owner.key, SECRET, rounds=MARK),
        MARK,
        MAX_TOTAL_WORK // MAX_KEY_ENTRIES,
    )
    assert (
        measure(lambda: load_key_pairs(many * MAX_KEY_ENTRIES + pem(*owner.full_chain), "wrong"))
        < SECONDS
    )


# --- counts and sizes ------------------------------------------------------------------------
def test_thousands_of_tiny_pem_blocks_are_refused_quickly(owner):
    block = b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"
    data = block * (1024 * 1024 // len(block))
    with within(), pytest.raises(CertificateParseError, match=f"more than {MAX_PEM_BLOCKS}"):
        parse_certificates(data)
    with within(), pytest.raises(NotAKeyPairError, match=f"more than {MAX_PEM_BLOCKS}"):
        load_key_pairs(data, None)


def test_too_many_certificates_are_refused(ca):
    cert = ca.issue_client("One of many", key_kind="ec256").cert
    many = [cert] * (MAX_CERTIFICATES + 1)
    p7b = pkcs7.serialize_certificates(many, serialization.Encoding.DER)
    with within(), pytest.raises(CertificateParseError, match=f"more than {MAX_CERTIFICATES}"):
        parse_certificates(p7b)
    assert len(parse_certificates(pem(cert) * MAX_CERTIFICATES)) == 1  # duplicates collapse


def test_a_megabyte_of_pkcs7_certificates_is_refused_quickly(owner):
    one = len(owner.cert.public_bytes(serialization.Encoding.DER))
    p7b = pkcs7.serialize_certificates(
        [owner.cert] * (1024 * 1024 // one), serialization.Encoding.DER
    )
    with within(), pytest.raises(CertificateParseError, match="more than"):
        parse_certificates(p7b)
    with within(), pytest.raises(NotAKeyPairError):
        load_key_pairs(p7b, None, extra=owner.key_pem())


@pytest.mark.parametrize(
    "data",
    [
        b"\x30\x84\xff\xff\xff\xff" + b"\x00" * 64,  # a length of 4 GiB in a tiny file
        b"\x30\x89" + b"\xff" * 9 + b"\x00" * 64,  # a length field longer than any file
        b"\x30\x80" * 400_000,  # BER nesting that never closes
        b"\x30\x82\xff\xff" * 200_000,  # definite nesting, every length a lie
        b"\x30\x80\x02\x01\x03\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"
        + b"\x30\x80" * 300_000,
        b"\x30\x83\x10\x00\x00\x02\x01\x03\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"
        + b"\x05\x00" * 500_000,
    ],
    ids=[
        "giant-length",
        "long-length-field",
        "ber-nesting",
        "definite-nesting",
        "pfx-then-nesting",
        "pfx-then-half-a-million-elements",
    ],
)
def test_hostile_der_is_refused_quickly(data):
    with within(), pytest.raises(KeyPairError):
        load_key_pairs(data, PASSWORD)
    with within(), pytest.raises(CertificateParseError):
        parse_certificates(data)


def test_the_der_reader_bounds_nesting():
    nested = b"\x30\x80" * (der.MAX_DEPTH + 5) + b"\x00\x00" * (der.MAX_DEPTH + 5)
    with pytest.raises(der.DerError, match="deeply"):
        der.read(nested)
    assert der.read(b"\x30\x80\x05\x00\x00\x00")[0].body == b"\x05\x00"


def test_a_wrong_password_is_still_a_wrong_password(owner):
    with pytest.raises(WrongPasswordError):
        load_key_pairs(pfx(owner), "not it")


def test_the_limits_are_documented_numbers():
    assert MAX_ITERATIONS == 1_000_000 and MAX_TOTAL_WORK == 2_000_000
    assert (MAX_PEM_BLOCKS, MAX_CERTIFICATES, MAX_KEY_ENTRIES) == (100, 100, 20)
