"""What can go wrong when reading a user's key pair file: one exception type per cause.

Every class is a `KeyPairError`, whose str() is a sentence to show the user as is, in
their language (raised within their request; English outside one, as on the command line).
The `NotAKeyPairError` sentences `keypairs` raises are built by the functions at the end.
"""

from __future__ import annotations

from webapp.translation import _, ngettext

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
    "certificate_request",
    "certificates_without_key",
    "key_without_certificate",
    "not_a_key_pair",
    "too_many_certificates",
]


class KeyPairError(ValueError):
    """The upload is not a usable key pair; str() is a sentence for the user."""


class PasswordRequiredError(KeyPairError):
    def __init__(self) -> None:
        super().__init__(
            _("This file is protected by a password. Enter the key pair file password.")
        )


# Key pair file passwords come from whatever made the file (password managers, HSM exports,
# generated secrets); real ones stay far below this. Over it we refuse in words instead of
# cutting the password short and reporting a "wrong password" (issue 10, hole 6).
MAX_KEY_FILE_PASSWORD_LENGTH = 4096


class PasswordTooLongError(KeyPairError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "This password is longer than {n} characters, more than any key pair file "
                "uses. Check what was pasted.",
                n=MAX_KEY_FILE_PASSWORD_LENGTH,
            )
        )


class WrongPasswordError(KeyPairError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "The password does not open this file. Check the key pair file password "
                "and try again."
            )
        )


class NotAKeyPairError(KeyPairError):
    """The file is readable but holds no private key (or is not a key pair file at all)."""


class KeyMismatchError(KeyPairError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "The private key does not belong to this certificate. Use the key "
                "file that was created together with the certificate."
            )
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
            _(
                "This file is made of far more parts (keys, certificates and other items) "
                "than any key pair file or keystore holds. Export only what you need and "
                "upload that."
            )
        )


def not_a_key_pair() -> NotAKeyPairError:
    return NotAKeyPairError(
        _(
            "This is not a key pair file we can read. Use a .p12 or .pfx file, or a .pem "
            "file with the private key and its certificate."
        )
    )


def certificate_request() -> NotAKeyPairError:
    return NotAKeyPairError(
        _(
            "This is a certificate request (CSR), not a key pair. Once the certificate "
            "has been issued, upload it together with its private key."
        )
    )


def too_many_certificates(limit: int, *, one_file: bool) -> NotAKeyPairError:
    """More than `limit` certificates in one PKCS#12 file, or in the whole upload."""
    if one_file:
        return NotAKeyPairError(
            _(
                "This file holds more than {n} certificates. Export only the key pair and "
                "its own chain.",
                n=limit,
            )
        )
    return NotAKeyPairError(
        _(
            "This upload holds more than {n} certificates. Upload only the key pair and its "
            "own chain.",
            n=limit,
        )
    )


def certificates_without_key(count: int) -> NotAKeyPairError:
    # Issue 12: partners' certificates land here by mistake; a key can never come with them.
    return NotAKeyPairError(
        ngettext(
            "This looks like a certificate without a private key. If it is the partner's, "
            "add it in step 2, Truststore. If it is yours, add your private key file as well "
            "(“My private key is in a separate file”), or use the .p12 or .pfx file you "
            "were given.",
            "This looks like certificates without a private key. If it is the partner's, "
            "add it in step 2, Truststore. If it is yours, add your private key file as well "
            "(“My private key is in a separate file”), or use the .p12 or .pfx file you "
            "were given.",
            count,
        )
    )


def key_without_certificate() -> NotAKeyPairError:
    return NotAKeyPairError(
        _(
            "This file holds only a private key, without its certificate. "
            "Add the certificate file as well."
        )
    )
