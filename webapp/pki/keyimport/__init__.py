"""Key pairs from the files people have: PKCS#12, PEM, PKCS#8 and DER, priced before decryption."""

from webapp.pki.keyimport.errors import (
    KeyMismatchError,
    KeyPairError,
    NotAKeyPairError,
    PasswordRequiredError,
    TooSlowToOpenError,
    UnsupportedKeyError,
    WrongPasswordError,
)
from webapp.pki.keyimport.generate import (
    DEFAULT_KEY_TYPE,
    KEY_TYPES,
    PLACEHOLDER_VALIDITY_DAYS,
    GeneratedRequest,
    KeyType,
    RequestFieldError,
    generate_key_and_request,
    request_subject,
)
from webapp.pki.keyimport.kdf_limits import MAX_ITERATIONS, MAX_TOTAL_WORK
from webapp.pki.keyimport.keypairs import KeyPair, load_key_pairs
from webapp.pki.keyimport.scan import MAX_KEY_ENTRIES

__all__ = [
    "DEFAULT_KEY_TYPE",
    "KEY_TYPES",
    "MAX_ITERATIONS",
    "MAX_KEY_ENTRIES",
    "MAX_TOTAL_WORK",
    "PLACEHOLDER_VALIDITY_DAYS",
    "GeneratedRequest",
    "KeyMismatchError",
    "KeyPair",
    "KeyPairError",
    "KeyType",
    "NotAKeyPairError",
    "PasswordRequiredError",
    "RequestFieldError",
    "TooSlowToOpenError",
    "UnsupportedKeyError",
    "WrongPasswordError",
    "generate_key_and_request",
    "load_key_pairs",
    "request_subject",
]
