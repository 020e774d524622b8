"""What Java reads: JKS and PKCS#12 stores, aliases, the destination config and other
consumers' settings (snippets), the bundle."""

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
from webapp.pki.java.pkcs12 import PKCS12_KDF_ROUNDS
from webapp.pki.java.rules import (
    MIN_PASSWORD_LENGTH,
    PasswordError,
    StoreContents,
    StoreEntry,
    StoreError,
    check_alias,
    check_password,
)
from webapp.pki.java.snippets import (
    DEFAULT_BUNDLE_NAME,
    Snippet,
    consumer_snippets,
    java_sslcontext_sample,
    jvm_system_properties,
    spring_bundle_properties,
    spring_bundle_yaml,
)
from webapp.pki.java.stores import (
    STORE_FORMATS,
    StoreFormat,
    build_keystore,
    build_truststore,
    check_store_password,
    default_file_name,
    detect_format,
    read_store,
    store_format,
    with_format_extension,
)

__all__ = [
    "ALIAS_MAX_LENGTH",
    "DEFAULT_BUNDLE_NAME",
    "HTTP_METHODS",
    "MIN_PASSWORD_LENGTH",
    "PKCS12_KDF_ROUNDS",
    "STORE_FORMATS",
    "AliasError",
    "DestinationConfig",
    "PasswordError",
    "Snippet",
    "StoreContents",
    "StoreEntry",
    "StoreError",
    "StoreFormat",
    "build_bundle",
    "build_keystore",
    "build_truststore",
    "check_alias",
    "check_password",
    "check_store_password",
    "consumer_snippets",
    "default_file_name",
    "detect_format",
    "file_path",
    "fits_java_keystore",
    "java_sslcontext_sample",
    "jvm_system_properties",
    "next_steps",
    "normalise_alias",
    "read_store",
    "spring_bundle_properties",
    "spring_bundle_yaml",
    "store_format",
    "suggest_alias",
    "validate_alias",
    "with_format_extension",
]
