"""What the Java platform reads: JKS stores, their aliases, the destination config, the bundle."""

from webapp.pki.java.aliases import (
    ALIAS_MAX_LENGTH,
    AliasError,
    fits_java_keystore,
    normalise_alias,
    suggest_alias,
    validate_alias,
)
from webapp.pki.java.bundle import build_bundle, next_steps
from webapp.pki.java.destination import HTTP_METHODS, DestinationConfig, file_path
from webapp.pki.java.file_names import (
    MAX_FILE_NAME,
    FileNameError,
    check_distinct,
    clean_file_name,
    safe_file_name,
)
from webapp.pki.java.jks import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    PasswordError,
    StoreContents,
    StoreEntry,
    StoreError,
    build_keystore,
    build_truststore,
    check_alias,
    check_password,
    read_store,
)

__all__ = [
    "ALIAS_MAX_LENGTH",
    "HTTP_METHODS",
    "MAX_FILE_NAME",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "AliasError",
    "DestinationConfig",
    "FileNameError",
    "PasswordError",
    "StoreContents",
    "StoreEntry",
    "StoreError",
    "build_bundle",
    "build_keystore",
    "build_truststore",
    "check_alias",
    "check_distinct",
    "clean_file_name",
    "check_password",
    "file_path",
    "fits_java_keystore",
    "next_steps",
    "normalise_alias",
    "read_store",
    "safe_file_name",
    "suggest_alias",
    "validate_alias",
]
