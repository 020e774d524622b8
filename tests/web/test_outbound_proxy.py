"""Issue 15 through the truststore step: the fetch honours HTTPS_PROXY / FLASK_FETCH_PROXY, and
a proxy's refusal is a plain sentence beside the Server URL field."""

from __future__ import annotations

import pytest

from tests.conftest import app_config_for
from tests.support.connect_proxy import ConnectProxy
from tests.support.tls_server import LocalTLSServer
from webapp import create_app

from .procedure import HTMX, page_of


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def fetch(tmp_path, pki, server, **config):
    app = create_app(app_config_for(tmp_path, pki, **config))
    try:
        return page_of(
            app.test_client().post(
                "/truststore/fetch", headers=HTMX, data={"server_url": server.address}
            )
        )
    finally:
        app.extensions["mtls_vault"].close()


def test_the_fetch_goes_through_the_proxy_from_the_environment(
    tmp_path, throwaway_pki, monkeypatch
):
    pki = throwaway_pki
    with LocalTLSServer(pki.server_chain, pki.server_key) as server, ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        page = fetch(tmp_path, pki, server)
    assert not page.errors(), page.errors()
    assert proxy.connects == [f"CONNECT 127.0.0.1:{server.port} HTTP/1.1"]


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("refuse", "did not allow a connection to this server"),
        ("auth", "proxy server asked for a login"),
    ],
)
def test_a_proxy_refusal_is_shown_beside_the_field(tmp_path, throwaway_pki, mode, words):
    pki = throwaway_pki
    with (
        LocalTLSServer(pki.server_chain, pki.server_key) as server,
        ConnectProxy(mode=mode, credentials=("svc", "pw")) as proxy,
    ):
        page = fetch(tmp_path, pki, server, FETCH_PROXY=f"http://127.0.0.1:{proxy.port}")
    assert words in page.errors()["server_url"]


def test_fetch_proxy_none_ignores_the_environment(tmp_path, throwaway_pki, monkeypatch):
    pki = throwaway_pki
    with LocalTLSServer(pki.server_chain, pki.server_key) as server, ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        page = fetch(tmp_path, pki, server, FETCH_PROXY="none")
    assert not page.errors() and proxy.connects == []


def test_a_malformed_proxy_setting_stops_the_app_at_start(tmp_path, throwaway_pki):
    with pytest.raises(ValueError, match="FLASK_FETCH_PROXY"):
        create_app(app_config_for(tmp_path, throwaway_pki, FETCH_PROXY="socks5://p:1080"))


def test_proxy_credentials_never_reach_logs_or_pages(
    tmp_path, throwaway_pki, monkeypatch, caplog, capsys
):
    import logging

    caplog.set_level(logging.DEBUG)
    pki = throwaway_pki
    secret = "Pr0xy-Secret-5581"
    with (
        LocalTLSServer(pki.server_chain, pki.server_key) as server,
        ConnectProxy(mode="auth", credentials=("svc", "other")) as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", f"http://svc:{secret}@127.0.0.1:{proxy.port}")
        page = fetch(tmp_path, pki, server)
    assert "proxy server asked for a login" in page.errors()["server_url"]
    everything = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    out = capsys.readouterr()
    for text in (everything, out.out, out.err, page.html):
        assert secret not in text
