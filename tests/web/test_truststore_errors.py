"""Issue 3 errors over HTTP: every way a fetch or an upload fails is one plain sentence beside
its field, and the keystore and the certificates collected earlier stay as they were.

All traffic stays on loopback: the DNS case uses a name under `.invalid` (RFC 6761: never
resolves) and a resolver that answers for it locally, so no query leaves the machine.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import webapp.pki.partner.fetch
from tests.conftest import ThrowawayPki, app_config_for
from webapp import create_app
from webapp.pki.partner.connect import ConnectionTimedOut
from webapp.pki.partner.fetch import HandshakeFailed, NotTLS
from webapp.pki.partner.outbound import COULD_NOT_CONNECT, NameNotFound
from webapp.pki.partner.targets import UnsupportedScheme

from .conftest import FormatCase
from .misbehaving_servers import (
    PLAIN_HTTP_ANSWER,
    TLS_HANDSHAKE_FAILURE_ALERT,
    closed_port,
    replying_server,
    silent_server,
)
from .page import assert_error_beside
from .procedure import complete_keystore, download, page_of, saved_state, upload_certificates

# Seconds: long enough for a loopback handshake, short enough to keep the timeout case quick.
FETCH_TIMEOUT = 0.5


@dataclass(frozen=True)
class FetchCase:
    message: str
    url: Callable[[int], str]  # port of the misbehaving server -> what the user types
    server: Callable[[], AbstractContextManager[Any]] = nullcontext
    config: dict[str, str] = field(default_factory=dict)


FETCH_CASES = {
    "dns-failure": FetchCase(NameNotFound.message, lambda port: "https://nonexistent.invalid/x"),
    "connection-refused": FetchCase(COULD_NOT_CONNECT, lambda port: f"127.0.0.1:{closed_port()}"),
    "timeout": FetchCase(
        ConnectionTimedOut.message, lambda port: f"https://127.0.0.1:{port}/", server=silent_server
    ),
    "not-tls": FetchCase(
        NotTLS.message,
        lambda port: f"127.0.0.1:{port}",
        server=lambda: replying_server(PLAIN_HTTP_ANSWER),
    ),
    "handshake-failure": FetchCase(
        HandshakeFailed.message,
        lambda port: f"127.0.0.1:{port}",
        server=lambda: replying_server(TLS_HANDSHAKE_FAILURE_ALERT),
    ),
    # Same words as a closed port on purpose: the answer must not reveal which one it was.
    "refused-address-by-default": FetchCase(
        COULD_NOT_CONNECT,
        lambda port: f"https://127.0.0.1:{port}/",
        server=silent_server,
        config={"FETCH_ALLOWED_NETWORKS": "[]"},
    ),
    "http-scheme": FetchCase(UnsupportedScheme.message, lambda port: "http://127.0.0.1/inbound"),
}


@pytest.fixture(autouse=True)
def no_dns_leaves_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answer `.invalid` names locally; anything else that is not an IP literal fails loudly."""
    real = socket.getaddrinfo

    def resolver(host: str, port: Any, *args: Any, **kwargs: Any):
        if host.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if host != "localhost":
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return real(host, port, *args, **kwargs)

    # fetch_chain binds socket.getaddrinfo as a keyword default, so patch the default itself.
    monkeypatch.setitem(webapp.pki.partner.fetch.fetch_chain.__kwdefaults__, "resolver", resolver)


@contextmanager
def app_with(folder: Path, pki: ThrowawayPki, **config: Any) -> Iterator[Flask]:
    app = create_app(app_config_for(folder, pki, FETCH_TIMEOUT=FETCH_TIMEOUT, **config))
    yield app
    app.extensions["mtls_vault"].close()


@pytest.fixture
def earlier_work(
    keypair_uploads: dict[str, FormatCase], throwaway_pki: ThrowawayPki
) -> Callable[[Flask], FlaskClient]:
    """A session with the keystore done and one partner certificate uploaded."""

    def prepare(app: Flask) -> FlaskClient:
        client = app.test_client()
        complete_keystore(client, keypair_uploads["p12-openssl-modern-ec256"].upload)
        page_of(upload_certificates(client, [(throwaway_pki.root_pem.read_bytes(), "root.pem")]))
        return client

    return prepare


def assert_earlier_work_intact(client: FlaskClient, app: Flask) -> None:
    state = saved_state(client, app)
    assert state is not None
    assert state["keystore"]["password"], "the keystore password was lost"
    assert [c["source"] for c in state["truststore"]["certs"]] == ["upload"]
    assert download(client, "/keystore/download").data[:4] == b"\xfe\xed\xfe\xed"


@pytest.mark.parametrize("name", FETCH_CASES)
def test_fetch_error_is_a_plain_sentence_beside_server_url(
    name: str,
    tmp_path: Path,
    throwaway_pki: ThrowawayPki,
    earlier_work: Callable[[Flask], FlaskClient],
):
    case = FETCH_CASES[name]
    with app_with(tmp_path, throwaway_pki, **case.config) as app:
        client = earlier_work(app)
        with case.server() as port:
            typed = case.url(port or 0)
            response = client.post(
                "/truststore/fetch", data={"server_url": typed}, headers={"HX-Request": "true"}
            )
        page = page_of(response)
        assert_error_beside(page, "server_url", case.message)
        assert page.errors().keys() == {"server_url"}
        assert page.field("server_url").attrs["value"] == typed  # kept, to correct it
        assert_earlier_work_intact(client, app)


def test_refused_address_is_never_contacted(
    tmp_path: Path, throwaway_pki: ThrowawayPki, earlier_work: Callable[[Flask], FlaskClient]
):
    with app_with(tmp_path, throwaway_pki, FETCH_ALLOWED_NETWORKS="[]") as app:
        client = earlier_work(app)
        with socket.create_server(("127.0.0.1", 0)) as listener:
            port = listener.getsockname()[1]
            page = page_of(
                client.post("/truststore/fetch", data={"server_url": f"127.0.0.1:{port}"})
            )
            listener.setblocking(False)
            with pytest.raises(BlockingIOError):  # no connection is waiting to be accepted
                listener.accept()
        assert_error_beside(page, "server_url", COULD_NOT_CONNECT)


def test_fetch_error_in_a_plain_form_post_shows_the_full_page(
    tmp_path: Path, throwaway_pki: ThrowawayPki, earlier_work: Callable[[Flask], FlaskClient]
):
    with app_with(tmp_path, throwaway_pki) as app:
        client = earlier_work(app)
        page = page_of(client.post("/truststore/fetch", data={"server_url": "ftp://host/x"}))
        assert page.is_full_page
        assert_error_beside(page, "server_url", UnsupportedScheme.message)


UPLOAD_CASES = {
    "random-bytes": (
        [(b"\x01\x02not a certificate" * 50, "partner.cer")],
        "partner.cer: This file does not contain any certificates we can read.",
    ),
    "empty-file": ([(b"", "empty.pem")], "empty.pem: This file is empty."),
    "one-good-one-bad": ([(b"GOOD", "good.pem"), (b"garbage", "bad.crt")], "bad.crt: "),
    "over-1-mib": (
        [(b"-----BEGIN CERTIFICATE-----\n" + b"A" * (2 * 1024 * 1024), "huge.pem")],
        "This file is too large.",
    ),
}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
@pytest.mark.parametrize("name", UPLOAD_CASES)
def test_upload_error_is_shown_beside_certificate_files(
    name: str,
    htmx: bool,
    app: Flask,
    earlier_work: Callable[[Flask], FlaskClient],
    throwaway_pki: ThrowawayPki,
):
    files, message = UPLOAD_CASES[name]
    files = [
        (throwaway_pki.server.cert_pem() if data == b"GOOD" else data, filename)
        for data, filename in files
    ]
    client = earlier_work(app)

    page = page_of(upload_certificates(client, files, htmx=htmx))

    assert page.is_full_page is not htmx
    assert_error_beside(page, "cert_files", message)
    assert_earlier_work_intact(client, app)  # nothing of a failed upload is added either
