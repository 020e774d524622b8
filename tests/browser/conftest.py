"""Browser tests: the real app in a thread, Debian Chromium driven by Playwright.

One throw-away PKI, one set of key pair files, one partner TLS server, one app and one
browser per session; a fresh browser context (so a fresh vault session) per test.

Two PKIs, like in real life: "ours" issues the users' client certificates, the "partner's"
issues the server the users fetch from. The partner's server sends only its leaf and
intermediate; its root comes from the EXTRA_ROOTS bundle, as the app is configured in
production for an in-house CA.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from tests.browser.servers import RunningApp, serve_app
from tests.support.throwaway_pki import Issued, ThrowawayCA
from tests.support.tls_server import LocalTLSServer
from tests.support.tools import require_tool
from webapp import create_app

# Throw-away passwords for throw-away keys.
P12_PASSWORD = "p12-Secret!"
PEM_KEY_PASSWORD = "pem-Secret!"
KEYSTORE_PASSWORD = "keystore-pw1"
TRUSTSTORE_PASSWORD = "truststore-pw1"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 360, "height": 800}
OVERSIZE_BYTES = 50 * 1024 * 1024  # far over the 1 MiB limit; a sparse file costs no disk


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        action="store_true",
        default=False,
        help="write docs/screenshots/*.png from the browser tests (make screenshots)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


# --- the throw-away PKI and the files users bring ------------------------------------------


@dataclass(frozen=True)
class Pki:
    ours: ThrowawayCA
    partner: ThrowawayCA
    alice: Issued  # RSA 2048 client: .p12, legacy .pfx, PEM
    bob: Issued  # EC P-256 client
    server: Issued  # the partner's server, for 127.0.0.1


@dataclass(frozen=True)
class KeyFiles:
    """Paths of every file a test uploads; passwords are the module constants."""

    p12: Path  # alice, openssl pkcs12 -export with OpenSSL 3 defaults (AES-256, PBKDF2)
    legacy_pfx: Path  # alice, PBE-SHA1-3DES + SHA-1 MAC, as older Windows tools write
    cert_pem: Path  # alice's certificate and chain, no key
    key_pem: Path  # alice's key, encrypted PKCS#8 (PEM_KEY_PASSWORD)
    ec_p12: Path  # bob, EC P-256
    expiring_p12: Path  # a client certificate that expires in 20 days
    expired_p12: Path
    partner_p7b: Path  # the partner's root and intermediate, PKCS#7 (DER)
    partner_root: Path  # PEM, the EXTRA_ROOTS bundle
    lone_cert: Path  # a certificate without its key
    random_bytes: Path
    empty: Path
    jks: Path  # a Java keystore, not a key pair file
    wrong_key: Path  # bob's key, which does not belong to alice's certificate
    oversize: Path  # 50 MB, sparse


@pytest.fixture(scope="session")
def pki() -> Pki:
    ours = ThrowawayCA("Our Test Root", key_kind="ec256")
    partner = ThrowawayCA("Partner Test Root", key_kind="rsa2048")
    return Pki(
        ours=ours,
        partner=partner,
        alice=ours.issue_client("Alice Example", key_kind="rsa2048"),
        bob=ours.issue_client("Bob Example", key_kind="ec256"),
        server=partner.issue_server("127.0.0.1", key_kind="ec256"),
    )


def _p12(issued: Issued, password: str) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"client",
        issued.key,
        issued.cert,
        issued.chain,
        serialization.BestAvailableEncryption(password.encode()),
    )


@pytest.fixture(scope="session")
def key_files(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> KeyFiles:
    openssl = require_tool("openssl", why="the .p12/.pfx files are written the way users get them")
    folder = tmp_path_factory.mktemp("key-files")
    alice_key = folder / "alice.key"
    alice_key.write_bytes(pki.alice.key_pem())
    cert_pem = folder / "alice-certificate.pem"
    cert_pem.write_bytes(pki.alice.chain_pem())
    key_pem = folder / "alice-private-key.pem"
    key_pem.write_bytes(pki.alice.key_pem(PEM_KEY_PASSWORD.encode()))

    def export(name: str, *extra: str) -> Path:
        out = folder / name
        subprocess.run(
            [
                openssl,
                "pkcs12",
                "-export",
                "-inkey",
                alice_key,
                "-in",
                cert_pem,
                "-name",
                "alice",
                "-out",
                out,
                "-passout",
                f"pass:{P12_PASSWORD}",
                *extra,
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return out

    p12 = export("alice.p12")
    legacy = export(
        "alice-legacy.pfx",
        "-keypbe",
        "PBE-SHA1-3DES",
        "-certpbe",
        "PBE-SHA1-3DES",
        "-macalg",
        "sha1",
    )
    alice_key.unlink()  # only the encrypted copies stay on disk

    now = dt.datetime.now(dt.UTC)
    files: dict[str, Path] = {}
    for name, data in {
        "bob-ec.p12": _p12(pki.bob, P12_PASSWORD),
        "soon.p12": _p12(
            pki.ours.issue_client(
                "Soon Example", key_kind="ec256", not_after=now + dt.timedelta(days=20, hours=1)
            ),
            P12_PASSWORD,
        ),
        "old.p12": _p12(
            pki.ours.issue_client(
                "Old Example",
                key_kind="ec256",
                not_before=now - dt.timedelta(days=400),
                not_after=now - dt.timedelta(days=30),
            ),
            P12_PASSWORD,
        ),
        "partner-ca.p7b": pkcs7.serialize_certificates(
            [pki.partner.intermediate.cert, pki.partner.root.cert], serialization.Encoding.DER
        ),
        "partner-root.pem": pki.partner.root_pem(),
        "just-a-certificate.pem": pki.alice.cert_pem(),
        "random.p12": os.urandom(3000),
        "empty.p12": b"",
        "bob-private-key.pem": pki.bob.key_pem(),
        "keystore.jks": _jks_file(pki),
    }.items():
        files[name] = folder / name
        files[name].write_bytes(data)
    oversize = folder / "huge.p12"
    with oversize.open("wb") as handle:
        handle.truncate(OVERSIZE_BYTES)
    return KeyFiles(
        p12=p12,
        legacy_pfx=legacy,
        cert_pem=cert_pem,
        key_pem=key_pem,
        ec_p12=files["bob-ec.p12"],
        expiring_p12=files["soon.p12"],
        expired_p12=files["old.p12"],
        partner_p7b=files["partner-ca.p7b"],
        partner_root=files["partner-root.pem"],
        lone_cert=files["just-a-certificate.pem"],
        random_bytes=files["random.p12"],
        empty=files["empty.p12"],
        jks=files["keystore.jks"],
        wrong_key=files["bob-private-key.pem"],
        oversize=oversize,
    )


def _jks_file(pki: Pki) -> bytes:
    from webapp.pki.java.jks import build_truststore

    return build_truststore(entries=[("alice", pki.alice.cert)], password=KEYSTORE_PASSWORD)


@pytest.fixture(scope="session")
def partner_server(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTLSServer]:
    """The partner's HTTPS server: sends leaf + intermediate, demands a client certificate
    from our CA (so a Java handshake proves the keystore and the truststore at once)."""
    folder = tmp_path_factory.mktemp("partner")
    key, chain = pki.server.write(folder, "server")
    client_ca = folder / "our-root.pem"
    client_ca.write_bytes(pki.ours.root_pem())
    with LocalTLSServer(chain, key, client_ca=client_ca) as server:
        yield server


# --- the app -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app_config(key_files: KeyFiles, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Config of the app under test; a second app built from it shares the vault (restart)."""
    folder = tmp_path_factory.mktemp("app")
    return {
        "TESTING": True,
        "SECRET_KEY": "browser-tests-" + "x" * 32,
        "VAULT_URL": f"sqlite:///{folder}/vault.db",
        "FETCH_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
        "EXTRA_ROOTS": str(key_files.partner_root),
        "FETCH_RATE_LIMIT": 1000,  # the error tests fetch often from one session
        "FETCH_RATE_LIMIT_PER_ADDRESS": 1000,
    }


@pytest.fixture(scope="session")
def live_app(app_config: dict) -> Iterator[RunningApp]:
    with serve_app(create_app(dict(app_config))) as running:
        yield running


@pytest.fixture
def restarted_app(app_config: dict) -> Iterator[RunningApp]:
    """A second app object on the same vault file and secret: the server after a restart."""
    with serve_app(create_app(dict(app_config))) as running:
        yield running


# --- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    chromium = require_tool(
        "chromium", path="/usr/bin/chromium", why="the browser tests drive Debian's Chromium"
    )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class PageProblems:
    """What the browser complained about: script errors and CSP refusals fail the test."""

    messages: list[str]

    def record_console(self, message: ConsoleMessage) -> None:
        # 4xx answers are part of some error paths; the browser logs them as resource errors.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.messages.append(f"console: {message.text}")


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser, live_app: RunningApp) -> Iterator[OpenPage]:
    """open_page(javascript=True, viewport=DESKTOP, app=live_app, locale=None,
    accept_language=None) -> a page in a new context (`locale`: the browser's language, such
    as "de-DE"; `accept_language`: the Accept-Language header it sends, if given).

    The test fails if the page logged a script error or a Content-Security-Policy refusal.
    """
    contexts: list[tuple[BrowserContext, PageProblems]] = []

    def open_(
        *,
        javascript: bool = True,
        viewport: dict | None = None,
        app: RunningApp | None = None,
        context: BrowserContext | None = None,
        locale: str | None = None,
        accept_language: str | None = None,
    ) -> Page:
        if context is None:
            context = browser.new_context(
                base_url=(app or live_app).url,
                accept_downloads=True,
                java_script_enabled=javascript,
                viewport=viewport or DESKTOP,
                locale=locale,
                extra_http_headers={"Accept-Language": accept_language}
                if accept_language
                else None,
            )
            context.set_default_timeout(10_000)
            problems = PageProblems([])
            context.on("console", problems.record_console)
            context.on("weberror", lambda error: problems.messages.append(f"page: {error.error}"))
            contexts.append((context, problems))
        return context.new_page()

    yield open_
    complaints = []
    for context, problems in contexts:
        complaints += problems.messages
        context.close()
    assert not complaints, "the browser reported problems:\n" + "\n".join(complaints)


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    """A desktop page with JavaScript, in its own context (its own vault session)."""
    return open_page()


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def screenshot_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """docs/screenshots with --screenshots (make screenshots), else a throw-away folder."""
    if request.config.getoption("--screenshots", default=False):
        folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path
