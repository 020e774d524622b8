"""(c) The same keystore and truststore with keytool, the way an administrator would.

keytool -importkeystore (the .p12 into a JKS, key password = store password), then one
keytool -importcert -noprompt per certificate of the truststore our procedure produced.
Whole-process wall time (JVM start-ups included: that is what the user waits for).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import jks
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .browser import Browser
from .procedure import (
    KEYSTORE_PASSWORD,
    P12_FRIENDLY_NAME,
    TRUSTSTORE_PASSWORD,
    Materials,
    walk_procedure,
    zip_members,
)
from .stats import median

__all__ = ["KeytoolComparison", "compare_with_keytool"]


@dataclass(frozen=True)
class KeytoolComparison:
    keytool_runs: list[float]  # seconds, whole sequence
    keytool_commands: int  # JVM start-ups per sequence
    http_runs: list[float]  # seconds, whole HTTP procedure (one user, idle server)
    truststore_certificates: int

    @property
    def speedup(self) -> float:
        return median(self.keytool_runs) / median(self.http_runs)


def compare_with_keytool(
    base: str, materials: Materials, *, keytool_runs: int, http_runs: int
) -> KeytoolComparison:
    keytool = shutil.which("keytool")
    if keytool is None:
        raise FileNotFoundError("keytool is not installed (JDK 17 or later is needed)")
    http_times, bundle = [], b""
    for _ in range(http_runs + 1):  # +1: warm the server's code paths first
        with Browser() as browser:
            started = time.perf_counter()
            bundle = walk_procedure(browser, [base], materials)
            http_times.append(time.perf_counter() - started)
    truststore = zip_members(bundle)["truststore.jks"]
    certificates = [
        x509.load_der_x509_certificate(entry.cert)
        for entry in jks.KeyStore.loads(truststore, TRUSTSTORE_PASSWORD).certs.values()
    ]
    keytool_times = []
    with tempfile.TemporaryDirectory(prefix="bench-keytool-") as scratch:
        folder = Path(scratch)
        cert_files = []
        for index, cert in enumerate(certificates):
            path = folder / f"trusted-{index}.pem"
            path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            cert_files.append(path)
        for run in range(keytool_runs):
            commands = _keytool_sequence(keytool, materials, folder / f"run-{run}", cert_files)
            started = time.perf_counter()
            for command in commands:
                subprocess.run(command, check=True, capture_output=True)
            keytool_times.append(time.perf_counter() - started)
    return KeytoolComparison(keytool_times, 1 + len(cert_files), http_times[1:], len(cert_files))


def _keytool_sequence(
    keytool: str, materials: Materials, out: Path, cert_files: list[Path]
) -> list[list[str]]:
    out.mkdir()
    keystore, truststore = out / "keystore.jks", out / "truststore.jks"
    commands = [
        [
            keytool,
            "-importkeystore",
            "-noprompt",
            "-srckeystore",
            str(materials.p12_path),
            "-srcstoretype",
            "PKCS12",
            "-srcstorepass",
            materials.p12_password,
            "-srcalias",
            P12_FRIENDLY_NAME,
            "-destkeystore",
            str(keystore),
            "-deststoretype",
            "JKS",
            "-deststorepass",
            KEYSTORE_PASSWORD,
            "-destkeypass",
            KEYSTORE_PASSWORD,
            "-destalias",
            "client-one",
        ]
    ]
    for index, path in enumerate(cert_files):
        commands.append(
            [
                keytool,
                "-importcert",
                "-noprompt",
                "-alias",
                f"trusted-{index}",
                "-file",
                str(path),
                "-keystore",
                str(truststore),
                "-storetype",
                "JKS",
                "-storepass",
                TRUSTSTORE_PASSWORD,
            ]
        )
    return commands
