"""Real JDK 17 error output, produced by failing on purpose: the texts the explain page reads.

Every text comes from running the JDK (JavaErrors.java, a client configured as the platform
is, or keytool) against the failure setups of tests/support/connection_scenarios.py and a few
broken stores; nothing is typed by hand. `java_error_texts()` runs them once per test
process (~20 JVMs, ~10 s on a quiet machine) and hands out (name, expected code, text).

Also wraps them the way people paste them: inside a platform log (timestamps, levels, thread
and logger names on every line) and as a `-Djavax.net.debug=ssl:handshake` excerpt.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.support.connection_scenarios import Scenario, ScenarioPki, make_pki
from tests.support.java import JAVA_ENV, STRICT_TYPES, TIMEOUT_SECONDS
from tests.support.mtls_server import MtlsServer
from tests.support.nginx_server import NGINX, NginxServer, NginxSetup
from tests.support.throwaway_pki import NOW, ThrowawayCA, new_key
from tests.support.tools import require_tool
from webapp.pki.java import build_keystore, build_truststore

__all__ = ["JavaText", "debug_excerpt", "java_error_texts", "log_wrapped", "variants"]

SOURCE = Path(__file__).parent / "java" / "JavaErrors.java"
PASSWORD = "changeit"
READ_TIMEOUT_MILLIS = 1500


@dataclass(frozen=True)
class JavaText:
    name: str
    expected: str  # the explain code this text must map to
    text: str


def log_wrapped(text: str, *, style: int = 0) -> str:
    """`text` as a platform log shows it: every line behind a timestamp, level, thread and
    logger name (logback's default layout, and a java.util.logging-like one)."""
    prefixes = (
        "2026-12-02 09:14:07.311 ERROR 4711 --- [http-nio-8080-exec-3] "
        "c.a.integration.OutboundSender          : ",
        "[2026-12-02T09:14:07,311][SEVERE][org.acme.platform.destination.HttpsDelivery] ",
    )
    return "\n".join(prefixes[style % 2] + line for line in text.splitlines())


def debug_excerpt(text: str) -> str:
    """The part of a javax.net.debug log people copy: from the CertificateRequest on."""
    lines = text.splitlines()
    marks = ("CertificateRequest", "Consuming server Certificate")
    start = next((i for i, line in enumerate(lines) if any(m in line for m in marks)), 0)
    return "\n".join(lines[start:])


def variants(item: JavaText) -> list[tuple[str, str]]:
    """The text as generated, inside two kinds of platform log, and (for a javax.net.debug
    log) the excerpt from the CertificateRequest on, bare and inside a log."""
    text = item.text
    if "javax.net.ssl|" in text:
        text = debug_excerpt(text)
        found = [("debug log", item.text), ("debug excerpt", text)]
    else:
        found = [("as printed", text)]
    return [
        *found,
        ("logback log", log_wrapped(text)),
        ("JUL-like log", log_wrapped(text, style=1)),
    ]


@functools.cache
def java_error_texts() -> tuple[JavaText, ...]:
    """Every generated text, with the code it must map to."""
    require_tool("java", why="the explain rules are tested with real JDK output")
    folder = Path(tempfile.mkdtemp(prefix="java-errors-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return tuple(_Generator(folder, make_pki()).run_all())


class _Generator:
    def __init__(self, folder: Path, pki: ScenarioPki) -> None:
        self.folder, self.pki = folder, pki
        self.classes = _compile(folder)
        good = self._stores("good", pki.client, [pki.server_ca.root.cert])
        self.keystore, self.truststore = good
        self.other_truststore = self._stores("other", pki.client, [pki.other_ca.root.cert])[1]
        root = [pki.server_ca.root.cert]
        self.expired_keystore = self._stores("expired", pki.expired_client, root)[0]
        self.pem_file = folder / "client.pem"
        self.pem_file.write_bytes(pki.client.cert.public_bytes(serialization.Encoding.PEM))

    def _stores(self, name: str, issued, anchors) -> tuple[Path, Path]:
        keystore, truststore = self.folder / f"{name}-ks.jks", self.folder / f"{name}-ts.jks"
        keystore.write_bytes(
            build_keystore(
                alias="client",
                private_key=issued.key,
                chain=issued.full_chain,
                password=PASSWORD,
            )
        )
        entries = [(f"anchor {i}", cert) for i, cert in enumerate(anchors)]
        truststore.write_bytes(build_truststore(entries=entries, password=PASSWORD))
        return keystore, truststore

    def run_all(self) -> Iterator[JavaText]:
        yield from self._handshakes()
        yield from self._stores_that_fail()
        yield from self._network()
        yield from self._http_refusals()

    def _http_refusals(self) -> Iterator[JavaText]:
        """nginx (Debian's nginx-light) completes the handshake whatever the client sends and
        refuses afterwards with a 400 page: only the logged response body tells why (the
        server is tests/support/nginx_server.py, as in the interop tests)."""
        if _nginx_path() is None:
            return
        cases = [
            # Java sends its certificate (the client root is listed) but the chain is deeper
            # than nginx verifies: "400 The SSL certificate error".
            ("nginx 400, certificate error", "rejected", self.pki.client_ca.root.cert, 0),
            # Only another CA is listed, so Java sends none: "No required SSL certificate".
            (
                "nginx 400, no certificate sent",
                "issuer-not-accepted",
                self.pki.other_ca.root.cert,
                9,
            ),
        ]
        cases.append(("nginx 403 for our subject", "forbidden", self.pki.client_ca.root.cert, 9))
        for name, code, listed, depth in cases:
            deny = "CN=Client One" if code == "forbidden" else None
            setup = NginxSetup(client_cas=(listed,), verify_depth=depth, forbidden_subject=deny)
            folder = self.folder / name.replace(" ", "-").replace(",", "")
            folder.mkdir()
            server = self.pki.server
            with NginxServer(
                folder, chain=server.full_chain[:-1], key=server.key, setup=setup
            ) as nginx:
                yield JavaText(name, code, self._connect(nginx.port, https_path="/in"))

    def _handshakes(self) -> Iterator[JavaText]:
        cases = [
            ("PKIX, server root missing", "server-not-trusted", _s("1.3"), {"ts": "other"}),
            ("hostname, IP address", "hostname-mismatch", _s("1.3", server_cert="misnamed"), {}),
            (
                "hostname, DNS name",
                "hostname-mismatch",
                _s("1.3", server_cert="misnamed"),
                {"host": "localhost"},
            ),
            ("certificate_required", "issuer-not-accepted", _s("1.3", listed=("other",)), {}),
            (
                "TLS 1.3 server trusts another CA",
                "rejected",
                _s("1.3", trusted_clients="other", listed=()),
                {},
            ),
            (
                "TLS 1.2 server trusts another CA",
                "rejected",
                _s("1.2", trusted_clients="other", listed=()),
                {},
            ),
            # Java does not check its own certificate's dates; the server just hangs up.
            ("own certificate expired", "rejected", _s("1.3", listed=()), {"ks": "expired"}),
            (
                "TLS 1.2 client, TLS 1.3 server",
                "protocol-mismatch",
                _s("1.3"),
                {"jvm": ["-Djdk.tls.client.protocols=TLSv1.2"]},
            ),
            (
                "TLS 1.1 only client",
                "protocol-mismatch",
                _s("1.2"),
                {"jvm": ["-Djdk.tls.client.protocols=TLSv1.1"]},
            ),
        ]
        for name, code, scenario, options in cases:
            with scenario.server(self.pki) as server:
                text = self._connect(server.port, **options)
            if name == "own certificate expired" and "certificate_expired" in text:
                # Whether Java reads the server's alert before the reset is a race; when it
                # does, the alert names the cause.
                code = "expired"
            yield JavaText(name, code, text)
        # In TLS 1.2 the server's refusal of NO certificate looks like any refusal (a reset,
        # a broken pipe or handshake_failure); only the debug log shows that Java answered
        # the CertificateRequest with an empty list.
        debug = ["-Djavax.net.debug=ssl:handshake"]
        for name, code, scenario, options in [
            ("TLS 1.2, no certificate sent", "rejected", _s("1.2", listed=("other",)), {}),
            (
                "TLS 1.2, no certificate sent, debug log",
                "issuer-not-accepted",
                _s("1.2", listed=("other",)),
                {"jvm": debug},
            ),
            (
                "TLS 1.3 certificate_required, debug log",
                "issuer-not-accepted",
                _s("1.3", listed=("other",)),
                {"jvm": debug},
            ),
            ("PKIX, debug log", "server-not-trusted", _s("1.2"), {"ts": "other", "jvm": debug}),
        ]:
            with scenario.server(self.pki) as server:
                yield JavaText(name, code, self._connect(server.port, **options))
        with _expired_server(self.pki) as server:
            yield JavaText("partner certificate expired", "expired", self._connect(server.port))

    def _stores_that_fail(self) -> Iterator[JavaText]:
        pkcs12 = self.folder / "client.p12"
        _keytool(
            self.folder,
            "-importkeystore",
            *("-srckeystore", str(self.keystore), "-srcstoretype", "JKS"),
            *("-srcstorepass", PASSWORD, "-destkeystore", str(pkcs12)),
            *("-deststoretype", "PKCS12", "-deststorepass", PASSWORD),
        )
        yield JavaText(
            "JKS, wrong store password", "wrong-store-password", self._connect(0, ks_pass="nope")
        )
        yield JavaText(
            "PKCS#12, wrong store password",
            "wrong-store-password",
            self._connect(0, ks=str(pkcs12), ks_type="PKCS12", ks_pass="nope"),
        )
        yield JavaText(
            "keytool -list, wrong password",
            "wrong-store-password",
            _keytool(self.folder, "-list", "-keystore", str(self.keystore), "-storepass", "nope"),
        )
        yield JavaText(
            "JKS, key password differs",
            "key-password-mismatch",
            self._connect(0, key_pass="other-key-pw"),
        )
        yield JavaText(
            "PKCS#12, key password differs",
            "key-password-mismatch",
            self._connect(0, ks=str(pkcs12), ks_type="PKCS12", key_pass="other-key-pw"),
        )
        yield JavaText(
            "PEM file opened as JKS",
            "not-a-keystore",
            self._connect(0, ks=str(self.pem_file)),
        )
        yield JavaText(
            "PEM file opened as PKCS#12",
            "not-a-keystore",
            self._connect(0, ks=str(self.pem_file), ks_type="PKCS12"),
        )

    def _network(self) -> Iterator[JavaText]:
        closed = socket.create_server(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()
        yield JavaText("connection refused", "unreachable", self._connect(port))
        yield JavaText(
            "unknown host", "unreachable", self._connect(port, host="no-such-partner.invalid")
        )
        with _silent_server() as silent_port:
            yield JavaText("read timed out", "timeout", self._connect(silent_port))

    def _connect(
        self,
        port: int,
        *,
        host: str = "127.0.0.1",
        ks: str | None = None,
        ks_type: str = "JKS",
        ks_pass: str = PASSWORD,
        key_pass: str | None = None,
        ts: str = "good",
        jvm: list[str] | None = None,
        https_path: str | None = None,
    ) -> str:
        keystore = {None: str(self.keystore), "expired": str(self.expired_keystore)}.get(ks, ks)
        truststore = self.other_truststore if ts == "other" else self.truststore
        java = require_tool("java", why="the explain rules are tested with real JDK output")
        argv = [
            java,
            f"-Djava.security.properties={STRICT_TYPES}",
            *(jvm or []),
            *("-cp", str(self.classes), "JavaErrors", host, str(port)),
            *(keystore, ks_type, ks_pass, key_pass or ks_pass),
            *(str(truststore), "JKS", PASSWORD, str(READ_TIMEOUT_MILLIS)),
            *([https_path] if https_path else []),
        ]
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=JAVA_ENV,
            timeout=TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 1:
            raise AssertionError(f"Java was meant to fail ({result.returncode}):\n{result}")
        # javax.net.debug writes to stdout, the stack trace to stderr: a log has both.
        return (result.stdout + result.stderr).strip()


def _s(version: str, **fields: object) -> Scenario:
    return Scenario("java error", "", version, **fields)  # type: ignore[arg-type]


@contextmanager
def _expired_server(pki: ScenarioPki) -> Iterator[MtlsServer]:
    ca: ThrowawayCA = pki.server_ca
    issued = ThrowawayCA._issue(
        ca.intermediate,
        "127.0.0.1",
        new_key("ec256"),
        sans=[x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))],
        eku=x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
        not_before=NOW - dt.timedelta(days=400),
        not_after=NOW - dt.timedelta(days=3),
    )
    with MtlsServer(
        chain=issued.full_chain[:-1],
        key=issued.key,
        trusted_client_cas=[pki.client_ca.root.cert],
        listed_cas=[pki.client_ca.root.cert],
    ) as server:
        yield server


@contextmanager
def _silent_server() -> Iterator[int]:
    """Accepts TCP connections and never says a word: Java's read times out."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except (TimeoutError, OSError):
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
        for conn in held:
            conn.close()


def _nginx_path() -> str | None:
    """nginx, or None by hand when it is missing (those texts are left out); under CI=true a
    missing nginx fails, as every missing tool does (.ci/run installs nginx-light)."""
    if os.access(NGINX, os.X_OK) or shutil.which("nginx"):
        return require_tool("nginx", path=NGINX)
    if os.environ.get("CI") == "true":
        require_tool("nginx", path=NGINX, why="the HTTP-level refusals come from nginx")
    return None


def _compile(folder: Path) -> Path:
    javac = require_tool("javac", why="the Java error client is compiled once per session")
    classes = folder / "classes"
    result = subprocess.run(
        [javac, "-d", str(classes), str(SOURCE)],
        capture_output=True,
        text=True,
        env=JAVA_ENV,
        timeout=TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise AssertionError(f"javac failed:\n{result.stdout}\n{result.stderr}")
    return classes


def _keytool(folder: Path, *args: str) -> str:
    """keytool's output, whether it succeeded or failed (the failures are the point)."""
    keytool = require_tool("keytool", why="keytool's own error texts are explained too")
    result = subprocess.run(
        [keytool, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=JAVA_ENV,
        timeout=TIMEOUT_SECONDS,
        stdin=subprocess.DEVNULL,
    )
    return (result.stdout + result.stderr).strip()
