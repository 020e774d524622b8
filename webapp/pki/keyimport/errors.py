"""What can go wrong when reading a user's key pair file: one exception type per cause.

Every class is a `KeyPairError`, whose str() is a sentence to show the user as is.
"""

from __future__ import annotations

__all__ = [
    "KeyMismatchError",
    "MAX_KEY_FILE_PASSWORD_LENGTH",
    "KeyPairError",
    "NotAKeyPairError",
    "PasswordTooLongError",
    "PasswordRequiredError",
    "TooManyPartsError",
    "TooSlowToOpenError",
    "UnsupportedKeyError",
    "WrongPasswordError",
]


class KeyPairError(ValueError):
    """The upload is not a usable key pair; str() is a sentence for the user."""


class PasswordRequiredError(KeyPairError):
    def __init__(self) -> None:
        super().__init__("This file is protected by a password. Enter the key pair file password.")


# Key pair file passwords come from whatever made the file (password managers, HSM exports,
# generated secrets); real ones stay far below this. Over it we refuse in words instead of
# cutting the password short and reporting a "wrong password" (issue 10, hole 6).
MAX_KEY_FILE_PASSWORD_LENGTH = 4096


class PasswordTooLongError(KeyPairError):
    def __init__(self) -> None:
        super().__init__(
            f"This password is longer than {MAX_KEY_FILE_PASSWORD_LENGTH} "
            "characters, more than any key pair file uses. Check what was pasted."
        )


class WrongPasswordError(KeyPairError):
    def __init__(self) -> None:
        super().__init__(
            "The password does not open this file. Check the key pair file password and try again."
        )


class NotAKeyPairError(KeyPairError):
    """The file is readable but holds no private key (or is not a key pair file at all)."""


class KeyMismatchError(KeyPairError):
    def __init__(self) -> None:
        super().__init__(
            "The private key does not belong to this certificate. Use the key "
            "file that was created together with the certificate."
        )


class UnsupportedKeyError(KeyPairError):
    """A key type Java clients cannot use with us (DSA, Ed448, unusual curves...)."""


class TooSlowToOpenError(KeyPairError):
    """The file asks for more password hashing than we spend on one upload (an "iteration
    bomb", or a tool set to extreme values)."""


class TooManyPartsError(KeyPairError):
    """A PKCS#12 file made of far more ContentInfos or bags than any tool writes."""

    def __init__(self) -> None:
        super().__init__(
            "This file is made of far more parts (keys, certificates and other items) than "
            "any key pair file or keystore holds. Export only what you need and upload that."
        )
