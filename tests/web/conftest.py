"""Files users upload to the web app, built once per session from the shared throw-away PKI.

- `keypair_uploads`: one `FormatCase` per import format of issue 2 (PKCS#12 from openssl in
  modern and legacy settings and without a password, from keytool; PEM certificate + separate
  key as PKCS#8 plain/encrypted, PKCS#1 and SEC1; one PEM bundle), across RSA 2048, EC P-256,
  EC P-384 and Ed25519.
- `multi_key_uploads`: files holding two key pairs (a PEM bundle, a keytool PKCS#12).
- `bad_key_files`: what users upload by mistake (a lone certificate, a real JKS, ...).
- `java_truststore`: a JKS trusting the test root, written by keytool, for the Java client.

keytool runs (a JVM each, ~0.5 s) happen in two parallel threads to keep the session short.
"""

from __future__ import annotations

import logging
import random
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.conftest import ThrowawayPki
from tests.support.throwaway_pki import Issued
from tests.support.tools import require_tool

from .procedure import Upload

P12_PASSWORD = "p12-Pass-5d71c0"  # the key pair file password users type
KEYTOOL_PASSWORD = "kt-Pass-93be24"
JAVA_TRUSTSTORE_PASSWORD = "java-trust-pw"


def common_name(cert: x509.Certificate) -> str:
    return str(cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value)


@dataclass(frozen=True)
class FormatCase:
    """An upload in one format, and the key pair that must come out of it."""

    upload: Upload
    issued: Issued
    kind: str  # the key type, see tests.conftest.CLIENT_KEY_KINDS

    @property
    def common_name(self) -> str:
        return common_name(self.issued.cert)


@dataclass(frozen=True)
class MultiKeyCase:
    upload: Upload
    issued: list[Issued]  # in the order the file holds them


@dataclass(frozen=True)
class JavaTruststore:
    path: Path
    password: str


def run_tool(*args: str | Path, cwd: Path) -> None:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"{args[0]} failed: {result.stderr or result.stdout}"


def pem_of(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def pkcs8(issued: Issued, password: str | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    return issued.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def cryptography_p12(issued: Issued, name: str, password: str) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        name.encode(),
        issued.key,
        issued.cert,
        issued.chain,
        serialization.BestAvailableEncryption(password.encode()),
    )


@pytest.fixture(scope="session")
def upload_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-uploads")


@pytest.fixture(scope="session")
def keytool_files(throwaway_pki: ThrowawayPki, upload_dir: Path) -> dict[str, bytes]:
    """Stores written by the JDK itself: PKCS#12 with one and two entries, a JKS, a truststore."""
    keytool = require_tool("keytool", why="users bring keystores written by keytool")
    folder = upload_dir / "keytool"
    folder.mkdir()
    sources = {"ec384": "java-client", "rsa2048": "second-entry", "ec256": "old-jks"}
    for kind, alias in sources.items():
        (folder / f"{alias}.p12").write_bytes(
            cryptography_p12(throwaway_pki.client(kind), alias, P12_PASSWORD)
        )
    shutil.copy(throwaway_pki.root_pem, folder / "root.pem")

    def into(source: str, store: str, store_type: str) -> None:
        run_tool(
            keytool,
            "-importkeystore",
            "-noprompt",
            "-srckeystore",
            f"{source}.p12",
            "-srcstoretype",
            "PKCS12",
            "-srcstorepass",
            P12_PASSWORD,
            "-destkeystore",
            store,
            "-deststoretype",
            store_type,
            "-deststorepass",
            KEYTOOL_PASSWORD,
            cwd=folder,
        )

    def pkcs12_stores() -> None:
        into("java-client", "one-entry.p12", "PKCS12")
        shutil.copy(folder / "one-entry.p12", folder / "two-entries.p12")
        into("second-entry", "two-entries.p12", "PKCS12")

    def java_stores() -> None:
        into("old-jks", "old.jks", "JKS")
        run_tool(
            keytool,
            "-importcert",
            "-noprompt",
            "-alias",
            "test root",
            "-file",
            "root.pem",
            "-keystore",
            "java-trust.jks",
            "-storetype",
            "JKS",
            "-storepass",
            JAVA_TRUSTSTORE_PASSWORD,
            cwd=folder,
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        for job in [pool.submit(pkcs12_stores), pool.submit(java_stores)]:
            job.result()
    return {
        name: (folder / name).read_bytes()
        for name in ("one-entry.p12", "two-entries.p12", "old.jks", "java-trust.jks")
    }


@pytest.fixture(scope="session")
def java_truststore(keytool_files: dict[str, bytes], upload_dir: Path) -> JavaTruststore:
    path = upload_dir / "java-trust.jks"
    path.write_bytes(keytool_files["java-trust.jks"])
    return JavaTruststore(path, JAVA_TRUSTSTORE_PASSWORD)


@pytest.fixture(scope="session")
def openssl_p12_files(throwaway_pki: ThrowawayPki, upload_dir: Path) -> dict[str, bytes]:
    """`openssl pkcs12 -export` files: the default (modern) settings per key type, legacy
    3DES/SHA-1 (older tools, Windows), and one without a password."""
    openssl = require_tool("openssl", why="users bring PKCS#12 files made by openssl")
    folder = upload_dir / "openssl"
    folder.mkdir()
    for kind, issued in throwaway_pki.clients.items():
        (folder / f"{kind}.key").write_bytes(pkcs8(issued))
        (folder / f"{kind}.crt").write_bytes(issued.cert_pem())
        (folder / f"{kind}.cas").write_bytes(pem_of(*issued.chain))

    def export(kind: str, out: str, *options: str) -> tuple[str, bytes]:
        run_tool(
            openssl,
            "pkcs12",
            "-export",
            "-in",
            f"{kind}.crt",
            "-inkey",
            f"{kind}.key",
            "-certfile",
            f"{kind}.cas",
            "-name",
            f"My {kind} certificate",
            "-out",
            out,
            *options,
            cwd=folder,
        )
        return out, (folder / out).read_bytes()

    jobs = [
        (kind, f"modern-{kind}.p12", "-passout", f"pass:{P12_PASSWORD}")
        for kind in throwaway_pki.clients
    ]
    jobs += [
        (
            "rsa2048",
            "legacy-3des.p12",
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "PBE-SHA1-3DES",
            "-macalg",
            "sha1",
            "-passout",
            f"pass:{P12_PASSWORD}",
        ),
        ("ec256", "no-password.p12", "-passout", "pass:"),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(lambda job: export(*job), jobs))


@pytest.fixture(scope="session")
def keypair_uploads(
    throwaway_pki: ThrowawayPki,
    openssl_p12_files: dict[str, bytes],
    keytool_files: dict[str, bytes],
) -> dict[str, FormatCase]:
    """Every import format of issue 2, by name; each upload holds the full chain (3 certs)."""
    pki = throwaway_pki
    rsa, ec256, ec384, ed = (pki.client(k) for k in ("rsa2048", "ec256", "ec384", "ed25519"))

    def p12(kind: str, file: str, password: str = P12_PASSWORD) -> FormatCase:
        return FormatCase(Upload(openssl_p12_files[file], file, password), pki.client(kind), kind)

    def cert_and_key(kind: str, key: bytes, password: str = "") -> FormatCase:
        issued = pki.client(kind)
        return FormatCase(
            Upload(
                issued.chain_pem(),
                "certificate.pem",
                password,
                extra=key,
                extra_filename="private.key",
            ),
            issued,
            kind,
        )

    return {
        **{f"p12-openssl-modern-{kind}": p12(kind, f"modern-{kind}.p12") for kind in pki.clients},
        "p12-openssl-legacy-3des": p12("rsa2048", "legacy-3des.p12"),
        "p12-openssl-no-password": p12("ec256", "no-password.p12", password=""),
        "p12-keytool": FormatCase(
            Upload(keytool_files["one-entry.p12"], "from-keytool.p12", KEYTOOL_PASSWORD),
            ec384,
            "ec384",
        ),
        "pem-cert-and-pkcs8-key": cert_and_key("rsa2048", pkcs8(rsa)),
        "pem-cert-and-encrypted-pkcs8-key": cert_and_key(
            "ec256", pkcs8(ec256, P12_PASSWORD), password=P12_PASSWORD
        ),
        "pem-cert-and-pkcs1-rsa-key": cert_and_key("rsa2048", rsa.key_pem(fmt="traditional")),
        "pem-cert-and-sec1-ec-key": cert_and_key("ec384", ec384.key_pem(fmt="traditional")),
        "pem-bundle-key-and-chain": FormatCase(
            Upload(pkcs8(ed) + ed.chain_pem(), "bundle.pem"), ed, "ed25519"
        ),
    }


@pytest.fixture(scope="session")
def multi_key_uploads(
    throwaway_pki: ThrowawayPki, keytool_files: dict[str, bytes]
) -> dict[str, MultiKeyCase]:
    rsa, ec256, ec384 = (throwaway_pki.client(k) for k in ("rsa2048", "ec256", "ec384"))
    bundle = pkcs8(rsa) + rsa.chain_pem() + pkcs8(ec256) + ec256.cert_pem()
    return {
        "pem-bundle-two-keys": MultiKeyCase(Upload(bundle, "two-keys.pem"), [rsa, ec256]),
        "p12-keytool-two-entries": MultiKeyCase(
            Upload(keytool_files["two-entries.p12"], "two-entries.p12", KEYTOOL_PASSWORD),
            [ec384, rsa],
        ),
    }


@pytest.fixture(scope="session")
def bad_key_files(throwaway_pki: ThrowawayPki, keytool_files: dict[str, bytes]) -> dict[str, bytes]:
    ec256, ec384 = throwaway_pki.client("ec256"), throwaway_pki.client("ec384")
    return {
        "lone-certificate": ec256.cert_pem(),
        "jks": keytool_files["old.jks"],
        "random": random.Random(4).randbytes(3000),
        "mismatch": pkcs8(ec384) + ec256.chain_pem(),
        "two-mib": b"\x30\x82" + random.Random(5).randbytes(2 * 1024 * 1024),
    }


@pytest.fixture(autouse=True)
def no_hidden_server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The app turns any exception into a friendly page and logs it: a test that passes while
    a request crashed would hide a 500, so every web test fails on that log line too."""
    yield
    crashes = [
        r.getMessage()
        for r in caplog.get_records("call")
        if r.name == "webapp.web.errors" and r.levelno >= logging.ERROR
    ]
    assert not crashes, f"the app hit unexpected errors: {crashes}"
