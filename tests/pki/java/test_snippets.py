"""Settings for other Java consumers: each snippet parsed back by its own format's rules."""

from __future__ import annotations

import subprocess
import urllib.parse
from pathlib import Path

import pytest

from tests.support.config_formats import read_block_yaml, read_properties, read_shell_words
from tests.support.java import JAVA_ENV
from tests.support.throwaway_pki import ThrowawayCA
from tests.support.tools import require_tool
from webapp.pki.java import (
    DestinationConfig,
    StoreFormat,
    build_keystore,
    build_truststore,
    consumer_snippets,
    file_path,
    java_sslcontext_sample,
    jvm_system_properties,
    read_store,
    spring_bundle_properties,
    spring_bundle_yaml,
)
from webapp.pki.java.snippets import MASK, spring_location

# Every character each syntax treats specially: quotes, escapes, separators, comments,
# shell metacharacters, a leading space, non-ASCII (BMP and beyond), YAML 1.1 line breaks.
TRICKY_PASSWORDS = [
    "changeit",
    " leading space",
    "a:b=c#d!e\\f\"g'h",
    "$(rm -rf ~)`x`;&|<>*?",
    "Grüße-€-😀-\u0085-\u2028-\ufeff",
    "tab\there",
]
FORMATS = {"keystore_format": "pkcs12", "truststore_format": StoreFormat.JKS}


def config(
    keystore_pass: str, truststore_pass: str = "trust-me-1", folder: str = "/opt/mtls certs"
) -> DestinationConfig:
    return DestinationConfig(
        url="https://partner.example:8443/in",
        method="POST",
        keystore_file=file_path(folder, "keystore.p12"),
        keystore_pass=keystore_pass,
        truststore_file=file_path(folder, "truststore.jks"),
        truststore_pass=truststore_pass,
    )


def spring_values(settings: dict) -> dict:
    return settings["spring"]["ssl"]["bundle"]["jks"]["partner"]


@pytest.mark.parametrize("password", TRICKY_PASSWORDS)
def test_spring_yaml_reads_back(password: str) -> None:
    cfg = config(password, password[::-1])
    bundle = spring_values(read_block_yaml(spring_bundle_yaml(cfg, **FORMATS)))
    assert bundle == {
        "keystore": {
            "location": "file:/opt/mtls%20certs/keystore.p12",
            "password": password,
            "type": "PKCS12",
        },
        "truststore": {
            "location": "file:/opt/mtls%20certs/truststore.jks",
            "password": password[::-1],
            "type": "JKS",
        },
    }


@pytest.mark.parametrize("password", TRICKY_PASSWORDS)
def test_spring_properties_read_back(password: str) -> None:
    text = spring_bundle_properties(config(password), **FORMATS)
    assert text.isascii()  # \\uXXXX escapes: the same to Java (ISO-8859-1) and Spring (UTF-8)
    prefix = "spring.ssl.bundle.jks.partner."
    assert read_properties(text) == {
        prefix + "keystore.location": "file:/opt/mtls%20certs/keystore.p12",
        prefix + "keystore.password": password,
        prefix + "keystore.type": "PKCS12",
        prefix + "truststore.location": "file:/opt/mtls%20certs/truststore.jks",
        prefix + "truststore.password": "trust-me-1",
        prefix + "truststore.type": "JKS",
    }


@pytest.mark.parametrize("password", TRICKY_PASSWORDS)
def test_jvm_options_survive_the_shell(password: str) -> None:
    words = read_shell_words(jvm_system_properties(config(password), **FORMATS))
    assert all(word.startswith("-Djavax.net.ssl.") for word in words)
    assert dict(word[len("-D") :].split("=", 1) for word in words) == {
        "javax.net.ssl.keyStore": "/opt/mtls certs/keystore.p12",
        "javax.net.ssl.keyStorePassword": password,
        "javax.net.ssl.keyStoreType": "PKCS12",
        "javax.net.ssl.trustStore": "/opt/mtls certs/truststore.jks",
        "javax.net.ssl.trustStorePassword": "trust-me-1",
        "javax.net.ssl.trustStoreType": "JKS",
    }


def test_windows_folders_become_spring_file_locations() -> None:
    cfg = config("changeit", folder="C:\\mtls\\certs")
    assert cfg.keystore_file == "C:\\mtls\\certs\\keystore.p12"
    bundle = spring_values(read_block_yaml(spring_bundle_yaml(cfg, **FORMATS)))
    assert bundle["keystore"]["location"] == "file:C:/mtls/certs/keystore.p12"
    words = read_shell_words(jvm_system_properties(cfg, **FORMATS))
    assert "-Djavax.net.ssl.keyStore=C:\\mtls\\certs\\keystore.p12" in words


def test_masked_snippets_hold_no_password() -> None:
    secret, other = "s3cr3t-keystore", "s3cr3t-truststore"
    for snippet in consumer_snippets(config(secret, other), **FORMATS, mask=True):
        assert secret not in snippet.text and other not in snippet.text, snippet.key
    masked = consumer_snippets(config(secret, other), **FORMATS, mask=True)
    assert spring_values(read_block_yaml(masked[0].text))["keystore"]["password"] == MASK
    assert [s.key for s in masked] == ["spring-yaml", "spring-properties", "jvm", "java"]


def test_snippets_open_the_files_they_name(tmp_path: Path) -> None:
    ca = ThrowawayCA("Snippet Root", key_kind="ec256")
    client = ca.issue_client("Snippet Client", key_kind="ec256")
    # PKCS#12 keystore: printable ASCII only (Java 17); the JKS truststore takes anything.
    password, trust_password = "Gr:e #1 = ok!", "trüst\\me!"
    cfg = config(password, trust_password, folder=str(tmp_path))
    Path(cfg.keystore_file).write_bytes(
        build_keystore(
            alias="me",
            private_key=client.key,
            chain=client.full_chain,
            password=password,
            format="pkcs12",
        )
    )
    Path(cfg.truststore_file).write_bytes(
        build_truststore(entries=[("root", ca.root.cert)], password=trust_password)
    )
    yaml = spring_values(read_block_yaml(spring_bundle_yaml(cfg, **FORMATS)))
    props = read_properties(spring_bundle_properties(cfg, **FORMATS))
    for store in ("keystore", "truststore"):
        from_yaml = yaml[store]
        # Spring decodes the file: URL back to the path (ResourceUtils.getFile).
        path = Path(urllib.parse.unquote(from_yaml["location"].removeprefix("file:")))
        contents = read_store(path.read_bytes(), from_yaml["password"])
        assert contents.entries
        assert props[f"spring.ssl.bundle.jks.partner.{store}.password"] == from_yaml["password"]


def test_bundle_names_must_be_map_keys() -> None:
    with pytest.raises(ValueError, match="lower-case letters"):
        spring_bundle_yaml(config("changeit"), **FORMATS, bundle="my.partner")


@pytest.mark.java
def test_java_sample_compiles(tmp_path: Path) -> None:
    javac = require_tool("javac", why="the Java sample must compile")
    body = java_sslcontext_sample(config("x", folder='C:\\a "b"\\ü'), **FORMATS)
    source = tmp_path / "Sample.java"
    source.write_text(
        "import java.io.InputStream;\nimport java.net.http.HttpClient;\n"
        "import java.nio.file.Files;\nimport java.nio.file.Path;\n"
        "import java.security.KeyStore;\nimport javax.net.ssl.*;\n"
        "class Sample {\n  static HttpClient build() throws Exception {\n"
        + body
        + "  return client;\n  }\n}\n",
        encoding="ascii",
    )
    result = subprocess.run(
        [javac, "-d", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        env=JAVA_ENV,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


PROPERTIES_DUMP = """
import java.io.FileInputStream;
import java.util.Properties;
import java.util.TreeSet;

public class PropertiesDump {
    public static void main(String[] args) throws Exception {
        Properties properties = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) {
            properties.load(in);  // ISO-8859-1 with escapes, as Java applications read it
        }
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            StringBuilder codes = new StringBuilder();
            properties.getProperty(key).codePoints().forEach(c -> codes.append(c).append(' '));
            System.out.println(key + "\\t" + codes.toString().trim());
        }
    }
}
"""


@pytest.mark.java
def test_java_reads_the_properties_snippet_as_written(tmp_path: Path) -> None:
    java = require_tool("java", why="java.util.Properties is the reference reader")
    expected: dict[str, str] = {}
    texts = []
    for number, password in enumerate(TRICKY_PASSWORDS):
        text = spring_bundle_properties(config(password), **FORMATS, bundle=f"b{number}")
        texts.append(text)
        expected.update(read_properties(text))
    (tmp_path / "PropertiesDump.java").write_text(PROPERTIES_DUMP, encoding="ascii")
    (tmp_path / "application.properties").write_text("".join(texts), encoding="ascii")
    result = subprocess.run(
        [java, str(tmp_path / "PropertiesDump.java"), str(tmp_path / "application.properties")],
        capture_output=True,
        text=True,
        env=JAVA_ENV,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    from_java = {}
    for line in result.stdout.splitlines():
        key, _, codes = line.partition("\t")
        from_java[key] = "".join(chr(int(code)) for code in codes.split())
    assert from_java == expected
    assert {
        from_java[f"spring.ssl.bundle.jks.b{n}.keystore.password"]
        for n in range(len(TRICKY_PASSWORDS))
    } == set(TRICKY_PASSWORDS)


@pytest.mark.parametrize(
    "path, location",
    [
        ("/srv/certs #2/keystore.p12", "file:/srv/certs%20%232/keystore.p12"),
        ("/srv/100%/keystore.p12", "file:/srv/100%25/keystore.p12"),
        ("C:\\Program Files\\ü\\k.jks", "file:C:/Program%20Files/%C3%BC/k.jks"),
        ("/srv/${HOME}/k.jks", "file:/srv/%24%7BHOME%7D/k.jks"),
    ],
)
def test_file_locations_are_percent_encoded(path: str, location: str) -> None:
    """Issue 19: a `#` in a folder read as the URL's fragment; `%` as an escape."""
    assert spring_location(path) == location
    assert urllib.parse.unquote(location.removeprefix("file:")) == path.replace("\\", "/")


@pytest.mark.parametrize("password", ["${HOME}", "a${b}c${d:e}", "$${x}", "pre\\${x}"])
def test_spring_placeholders_in_passwords_are_escaped(password: str) -> None:
    """Issue 19: a `${…}` in a password went literally into the Spring snippets, where Spring
    resolves it. Spring Framework 6.2+ reads `\\${` as a literal `${`."""
    cfg = config(password)
    yaml = spring_values(read_block_yaml(spring_bundle_yaml(cfg, **FORMATS)))
    props = read_properties(spring_bundle_properties(cfg, **FORMATS))
    for value in (
        yaml["keystore"]["password"],
        props["spring.ssl.bundle.jks.partner.keystore.password"],
    ):
        assert value == password.replace("${", "\\${")
        # Every placeholder start is escaped: Spring finds nothing to resolve.
        assert all(value[i - 1] == "\\" for i in range(len(value)) if value.startswith("${", i))
    # The JVM options and the Java sample are not Spring's: the password stays as typed.
    words = read_shell_words(jvm_system_properties(cfg, **FORMATS))
    assert f"-Djavax.net.ssl.keyStorePassword={password}" in words
