"""Let the JDK judge many downloaded keystores at once: keytool -list and a mutual-TLS handshake.

Every check is a JVM launch (~0.5 s); running them two at a time on the 2-core runners halves
the wall time, and collecting the verdicts in one place lets each test report its own file.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.support.java import KeytoolListing, MtlsResult, keytool_list, run_mtls_client
from tests.support.tls_server import LocalTLSServer
from tests.support.tools import require_tool

__all__ = ["JavaVerdict", "StoreFiles", "judge_with_java"]

PARALLEL_JVMS = 2  # the CI runners have two cores


@dataclass(frozen=True)
class StoreFiles:
    """A keystore and truststore pair as the Java client would be configured with."""

    keystore: Path
    keystore_password: str
    truststore: Path
    truststore_password: str


@dataclass(frozen=True)
class JavaVerdict:
    keystore_listing: KeytoolListing | None
    truststore_listing: KeytoolListing | None
    listing_failure: str | None
    handshake: MtlsResult


def judge_with_java(
    stores: dict[str, StoreFiles], server: LocalTLSServer, *, list_truststores: bool = False
) -> dict[str, JavaVerdict]:
    """keytool -list every keystore (and truststore if asked), then connect to `server` with
    each."""
    # Resolve the tools here: a skip raised inside a worker thread would be reported oddly.
    require_tool("keytool", why="the JDK must read every store we build")
    require_tool("java", why="a real Java client must accept our stores")
    require_tool("javac", why="the Java test client is compiled once per session")

    def judge(files: StoreFiles) -> JavaVerdict:
        keystore_listing = truststore_listing = failure = None
        try:
            keystore_listing = keytool_list(files.keystore, files.keystore_password)
            if list_truststores:
                truststore_listing = keytool_list(files.truststore, files.truststore_password)
        except AssertionError as exc:
            failure = str(exc)
        handshake = run_mtls_client(
            "127.0.0.1",
            server.port,
            files.keystore,
            files.keystore_password,
            files.truststore,
            files.truststore_password,
        )
        return JavaVerdict(keystore_listing, truststore_listing, failure, handshake)

    names = list(stores)
    # The first one alone: it compiles the Java client, which the others then share.
    verdicts = {name: judge(stores[name]) for name in names[:1]}
    with ThreadPoolExecutor(max_workers=PARALLEL_JVMS) as pool:
        futures = {name: pool.submit(judge, stores[name]) for name in names[1:]}
        verdicts.update((name, future.result()) for name, future in futures.items())
    return verdicts
