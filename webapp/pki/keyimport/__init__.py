"""Key pairs from the files people have: PKCS#12, PEM, PKCS#8 and DER, priced before decryption."""

from webapp.pki.keyimport.errors import (
    MAX_KEY_FILE_PASSWORD_LENGTH,
    KeyPairError,
    PasswordRequiredError,
    PasswordTooLongError,
    WrongPasswordError,
)
from webapp.pki.keyimport.generate import (
    KEY_TYPES,
    RequestFieldError,
    generate_key_and_request,
)
from webapp.pki.keyimport.keypairs import (
    KeyPair,
    load_key_pairs,
)

__all__ = [
    "KEY_TYPES",
    "KeyPair",
    "KeyPairError",
    "MAX_KEY_FILE_PASSWORD_LENGTH",
    "PasswordRequiredError",
    "PasswordTooLongError",
    "RequestFieldError",
    "WrongPasswordError",
    "generate_key_and_request",
    "load_key_pairs",
]
