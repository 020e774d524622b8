"""Key pair files in every format people bring, built once per session from a throw-away PKI.

`keypair_files` maps a name to a `KeyPairFile` (data, password, extra, leaf): other test modules
can feed any of them to an upload and know which certificate must come out. The files come in
three groups so a missing tool only skips the files that need it:
`portable_keypair_files` (cryptography only), `openssl_keypair_files`, `keytool_keypair_files`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from tests.support.throwaway_pki import Issued, ThrowawayCA
from tests.support.tools import require_tool

KEY_KINDS = ("rsa2048", "ec256", "ec384", "ed25519")
# Throw-away passwords for throw-away keys.
P12_PASSWORD = "p12-Secret!"
KEY_PASSWORD = "key-Secret!"
KEYTOOL_PASSWORD = "keytool-Secret!"  # keytool insists on at least six characters


class KeyPairFile(NamedTuple):
    """An upload: the file, the password typed, an optional second file, the expected leaf."""

    data: bytes
    password: str | None
    extra: bytes | None
    leaf: x509.Certificate


class MultiKeyPairFile(NamedTuple):
    data: bytes
    password: str | None
    leaves: list[x509.Certificate]


@pytest.fixture(scope="session")
def pki_ca() -> ThrowawayCA:
    return ThrowawayCA("mtls-kit Test Root", key_kind="rsa2048")


@pytest.fixture(scope="session")
def pki_clients(pki_ca: ThrowawayCA) -> dict[str, Issued]:
    """One client certificate per key type, all issued by the intermediate."""
    return {kind: pki_ca.issue_client(f"Client {kind}", key_kind=kind) for kind in KEY_KINDS}


@pytest.fixture(scope="session")
def keypair_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keypairs")


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def pkcs8(
    issued: Issued,
    *,
    encoding: serialization.Encoding = serialization.Encoding.PEM,
    password: str | None = None,
) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    return issued.key.private_bytes(encoding, serialization.PrivateFormat.PKCS8, encryption)


def cryptography_p12(issued: Issued, password: str | None, *, name: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        name, issued.key, issued.cert, issued.chain, encryption
    )


def run_tool(*args: str | Path, cwd: Path) -> None:
    """Run openssl or keytool; show its output only if it fails."""
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"{args[0]} failed: {result.stderr or result.stdout}"


@pytest.fixture(scope="session")
def portable_keypair_files(pki_clients: dict[str, Issued]) -> dict[str, KeyPairFile]:
    """Files cryptography can write itself: PEM in every key format, PKCS#12, PKCS#7, DER."""
    rsa, ec256, ec384, ed = (pki_clients[k] for k in KEY_KINDS)
    chain = {k: pem(*c.full_chain) for k, c in pki_clients.items()}
    around = (
        b"\xef\xbb\xbfSubject: Client ec256\r\nThis is my client certificate.\r\n"
        + (pkcs8(ec256) + chain["ec256"]).replace(b"\n", b"\r\n")
        + b"\r\n-- end --\r\n"
    )
    p7b = pkcs7.serialize_certificates(ec384.full_chain, serialization.Encoding.DER)
    return {
        "p12-cryptography-aes": KeyPairFile(
            cryptography_p12(rsa, P12_PASSWORD, name=b"Client RSA"), P12_PASSWORD, None, rsa.cert
        ),
        "p12-cryptography-unencrypted": KeyPairFile(
            cryptography_p12(ec256, None, name=None), None, None, ec256.cert
        ),
        "pem-pkcs8-key-then-chain": KeyPairFile(
            pkcs8(rsa) + chain["rsa2048"], None, None, rsa.cert
        ),
        "pem-chain-then-pkcs8-key": KeyPairFile(
            chain["ec256"] + pkcs8(ec256), None, None, ec256.cert
        ),
        "pem-pkcs8-encrypted": KeyPairFile(
            pkcs8(ec384, password=KEY_PASSWORD) + chain["ec384"], KEY_PASSWORD, None, ec384.cert
        ),
        "pem-pkcs1-rsa": KeyPairFile(
            rsa.key_pem(fmt="traditional") + chain["rsa2048"], None, None, rsa.cert
        ),
        "pem-sec1-ec": KeyPairFile(
            ec256.key_pem(fmt="traditional") + chain["ec256"], None, None, ec256.cert
        ),
        "pem-ed25519": KeyPairFile(pkcs8(ed) + chain["ed25519"], None, None, ed.cert),
        "pem-bom-crlf-text-around": KeyPairFile(around, None, None, ec256.cert),
        "pem-cert-file-then-key-file": KeyPairFile(chain["ec384"], None, pkcs8(ec384), ec384.cert),
        "pem-key-file-then-cert-file": KeyPairFile(pkcs8(ec384), None, chain["ec384"], ec384.cert),
        "pem-chain-and-der-pkcs8-key": KeyPairFile(
            chain["ed25519"], None, pkcs8(ed, encoding=serialization.Encoding.DER), ed.cert
        ),
        "pem-chain-and-encrypted-der-pkcs8-key": KeyPairFile(
            chain["ec256"],
            KEY_PASSWORD,
            pkcs8(ec256, encoding=serialization.Encoding.DER, password=KEY_PASSWORD),
            ec256.cert,
        ),
        "p7b-chain-and-pem-key": KeyPairFile(p7b, None, pkcs8(ec384), ec384.cert),
    }


@pytest.fixture(scope="session")
def openssl_keypair_files(
    pki_clients: dict[str, Issued], keypair_dir: Path
) -> dict[str, KeyPairFile]:
    """Files made by the openssl CLI, the way people make them."""
    openssl = require_tool("openssl")
    folder = keypair_dir / "openssl"
    folder.mkdir()
    for kind, issued in pki_clients.items():
        (folder / f"{kind}.key").write_bytes(pkcs8(issued))
        (folder / f"{kind}.crt").write_bytes(issued.cert_pem())
        (folder / f"{kind}.cas").write_bytes(pem(*issued.chain))

    def export(kind: str, out: str, *options: str) -> bytes:
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
            "-out",
            out,
            *options,
            cwd=folder,
        )
        return (folder / out).read_bytes()

    def convert(kind: str, out: str, *command: str) -> bytes:
        run_tool(
            openssl,
            *command,
            "-in",
            f"{kind}.key",
            "-out",
            out,
            "-passout",
            f"pass:{KEY_PASSWORD}",
            cwd=folder,
        )
        return (folder / out).read_bytes() + pem(*pki_clients[kind].full_chain)

    files: dict[str, KeyPairFile] = {}
    for kind, issued in pki_clients.items():
        files[f"p12-openssl-default-{kind}"] = KeyPairFile(
            export(
                kind, f"{kind}.p12", "-name", f"Alias {kind}", "-passout", f"pass:{P12_PASSWORD}"
            ),
            P12_PASSWORD,
            None,
            issued.cert,
        )
    rsa, ec256 = pki_clients["rsa2048"], pki_clients["ec256"]
    files["p12-openssl-3des"] = KeyPairFile(
        export(
            "rsa2048",
            "3des.p12",
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "PBE-SHA1-3DES",
            "-passout",
            f"pass:{P12_PASSWORD}",
        ),
        P12_PASSWORD,
        None,
        rsa.cert,
    )
    # -legacy: 3DES keys and RC2-40 certificates, what Windows and old Java tools produce.
    files["p12-openssl-legacy-rc2"] = KeyPairFile(
        export("ec256", "rc2.p12", "-legacy", "-passout", f"pass:{P12_PASSWORD}"),
        P12_PASSWORD,
        None,
        ec256.cert,
    )
    files["p12-openssl-non-ascii-password"] = KeyPairFile(
        export("ec256", "unicode.p12", "-passout", "pass:Pässwört€"), "Pässwört€", None, ec256.cert
    )
    empty = export("ec256", "empty.p12", "-passout", "pass:")
    files["p12-openssl-empty-password"] = KeyPairFile(empty, None, None, ec256.cert)
    files["p12-openssl-empty-password-but-one-typed"] = KeyPairFile(
        empty, "typed anyway", None, ec256.cert
    )
    files["p12-openssl-unencrypted-no-mac"] = KeyPairFile(
        export(
            "rsa2048",
            "plain.p12",
            "-keypbe",
            "NONE",
            "-certpbe",
            "NONE",
            "-nomac",
            "-passout",
            "pass:",
        ),
        None,
        None,
        rsa.cert,
    )
    files["pem-openssl-pkcs1-encrypted"] = KeyPairFile(
        convert("rsa2048", "rsa-trad.pem", "rsa", "-traditional", "-aes256"),
        KEY_PASSWORD,
        None,
        rsa.cert,
    )
    files["pem-openssl-sec1-encrypted"] = KeyPairFile(
        convert("ec256", "ec-sec1.pem", "ec", "-aes256"), KEY_PASSWORD, None, ec256.cert
    )
    files["pem-openssl-pkcs8-pbe-sha1-3des"] = KeyPairFile(
        convert("ec256", "ec-v1.pem", "pkcs8", "-topk8", "-v1", "PBE-SHA1-3DES"),
        KEY_PASSWORD,
        None,
        ec256.cert,
    )
    # `openssl pkcs12 -nodes` output: "Bag Attributes" text around every block.
    run_tool(
        openssl,
        "pkcs12",
        "-in",
        "rsa2048.p12",
        "-nodes",
        "-passin",
        f"pass:{P12_PASSWORD}",
        "-out",
        "nodes.pem",
        cwd=folder,
    )
    files["pem-openssl-pkcs12-nodes-output"] = KeyPairFile(
        (folder / "nodes.pem").read_bytes(), None, None, rsa.cert
    )
    return files


@pytest.fixture(scope="session")
def run_keytool(keypair_dir: Path) -> Callable[..., bytes]:
    """Run keytool in the session folder and return the bytes of the store it wrote."""
    path = require_tool("keytool")

    def run(store: str, *args: str) -> bytes:
        run_tool(path, *args, cwd=keypair_dir)
        return (keypair_dir / store).read_bytes()

    return run


def import_keystore(
    run_keytool: Callable[..., bytes],
    source: str,
    source_password: str,
    store: str,
    store_type: str,
) -> bytes:
    return run_keytool(
        store,
        "-importkeystore",
        "-noprompt",
        "-srckeystore",
        source,
        "-srcstoretype",
        "PKCS12",
        "-srcstorepass",
        source_password,
        "-destkeystore",
        store,
        "-deststoretype",
        store_type,
        "-deststorepass",
        KEYTOOL_PASSWORD,
    )


@pytest.fixture(scope="session")
def keytool_keypair_files(
    pki_clients: dict[str, Issued], keypair_dir: Path, run_keytool: Callable[..., bytes]
) -> dict[str, KeyPairFile]:
    """A PKCS#12 keystore written by the JDK (PBES2 with 10 000 iterations, alias kept)."""
    ec384 = pki_clients["ec384"]
    (keypair_dir / "for-keytool.p12").write_bytes(
        cryptography_p12(ec384, P12_PASSWORD, name=b"java-client")
    )
    data = import_keystore(run_keytool, "for-keytool.p12", P12_PASSWORD, "keytool.p12", "PKCS12")
    return {"p12-keytool": KeyPairFile(data, KEYTOOL_PASSWORD, None, ec384.cert)}


@pytest.fixture(scope="session")
def keypair_files(
    portable_keypair_files: dict[str, KeyPairFile],
    openssl_keypair_files: dict[str, KeyPairFile],
    keytool_keypair_files: dict[str, KeyPairFile],
) -> dict[str, KeyPairFile]:
    """Every single-key file above, by name."""
    return {**portable_keypair_files, **openssl_keypair_files, **keytool_keypair_files}


@pytest.fixture(scope="session")
def multi_keypair_files(
    pki_clients: dict[str, Issued], keypair_dir: Path, run_keytool: Callable[..., bytes]
) -> dict[str, MultiKeyPairFile]:
    """Files holding two key pairs: a PEM bundle and a keytool PKCS#12 with two entries."""
    rsa, ec256 = pki_clients["rsa2048"], pki_clients["ec256"]
    bundle = pem(ec256.cert) + pkcs8(rsa) + pem(*rsa.full_chain) + pkcs8(ec256)
    for issued, name in ((rsa, "first"), (ec256, "second")):
        (keypair_dir / f"{name}.p12").write_bytes(
            cryptography_p12(issued, P12_PASSWORD, name=name.encode())
        )
        store = import_keystore(
            run_keytool, f"{name}.p12", P12_PASSWORD, "two-entries.p12", "PKCS12"
        )
    return {
        "pem-two-keys": MultiKeyPairFile(bundle, None, [rsa.cert, ec256.cert]),
        "p12-keytool-two-entries": MultiKeyPairFile(
            store, KEYTOOL_PASSWORD, [rsa.cert, ec256.cert]
        ),
    }


@pytest.fixture(scope="session")
def java_keystore_files(
    pki_clients: dict[str, Issued], keypair_dir: Path, run_keytool: Callable[..., bytes]
) -> dict[str, bytes]:
    """Real JKS and JCEKS keystores, and a PKCS#12 truststore (certificates, no key)."""
    (keypair_dir / "for-jks.p12").write_bytes(
        cryptography_p12(pki_clients["ec256"], P12_PASSWORD, name=b"jks-client")
    )
    (keypair_dir / "root.crt").write_bytes(
        pki_clients["ec256"].chain[-1].public_bytes(serialization.Encoding.PEM)
    )
    return {
        "jks": import_keystore(run_keytool, "for-jks.p12", P12_PASSWORD, "store.jks", "JKS"),
        "jceks": import_keystore(run_keytool, "for-jks.p12", P12_PASSWORD, "store.jceks", "JCEKS"),
        "pkcs12-truststore": run_keytool(
            "trust.p12",
            "-importcert",
            "-noprompt",
            "-alias",
            "root",
            "-file",
            "root.crt",
            "-keystore",
            "trust.p12",
            "-storetype",
            "PKCS12",
            "-storepass",
            KEYTOOL_PASSWORD,
        ),
    }
