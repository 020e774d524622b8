"""Settings for other Java consumers, from the same values as the destination JSON.

The platform's destination JSON (`DestinationConfig.to_json`) stays the default; these are
the same paths and passwords for a Spring Boot service (an SSL bundle, YAML or .properties),
for any JVM (javax.net.ssl system properties on the command line) and for code (a short JDK
SSLContext sample). Each is escaped for its own syntax, because a password may hold any
character: YAML double-quoted scalars, java.util.Properties escapes, POSIX shell quoting.
"""

from __future__ import annotations

import re
import shlex
import urllib.parse
from dataclasses import dataclass
from typing import NotRequired, TypedDict, Unpack

from webapp.pki.java.destination import DestinationConfig
from webapp.pki.java.escapes import java_string, properties_value, yaml_string
from webapp.pki.java.stores import StoreFormat, store_format
from webapp.translation import _

__all__ = [
    "DEFAULT_BUNDLE_NAME",
    "MASK",
    "Snippet",
    "SpringBundleOptions",
    "consumer_snippets",
    "java_sslcontext_sample",
    "jvm_system_properties",
    "spring_bundle_properties",
    "spring_bundle_yaml",
    "spring_literal",
    "spring_location",
]

MASK = "••••••••"  # as DestinationConfig.as_dict(mask=True) shows a password
DEFAULT_BUNDLE_NAME = "partner"
# Spring binds spring.ssl.bundle.jks.<name> as a map key: a dot or a space would split it.
_BUNDLE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


@dataclass(frozen=True)
class Snippet:
    """One settings block: a stable key, a title for its pane (in the reader's language),
    and the text (code and settings: never translated)."""

    key: str
    title: str
    text: str


def consumer_snippets(
    config: DestinationConfig,
    *,
    keystore_format: str | StoreFormat,
    truststore_format: str | StoreFormat,
    bundle: str = DEFAULT_BUNDLE_NAME,
    mask: bool = False,
) -> tuple[Snippet, ...]:
    """Every snippet, in the order the page shows them."""
    formats = {"keystore_format": keystore_format, "truststore_format": truststore_format}
    return (
        Snippet(
            "spring-yaml",
            _("Spring Boot (application.yml)"),
            spring_bundle_yaml(config, **formats, bundle=bundle, mask=mask),
        ),
        Snippet(
            "spring-properties",
            _("Spring Boot (application.properties)"),
            spring_bundle_properties(config, **formats, bundle=bundle, mask=mask),
        ),
        Snippet(
            "jvm",
            _("Any Java application (JVM options)"),
            jvm_system_properties(config, **formats, mask=mask),
        ),
        Snippet("java", _("Java code (SSLContext)"), java_sslcontext_sample(config, **formats)),
    )


def spring_location(path: str) -> str:
    """A Spring resource location for a file path: `file:`, forward slashes, percent-encoded.

    Spring turns `file:` locations into URLs; a Windows path's backslashes would not survive
    that, while the JDK opens C:/certs/keystore.jks as well as C:\\certs\\keystore.jks. As a
    URL, a `#` would start a fragment and a `%` an escape (issue 19): everything but letters,
    digits, `/`, `:` (the drive) and `-._~` is percent-encoded (UTF-8), which Spring decodes
    back to the file's path (ResourceUtils.getFile). `$`, `{` and `}` are encoded too, so no
    `${` placeholder can appear in a location.
    """
    return "file:" + urllib.parse.quote(path.replace("\\", "/"), safe="/:")


def spring_literal(value: str) -> str:
    """A value Spring must not resolve: `${` written `\\${` (issue 19).

    Spring resolves `${name}` in every property value, so a password holding `${HOME}` would
    become the home folder. Spring Framework 6.2 (Spring Boot 3.4) and later read `\\${` as a
    literal `${` (PlaceholderParser, escape character `\\`); earlier versions have no escape
    and read the backslash as part of the password, which then fails to open the store
    (safe, and said in the README).
    """
    return value.replace("${", "\\${")


class SpringBundleOptions(TypedDict):
    """The Spring builders' options besides the config: the two formats, bundle and mask."""

    keystore_format: str | StoreFormat
    truststore_format: str | StoreFormat
    bundle: NotRequired[str]  # default DEFAULT_BUNDLE_NAME
    mask: NotRequired[bool]  # default False


def spring_bundle_yaml(config: DestinationConfig, **options: Unpack[SpringBundleOptions]) -> str:
    """spring.ssl.bundle.jks.<bundle> as YAML (Spring Boot 3.1+)."""
    name, settings = _spring_settings(config, options)
    lines = ["spring:", "  ssl:", "    bundle:", "      jks:", f"        {name}:"]
    current = ""
    for key, value in settings:
        store, setting = key.split(".")
        if store != current:
            lines.append(f"          {store}:")
            current = store
        lines.append(f"            {setting}: {yaml_string(value)}")
    return "\n".join(lines) + "\n"


def spring_bundle_properties(
    config: DestinationConfig, **options: Unpack[SpringBundleOptions]
) -> str:
    """spring.ssl.bundle.jks.<bundle> as .properties lines (java.util.Properties escapes)."""
    name, settings = _spring_settings(config, options)
    mask = options.get("mask", False)
    # The mask is for reading on a page, not for pasting: shown as is, not as \u2022 escapes.
    lines = [
        f"spring.ssl.bundle.jks.{name}.{key}="
        f"{value if mask and value == MASK else properties_value(value)}"
        for key, value in settings
    ]
    return "\n".join(lines) + "\n"


def jvm_system_properties(
    config: DestinationConfig,
    *,
    keystore_format: str | StoreFormat,
    truststore_format: str | StoreFormat,
    mask: bool = False,
) -> str:
    """javax.net.ssl.* options for the java command line, quoted for a POSIX shell."""
    values = {
        "keyStore": config.keystore_file,
        "keyStorePassword": MASK if mask else config.keystore_pass,
        "keyStoreType": store_format(keystore_format).java_type,
        "trustStore": config.truststore_file,
        "trustStorePassword": MASK if mask else config.truststore_pass,
        "trustStoreType": store_format(truststore_format).java_type,
    }
    flags = [shlex.quote(f"-Djavax.net.ssl.{name}={value}") for name, value in values.items()]
    return " \\\n".join(flags) + "\n"


def java_sslcontext_sample(
    config: DestinationConfig,
    *,
    keystore_format: str | StoreFormat,
    truststore_format: str | StoreFormat,
) -> str:
    """A few lines of JDK code building an SSLContext; passwords come from the environment."""
    ks_type = store_format(keystore_format).java_type
    ts_type = store_format(truststore_format).java_type
    return f"""\
// Passwords from the environment: never write them into code.
char[] keyPass = System.getenv("KEYSTORE_PASSWORD").toCharArray();
char[] trustPass = System.getenv("TRUSTSTORE_PASSWORD").toCharArray();
KeyStore keyStore = KeyStore.getInstance("{ks_type}");
try (InputStream in = Files.newInputStream(Path.of({java_string(config.keystore_file)}))) {{
    keyStore.load(in, keyPass);
}}
KeyStore trustStore = KeyStore.getInstance("{ts_type}");
try (InputStream in = Files.newInputStream(Path.of({java_string(config.truststore_file)}))) {{
    trustStore.load(in, trustPass);
}}
KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
keys.init(keyStore, keyPass);  // the key password is the store password
TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
trust.init(trustStore);
SSLContext sslContext = SSLContext.getInstance("TLS");
sslContext.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
HttpClient client = HttpClient.newBuilder().sslContext(sslContext).build();
"""


# --- helpers ---------------------------------------------------------------------------------
def _spring_settings(
    config: DestinationConfig, options: SpringBundleOptions
) -> tuple[str, list[tuple[str, str]]]:
    """The bundle's name and its settings as ("store.setting", value), in the order both
    Spring syntaxes list them: one list, so the YAML and the .properties cannot drift apart."""
    name = _bundle(options.get("bundle", DEFAULT_BUNDLE_NAME))
    mask = options.get("mask", False)
    stores = (
        ("keystore", config.keystore_file, config.keystore_pass, options["keystore_format"]),
        (
            "truststore",
            config.truststore_file,
            config.truststore_pass,
            options["truststore_format"],
        ),
    )
    settings = [
        setting
        for store, path, password, fmt in stores
        for setting in (
            (f"{store}.location", spring_location(path)),
            (f"{store}.password", MASK if mask else spring_literal(password)),
            (f"{store}.type", store_format(fmt).java_type),
        )
    ]
    return name, settings


def _bundle(name: str) -> str:
    if not _BUNDLE_NAME.fullmatch(name):
        raise ValueError(_("Name the SSL bundle with lower-case letters, digits and hyphens."))
    return name
