"""Last year's stores, written by the JDK's own keytool: what people bring back in issue 13.

One session fixture (`keytool_stores`) runs keytool ~11 times (~0.5 s a JVM) and hands out
the bytes; test modules import the fixtures from here.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.support.java import JAVA_ENV, TIMEOUT_SECONDS
from tests.support.throwaway_pki import Issued, ThrowawayCA
from tests.support.tools import require_tool

__all__ = [
    "KEY_PASSWORD",
    "STORE_PASSWORD",
    "KeytoolStores",
    "keytool_stores",
    "lifecycle_ca",
    "lifecycle_client",
    "lifecycle_server",
    "run_keytool",
]

STORE_PASSWORD = "old-Store-pw"  # throw-away passwords for throw-away keys
KEY_PASSWORD = "own-Key-pw"


@dataclass(frozen=True)
class KeytoolStores:
    folder: Path
    files: dict[str, bytes]  # name -> bytes, every one opens with STORE_PASSWORD

    def path(self, name: str) -> Path:
        return self.folder / name


def run_keytool(folder: Path, *args: str) -> None:
    """Run keytool in `folder`; fail the test with its output if it refuses."""
    keytool = require_tool("keytool", why="the stores people bring back are written by keytool")
    result = subprocess.run(
        [keytool, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=JAVA_ENV,
        timeout=TIMEOUT_SECONDS,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"keytool {args[0]} failed:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def lifecycle_ca() -> ThrowawayCA:
    return ThrowawayCA("Lifecycle Root", key_kind="ec256")


@pytest.fixture(scope="session")
def lifecycle_client(lifecycle_ca: ThrowawayCA) -> Issued:
    return lifecycle_ca.issue_client("Last Year Client", key_kind="ec256")


@pytest.fixture(scope="session")
def lifecycle_server(lifecycle_ca: ThrowawayCA) -> Issued:
    return lifecycle_ca.issue_server("127.0.0.1", key_kind="ec256")


@pytest.fixture(scope="session")
def keytool_stores(
    tmp_path_factory: pytest.TempPathFactory, lifecycle_ca: ThrowawayCA, lifecycle_client: Issued
) -> KeytoolStores:
    folder = tmp_path_factory.mktemp("keytool-stores")

    def run(*args: str) -> None:
        run_keytool(folder, *args)

    pw = ("-storepass", STORE_PASSWORD)
    (folder / "root.pem").write_bytes(lifecycle_ca.root_pem())
    (folder / "intermediate.pem").write_bytes(lifecycle_ca.intermediate.cert_pem())
    (folder / "client.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"Client",
            lifecycle_client.key,
            lifecycle_client.cert,
            lifecycle_client.chain,
            serialization.BestAvailableEncryption(STORE_PASSWORD.encode()),
        )
    )
    for kind, keyalg in (
        ("JKS", ("-keyalg", "EC", "-groupname", "secp256r1")),
        ("PKCS12", ("-keyalg", "RSA", "-keysize", "2048")),
    ):
        suffix = "jks" if kind == "JKS" else "p12"
        run(
            "-genkeypair",
            "-alias",
            "Old Client",
            *keyalg,
            "-dname",
            "CN=Old Client,O=mtls-kit tests",
            "-validity",
            "30",
            "-storetype",
            kind,
            "-keystore",
            f"generated.{suffix}",
            *pw,
            "-keypass",
            STORE_PASSWORD,
        )
        run(
            "-importkeystore",
            "-noprompt",
            "-srckeystore",
            "client.p12",
            "-srcstoretype",
            "PKCS12",
            "-srcstorepass",
            STORE_PASSWORD,
            "-destkeystore",
            f"imported.{suffix}",
            "-deststoretype",
            kind,
            "-deststorepass",
            STORE_PASSWORD,
        )
        for alias, pem in (("Partner Root", "root.pem"), ("Partner CA", "intermediate.pem")):
            run(
                "-importcert",
                "-noprompt",
                "-alias",
                alias,
                "-file",
                pem,
                "-storetype",
                kind,
                "-keystore",
                f"truststore.{suffix}",
                *pw,
            )
    run(
        "-importkeystore",
        "-noprompt",
        "-srckeystore",
        "client.p12",
        "-srcstoretype",
        "PKCS12",
        "-srcstorepass",
        STORE_PASSWORD,
        "-srcalias",
        "client",
        "-destalias",
        "client",
        "-destkeystore",
        "own-key-password.jks",
        "-deststoretype",
        "JKS",
        "-deststorepass",
        STORE_PASSWORD,
        "-destkeypass",
        KEY_PASSWORD,
    )
    run(
        "-importkeystore",
        "-noprompt",
        "-srckeystore",
        "truststore.jks",
        "-srcstorepass",
        STORE_PASSWORD,
        "-destkeystore",
        "truststore.jceks",
        "-deststoretype",
        "JCEKS",
        "-deststorepass",
        STORE_PASSWORD,
    )
    names = [
        "generated.jks",
        "generated.p12",
        "imported.jks",
        "imported.p12",
        "truststore.jks",
        "truststore.p12",
        "own-key-password.jks",
        "truststore.jceks",
    ]
    return KeytoolStores(folder, {name: (folder / name).read_bytes() for name in names})
