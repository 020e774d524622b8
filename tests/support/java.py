"""Ask the JDK itself about our stores: keytool -list, and a real Java mutual-TLS client.

pyjks reading its own output back proves little; these helpers make Java the judge.
Each call starts a JVM (~0.3-0.5 s), so tests should batch what they ask.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.tools import require_tool

__all__ = ["KeytoolListing", "MtlsResult", "keytool_list", "run_mtls_client"]

CLIENT_SOURCE = Path(__file__).parent / "java" / "MtlsClient.java"

# The JVM decodes command-line arguments with the locale's charset; under C/POSIX a
# non-ASCII password turns into "?" and the store looks tampered with. Pin UTF-8.
JAVA_ENV = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}

# JDK 9+ lets a "JKS" KeyStore read PKCS#12 files and the other way round
# (keystore.type.compat=true in java.security). Switched off, so that a passing run proves the
# file really is of the type asked for. It is a security property: -D cannot set it directly.
STRICT_TYPES = Path(__file__).parent / "java" / "strict-store-types.security"

TIMEOUT_SECONDS = 60  # generous: a cold JVM on a busy 2-core CI runner


@dataclass(frozen=True)
class KeytoolListing:
    """keytool -list -v, parsed: alias -> (entry kind, certificate chain length)."""

    entries: dict[str, tuple[str, int]]
    text: str


@dataclass(frozen=True)
class MtlsResult:
    returncode: int
    stdout: str
    stderr: str

    def field(self, name: str) -> str | None:
        """The value printed on a "name: value" line by MtlsClient, if any."""
        match = re.search(rf"^{re.escape(name)}: (.*)$", self.stdout, re.MULTILINE)
        return match.group(1) if match else None


def keytool_list(path: Path | str, password: str, *, storetype: str = "JKS") -> KeytoolListing:
    """Run keytool -list -v on a store (JKS unless `storetype` says "PKCS12"); fail the test
    with keytool's output if it refuses."""
    keytool = require_tool("keytool", why="the JDK must read every store we build")
    result = subprocess.run(
        [
            keytool,
            f"-J-Djava.security.properties={STRICT_TYPES}",
            "-list",
            "-v",
            "-storetype",
            storetype,
            "-keystore",
            str(path),
            "-storepass",
            password,
        ],
        capture_output=True,
        text=True,
        env=JAVA_ENV,
        timeout=TIMEOUT_SECONDS,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"keytool -list failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return KeytoolListing(_parse_listing(result.stdout), result.stdout)


def run_mtls_client(
    host: str,
    port: int,
    keystore: Path | str,
    ks_pass: str,
    truststore: Path | str,
    ts_pass: str,
    *,
    keystore_type: str = "JKS",
    truststore_type: str = "JKS",
    http_path: str | None = None,
) -> MtlsResult:
    """Connect with MtlsClient.java using the given keystore and truststore.

    The store types ("JKS" or "PKCS12") go to KeyStore.getInstance, as an application that
    is told the type (Spring's `type`, javax.net.ssl.keyStoreType) would use them. With
    `http_path`, the client sends a GET of that path after the handshake, as the platform
    sends its requests, and prints the status (`result.field("http-status")`)."""
    java = require_tool("java", why="a real Java client must accept our stores")
    result = subprocess.run(
        [
            java,
            f"-Djava.security.properties={STRICT_TYPES}",
            "-cp",
            str(_compiled_client()),
            "MtlsClient",
            host,
            str(port),
            str(keystore),
            ks_pass,
            str(truststore),
            ts_pass,
            keystore_type,
            truststore_type,
            *([http_path] if http_path is not None else []),
        ],
        capture_output=True,
        text=True,
        env=JAVA_ENV,
        timeout=TIMEOUT_SECONDS,
        stdin=subprocess.DEVNULL,
    )
    return MtlsResult(result.returncode, result.stdout, result.stderr)


@functools.cache
def _compiled_client() -> Path:
    """Compile MtlsClient once per session: javac (~0.8 s) then ~0.3 s a run, against
    ~0.9 s for every run of the source launcher (`java MtlsClient.java`)."""
    javac = require_tool("javac", why="the Java test client is compiled once per session")
    classes = Path(tempfile.mkdtemp(prefix="mtls-client-"))
    atexit.register(shutil.rmtree, classes, ignore_errors=True)
    result = subprocess.run(
        [javac, "-d", str(classes), str(CLIENT_SOURCE)],
        capture_output=True,
        text=True,
        env=JAVA_ENV,
        timeout=TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise AssertionError(f"javac failed:\n{result.stdout}\n{result.stderr}")
    return classes


def _parse_listing(text: str) -> dict[str, tuple[str, int]]:
    entries: dict[str, tuple[str, int]] = {}
    for block in re.split(r"^Alias name: ", text, flags=re.MULTILINE)[1:]:
        alias = block.splitlines()[0].strip()
        kind = re.search(r"^Entry type: (\S+)", block, re.MULTILINE)
        chain = re.search(r"^Certificate chain length: (\d+)", block, re.MULTILINE)
        if kind is None:
            raise AssertionError(f"keytool listed {alias!r} without an entry type:\n{block}")
        # A trusted certificate entry is one certificate; keytool prints no chain length.
        entries[alias] = (kind.group(1), int(chain.group(1)) if chain else 1)
    return entries
