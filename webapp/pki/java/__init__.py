"""What Java reads: JKS and PKCS#12 stores, aliases, the destination config and other
consumers' settings (snippets), the bundle.
"""

from webapp.pki.java.aliases import (
    AliasError,
    alias_from_store,
    alias_problem,
    alias_used_above,
    normalise_alias,
    repeated_aliases,
    suggest_alias,
    validate_alias,
)
from webapp.pki.java.bundle import (
    ConnectionTestNote,
    build_bundle,
)
from webapp.pki.java.destination import (
    HTTP_METHODS,
    DestinationConfig,
    file_path,
)
from webapp.pki.java.file_names import (
    MAX_FILE_NAME,
    FileNameError,
    clean_file_name,
    safe_file_name,
)
from webapp.pki.java.open_store import (
    open_store,
)
from webapp.pki.java.opened import (
    KeyPasswordRequiredError,
    NoKeyEntryError,
    NotAStoreError,
    OpenedEntry,
    OpenedStore,
    OpenStoreError,
    StorePasswordError,
    StoreType,
    WrongKeyPasswordError,
)
from webapp.pki.java.reminder import (
    ExpiryReminder,
    ReminderError,
    expiry_reminder,
)
from webapp.pki.java.renew import (
    CaReplyError,
    apply_ca_reply,
)
from webapp.pki.java.rules import (
    CHOOSE_PASSWORD,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    PasswordError,
    StoreContents,
    StoreError,
)
from webapp.pki.java.snippets import (
    DEFAULT_BUNDLE_NAME,
    Snippet,
    consumer_snippets,
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
from webapp.pki.java.truststore_update import (
    RECOMMENDATIONS,
    STATUS_LABELS,
    TrustChange,
    compare_truststore,
)

__all__ = [
    "AliasError",
    "CHOOSE_PASSWORD",
    "CaReplyError",
    "ConnectionTestNote",
    "DEFAULT_BUNDLE_NAME",
    "DestinationConfig",
    "ExpiryReminder",
    "FileNameError",
    "HTTP_METHODS",
    "KeyPasswordRequiredError",
    "MAX_FILE_NAME",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "NoKeyEntryError",
    "NotAStoreError",
    "OpenStoreError",
    "OpenedEntry",
    "OpenedStore",
    "PasswordError",
    "RECOMMENDATIONS",
    "ReminderError",
    "STATUS_LABELS",
    "STORE_FORMATS",
    "Snippet",
    "StoreContents",
    "StoreError",
    "StoreFormat",
    "StorePasswordError",
    "StoreType",
    "TrustChange",
    "WrongKeyPasswordError",
    "alias_from_store",
    "alias_problem",
    "alias_used_above",
    "apply_ca_reply",
    "build_bundle",
    "build_keystore",
    "build_truststore",
    "check_store_password",
    "clean_file_name",
    "compare_truststore",
    "consumer_snippets",
    "default_file_name",
    "detect_format",
    "expiry_reminder",
    "file_path",
    "normalise_alias",
    "open_store",
    "read_store",
    "repeated_aliases",
    "safe_file_name",
    "store_format",
    "suggest_alias",
    "validate_alias",
    "with_format_extension",
]
