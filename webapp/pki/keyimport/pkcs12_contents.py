"""Decrypt a PKCS#12 file's encrypted content ourselves, only to look inside it.

Key bags can hide inside the encrypted content, and OpenSSL decrypts the first key bag it
meets with whatever iteration count that bag names: a count we can only read after
decrypting the content. So before `load_pkcs12` runs, we decrypt each encrypted content
(whose own count is already checked) with the passwords OpenSSL would try, and return the
key bags found inside, so their counts can be checked too. `check_key_bags` decrypts each
shrouded key bag the same way, so every key's size is judged before `load_pkcs12` runs
OpenSSL's RSA check on one of them (issue 19).

Schemes: PBES2 with PBKDF2 and AES-CBC or 3DES (OpenSSL 3, JDK 12+), and the PKCS#12 PBE
family (RFC 7292 appendix B/C: 3DES, RC2, RC4; OpenSSL -legacy, Windows, JDK 8-11).
A password scheme outside these is refused: we could not check what hides behind it.

`openssl_load` is the one call of OpenSSL's own reader (`load_pkcs12`), for the key import
and the store opener alike.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Sequence

from Cryptodome.Cipher import ARC2  # RC2 with 40 effective bits; a dependency of pyjks
from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, RC2, TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import (
    Cipher,
    CipherAlgorithm,
    algorithms,
    modes,
)
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12

from webapp.pki import der
from webapp.pki.certs.parse import tolerating_old_serials
from webapp.pki.der import Element
from webapp.pki.key_checks import KeyCheckBudget, check_plain_key
from webapp.pki.keyimport.errors import TooManyPartsError, TooSlowToOpenError
from webapp.pki.keyimport.kdf_limits import KdfCost, check_costs
from webapp.pki.keyimport.oids import (
    AES_KEY_SIZES,
    DES_EDE3_CBC,
    HMAC_PRFS,
    PBES2,
    PBKDF2,
    pkcs12_pbe_number,
)
from webapp.pki.keyimport.pkcs12_structure import (
    CANDIDATE_PASSWORDS,
    BagTally,
    EncryptedContent,
    Pkcs12Layout,
    SafeBag,
    is_utf8,
    key_bag_costs,
    read_safe_contents,
)
from webapp.translation import _

__all__ = ["check_key_bags", "hidden_bags", "openssl_can_use", "openssl_load", "pkcs12_kdf"]

# PBKDF2 pseudo-random functions this module can compute, by OID.
_PRFS: dict[bytes, type[hashes.HashAlgorithm]] = {
    oid: getattr(hashes, name.upper()) for oid, (name, _size) in HMAC_PRFS.items()
}

_Decrypt = Callable[[bytes, bytes, bytes], bytes]  # (key, iv, ciphertext) -> padded plaintext


def _cbc(algorithm: Callable[[bytes], CipherAlgorithm]) -> _Decrypt:
    def decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
        decryptor = Cipher(algorithm(key), modes.CBC(iv)).decryptor()
        return decryptor.update(data) + decryptor.finalize()

    return decrypt


def _rc2_40(key: bytes, iv: bytes, data: bytes) -> bytes:
    # pycryptodomex's stubs omit effective_keylen, which RC2-40 needs (RFC 2268 section 2).
    cipher = ARC2.new(key, ARC2.MODE_CBC, iv=iv, effective_keylen=40)  # type: ignore[call-arg]
    return bytes(cipher.decrypt(data))


def _rc4(key: bytes, iv: bytes, data: bytes) -> bytes:
    return Cipher(ARC4(key), mode=None).decryptor().update(data)


# PKCS#12 PBE, by the last byte of its OID: (key size, IV size, cipher).
_PKCS12_CIPHERS: dict[int, tuple[int, int, _Decrypt]] = {
    1: (16, 0, _rc4),
    2: (5, 0, _rc4),
    3: (24, 8, _cbc(TripleDES)),
    4: (16, 8, _cbc(TripleDES)),
    5: (16, 8, _cbc(RC2)),
    6: (5, 8, _rc2_40),
}


def hidden_bags(layout: Pkcs12Layout, secret: bytes | None) -> list[SafeBag]:
    """The key and certificate bags inside the encrypted contents, each content decrypted
    with the first password that opens it. They count against the file's bag cap with the
    bags outside (TooManyPartsError)."""
    found: list[SafeBag] = []
    tally = BagTally(layout.bag_count)
    for content in layout.encrypted_contents:
        for password in _candidates(secret):
            try:
                plaintext = _decrypt(content, password)
                if plaintext is not None:
                    # One password opens it; another would only give garbage.
                    found += read_safe_contents(plaintext, tally)
                    break
            except (TooSlowToOpenError, TooManyPartsError):
                raise
            except ValueError:
                # Malformed parameters or ciphertext (OpenSSL cannot decrypt them either), or
                # a wrong password that happened to leave valid-looking padding.
                continue
    return found


def openssl_can_use(secret: bytes | None) -> bool:
    """Could these password bytes be right? OpenSSL takes a UTF-8 C string: a NUL or a lone
    surrogate cannot be part of a PKCS#12 password (the binding panics or fails oddly)."""
    return secret is None or (b"\0" not in secret and is_utf8(secret))


def check_key_bags(
    bags: Sequence[SafeBag], secret: bytes | None, budget: KeyCheckBudget, costs: list[KdfCost]
) -> None:
    """The key rule (webapp.pki.key_checks) for every key bag, before `load_pkcs12` runs.

    load_pkcs12 runs OpenSSL's RSA key check on the key it returns, whatever its size (an
    8,676-bit key: 7.5 s; issue 19). So each shrouded bag is decrypted here first, with the
    passwords OpenSSL would try, and its size read from the DER. That decryption is added to
    `costs` (what the upload has priced so far) and checked before any is done. A plaintext
    that is no key (a wrong password leaving valid padding) reads as no RSA key and passes.
    """
    costs += key_bag_costs(bags, passwords=CANDIDATE_PASSWORDS)
    check_costs(costs)
    for bag in bags:
        if not bag.is_key:
            continue
        if not bag.shrouded:
            check_plain_key(bag.value, budget)
            continue
        algorithm, ciphertext = der.children(der.single(bag.value), at_least=2)[:2]
        content = EncryptedContent(algorithm, der.octets(ciphertext))
        for password in _candidates(secret):
            try:
                plaintext = _decrypt(content, password)
            except TooSlowToOpenError:
                raise
            except ValueError:
                continue
            if plaintext is not None:
                check_plain_key(plaintext, budget)


def openssl_load(pfx: bytes, secret: bytes | None) -> pkcs12.PKCS12KeyAndCertificates:
    """OpenSSL's reading of a PFX whose costs were checked; it verifies the MAC first.

    ValueError or UnsupportedAlgorithm when the password does not open it.
    """
    with warnings.catch_warnings(), tolerating_old_serials():
        # BER files load after a "could not be parsed as DER" warning: they are fine.
        warnings.filterwarnings(
            "ignore", message="PKCS#12 bundle could not be parsed", category=UserWarning
        )
        return pkcs12.load_pkcs12(pfx, secret)


def _candidates(secret: bytes | None) -> list[bytes | None]:
    """The passwords OpenSSL may use: the typed one, then "" and none (as PKCS12_parse)."""
    return ([secret] if secret else []) + [b"", None]


def _decrypt(content: EncryptedContent, password: bytes | None) -> bytes | None:
    """The plaintext, or None when this password does not open it."""
    if not content.ciphertext:
        return None
    oid, params = _algorithm(content.algorithm)
    number = pkcs12_pbe_number(oid)
    if number is not None:
        key_size, iv_size, decrypt = _PKCS12_CIPHERS[number]
        salt, count = der.children(params, at_least=2)[:2]
        bmp = b"" if password is None else _bmp_string(password)
        iterations = der.integer(count)
        key = pkcs12_kdf(bmp, der.octets(salt), iterations, 1, key_size)
        iv = pkcs12_kdf(bmp, der.octets(salt), iterations, 2, iv_size) if iv_size else b""
        return _unpad(decrypt(key, iv, content.ciphertext), iv_size)
    if oid == PBES2:
        return _pbes2(params, password or b"", content.ciphertext)
    raise _unsupported()


def _pbes2(params: Element, password: bytes, ciphertext: bytes) -> bytes | None:
    kdf, scheme = der.children(params, at_least=2)[:2]
    kdf_oid, kdf_params = _algorithm(kdf)
    cipher_oid, iv = _algorithm(scheme)
    if kdf_oid != PBKDF2 or iv.tag != 0x04:
        raise _unsupported()
    salt, count, *optional = der.children(kdf_params, at_least=2)
    prf: type[hashes.HashAlgorithm] = hashes.SHA1
    for item in optional:
        if item.tag == 0x30:
            prf = _PRFS.get(_algorithm(item)[0]) or _raise_unsupported()
    if cipher_oid in AES_KEY_SIZES:
        size, block, decrypt = AES_KEY_SIZES[cipher_oid], 16, _cbc(algorithms.AES)
    elif cipher_oid == DES_EDE3_CBC:
        size, block, decrypt = 24, 8, _cbc(TripleDES)
    else:
        raise _unsupported()
    key = PBKDF2HMAC(prf(), size, der.octets(salt), der.integer(count)).derive(password)
    return _unpad(decrypt(key, der.octets(iv), ciphertext), block)


def pkcs12_kdf(password: bytes, salt: bytes, iterations: int, purpose: int, size: int) -> bytes:
    """RFC 7292 appendix B.2 with SHA-1 (u = 20, v = 64); `password` as a BMPString."""
    u, v = 20, 64
    diversifier = bytes([purpose]) * v
    stretched = _stretch(salt, v) + _stretch(password, v)
    blocks = bytearray(stretched)
    out = b""
    while len(out) < size:
        digest = hashlib.sha1(diversifier + bytes(blocks)).digest()
        for _round in range(iterations - 1):
            digest = hashlib.sha1(digest).digest()
        out += digest
        b = int.from_bytes((digest * (v // u + 1))[:v], "big")
        for start in range(0, len(blocks), v):
            value = (int.from_bytes(blocks[start : start + v], "big") + b + 1) % (1 << (8 * v))
            blocks[start : start + v] = value.to_bytes(v, "big")
    return out[:size]


def _bmp_string(password: bytes) -> bytes:
    """The password as PKCS#12's KDF wants it: UTF-16BE with a terminating NUL (RFC 7292 B.1)."""
    text = password.decode("utf-8", "surrogatepass")
    return text.encode("utf-16-be", "surrogatepass") + b"\0\0"


def _stretch(data: bytes, v: int) -> bytes:
    """`data` repeated to fill a whole number of v-byte blocks (empty stays empty)."""
    if not data:
        return b""
    length = v * -(-len(data) // v)
    return (data * (length // len(data) + 1))[:length]


def _unpad(padded: bytes, block_size: int) -> bytes | None:
    if block_size == 0:  # a stream cipher: nothing to check here
        return padded
    pad = padded[-1] if padded else 0
    if not 1 <= pad <= block_size or padded[-pad:] != bytes([pad]) * pad:
        return None
    return padded[:-pad]


def _algorithm(algorithm: Element) -> tuple[bytes, Element]:
    parts = der.children(algorithm)
    if len(parts) < 2 or parts[0].tag != 0x06:
        raise der.DerError("not an AlgorithmIdentifier with parameters")
    return parts[0].body, parts[1]


def _unsupported() -> TooSlowToOpenError:
    return TooSlowToOpenError(
        _(
            "This file is protected with a password scheme we cannot check safely. Export the "
            "key pair again with your tool's default settings."
        )
    )


def _raise_unsupported() -> type[hashes.HashAlgorithm]:
    raise _unsupported()
