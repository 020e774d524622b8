"""Issue 15: partner connections through the organisation's HTTP proxy (CONNECT tunnel)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from tests.support.connect_proxy import ConnectProxy
from tests.support.throwaway_pki import ThrowawayCA
from tests.support.tls_server import LocalTLSServer
from webapp.pki.partner.connect import ConnectionTimedOut
from webapp.pki.partner.fetch import fetch_chain
from webapp.pki.partner.outbound import AddressRefused
from webapp.pki.partner.proxy import DIRECT, NoProxy, ProxySettings, ProxyURL
from webapp.pki.partner.targets import parse_target
from webapp.pki.partner.tunnel import (
    ProxyAuthenticationRequired,
    ProxyRefused,
    ProxyUnreachable,
)
from webapp.web.outbound import policy_from_config

LOOPBACK = '["127.0.0.0/8"]'
QUICK = {"connect_timeout": 2.0, "handshake_timeout": 2.0}


@pytest.fixture(scope="module")
def partner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTLSServer]:
    ca = ThrowawayCA("Proxy Test CA", key_kind="ec256")
    leaf = ca.issue_server("127.0.0.1", key_kind="ec256")
    key_path, chain_path = leaf.write(tmp_path_factory.mktemp("partner"), "server")
    with LocalTLSServer(chain_path, key_path) as server:
        server.leaf_der = leaf.cert.public_bytes(Encoding.DER)  # type: ignore[attr-defined]
        yield server


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def policy(fetch_proxy: str = "") -> object:
    return policy_from_config({"FETCH_ALLOWED_NETWORKS": LOOPBACK, "FETCH_PROXY": fetch_proxy})


def test_https_proxy_from_the_environment_carries_the_fetch(partner, monkeypatch):
    with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        fetched = fetch_chain(parse_target(partner.address), policy=policy(), **QUICK)
    assert proxy.connects == [f"CONNECT 127.0.0.1:{partner.port} HTTP/1.1"]
    assert proxy.headers[0]["host"] == f"127.0.0.1:{partner.port}"
    assert "proxy-authorization" not in proxy.headers[0]
    assert fetched.certificates[0].public_bytes(Encoding.DER) == partner.leaf_der
    assert fetched.address == ipaddress.ip_address("127.0.0.1")  # a literal: checked here


def test_lower_case_https_proxy_works_too(partner, monkeypatch):
    with ConnectProxy() as proxy:
        monkeypatch.setenv("https_proxy", proxy.url)
        fetch_chain(parse_target(partner.address), policy=policy(), **QUICK)
    assert len(proxy.connects) == 1


@pytest.mark.parametrize(
    "no_proxy",
    ["127.0.0.1", "127.0.0.0/8", "*", "localhost,127.0.0.1", "PORT", "other.example, 127.0.0.1"],
)
def test_no_proxy_bypasses_the_proxy(partner, monkeypatch, no_proxy):
    with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy.replace("PORT", f"127.0.0.1:{partner.port}"))
        fetched = fetch_chain(parse_target(partner.address), policy=policy(), **QUICK)
    assert proxy.connects == []
    assert fetched.certificates


def test_no_proxy_for_another_port_still_uses_the_proxy(partner, monkeypatch):
    with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("no_proxy", "127.0.0.1:1")
        fetch_chain(parse_target(partner.address), policy=policy(), **QUICK)
    assert len(proxy.connects) == 1


def test_login_from_the_url_is_sent_percent_decoded(partner, monkeypatch):
    with ConnectProxy(mode="auth", credentials=("svc mtls", "p@ss:wörd")) as proxy:
        url = f"http://svc%20mtls:p%40ss%3Aw%C3%B6rd@127.0.0.1:{proxy.port}"
        fetched = fetch_chain(parse_target(partner.address), policy=policy(url), **QUICK)
    assert fetched.certificates
    assert proxy.headers[0]["proxy-authorization"] == proxy._expected_auth()
    assert "wörd" not in repr(ProxyURL.parse(url)) and "p%40ss" not in repr(ProxyURL.parse(url))


def test_a_proxy_wanting_a_login_gives_the_plain_message(partner, monkeypatch):
    with ConnectProxy(mode="auth", credentials=("svc", "right")) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("//", "//svc:wrong@"))
        with pytest.raises(ProxyAuthenticationRequired) as caught:
            fetch_chain(parse_target(partner.address), policy=policy(), **QUICK)
    assert "proxy server asked for a login" in str(caught.value)
    assert "wrong" not in str(caught.value) and "wrong" not in caught.value.detail
    assert "407" in caught.value.detail


def test_a_proxy_refusing_the_target_quotes_its_status_line(partner, monkeypatch):
    with ConnectProxy(mode="refuse") as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with pytest.raises(ProxyRefused) as caught:
            fetch_chain(parse_target(partner.address), policy=policy(), **QUICK)
    assert "did not allow a connection to this server" in str(caught.value)
    assert "“HTTP/1.1 403 Forbidden by policy”" in str(caught.value)
    assert proxy.connects == [f"CONNECT 127.0.0.1:{partner.port} HTTP/1.1"]


def test_an_unreachable_proxy_gives_the_plain_message(partner, monkeypatch):
    with ConnectProxy() as proxy:
        closed = proxy.port
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed}")
    with pytest.raises(ProxyUnreachable) as caught:
        fetch_chain(parse_target(partner.address), policy=policy(), **QUICK)
    assert "could not reach the organisation's proxy server" in str(caught.value)


def test_a_silent_proxy_times_out_within_the_connect_timeout(partner, monkeypatch):
    import socket
    import time

    silent = socket.create_server(("127.0.0.1", 0))  # accepts (backlog) but never answers
    with silent:
        monkeypatch.setenv("HTTPS_PROXY", f"127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        with pytest.raises(ConnectionTimedOut):
            fetch_chain(
                parse_target(partner.address),
                policy=policy(),
                connect_timeout=0.5,
                handshake_timeout=0.5,
            )
    assert time.monotonic() - started < 1.5


def test_policy_still_refuses_a_literal_address_before_any_connect(partner, monkeypatch):
    with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        no_networks = policy_from_config({"FETCH_ALLOWED_NETWORKS": "[]"})
        with pytest.raises(AddressRefused):
            fetch_chain(parse_target(partner.address), policy=no_networks, **QUICK)
        with pytest.raises(AddressRefused):  # a name resolving to loopback is judged too
            fetch_chain(parse_target(f"localhost:{partner.port}"), policy=no_networks, **QUICK)
    assert proxy.connects == []


def test_a_name_only_the_proxy_can_resolve_goes_to_the_proxy(partner, monkeypatch):
    import socket

    def no_outside_dns(host, port, *args, **kwargs):
        if host == "partner.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return socket.getaddrinfo(host, port, *args, **kwargs)

    with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        # The test proxy cannot resolve it either: it answers 502, quoted to the user.
        with pytest.raises(ProxyRefused, match="502"):
            fetch_chain(
                parse_target("partner.invalid:443"),
                policy=policy(),
                resolver=no_outside_dns,
                **QUICK,
            )
    assert proxy.connects == ["CONNECT partner.invalid:443 HTTP/1.1"]


def test_fetch_proxy_setting_overrides_and_disables_the_environment(partner, monkeypatch):
    with ConnectProxy() as env_proxy, ConnectProxy() as configured:
        monkeypatch.setenv("HTTPS_PROXY", env_proxy.url)
        fetch_chain(parse_target(partner.address), policy=policy(configured.url), **QUICK)
        for word in ("none", "DIRECT"):
            fetch_chain(parse_target(partner.address), policy=policy(word), **QUICK)
    assert env_proxy.connects == [] and len(configured.connects) == 1


@pytest.mark.parametrize(
    ("entries", "host", "port", "bypassed"),
    [
        ("example.com", "example.com", 443, True),
        ("example.com", "api.example.com", 443, True),
        (".example.com", "example.com", 443, True),
        (".example.com", "deep.api.example.com", 443, True),
        ("example.com", "notexample.com", 443, False),
        ("EXAMPLE.com.", "example.com", 443, True),
        ("example.com:8443", "example.com", 8443, True),
        ("example.com:8443", "example.com", 443, False),
        ("10.0.0.0/8", "10.1.2.3", 443, True),
        ("10.0.0.0/8", "ten.example", 443, False),  # names are not resolved for NO_PROXY
        ("::1", "::1", 443, True),
        ("[2001:db8::1]:443", "2001:db8::1", 443, True),
        ("2001:db8::/32", "2001:db8::5", 443, True),
        ("", "example.com", 443, False),
        (" , ,*", "anything.example", 1, True),
    ],
)
def test_no_proxy_follows_curl(entries, host, port, bypassed):
    target = parse_target(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    assert NoProxy.parse(entries).bypasses(target) is bypassed


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("http://proxy.corp:3128", "proxy.corp", 3128),
        ("proxy.corp:8080", "proxy.corp", 8080),
        ("http://proxy.corp", "proxy.corp", 1080),
        ("http://[fd00::1]:3128/", "fd00::1", 3128),
    ],
)
def test_proxy_urls_parse(text, host, port):
    parsed = ProxyURL.parse(text)
    assert (parsed.host, parsed.port, parsed.username) == (host, port, None)


@pytest.mark.parametrize(
    "text",
    [
        "socks5://proxy:1080",
        "https://proxy:3128",
        "http://:3128",
        "http://user:s3cret@proxy:notaport",
    ],
)
def test_bad_proxy_urls_are_refused_without_echoing_them(text):
    with pytest.raises(ValueError) as caught:
        ProxyURL.parse(text)
    assert "s3cret" not in str(caught.value)


def test_empty_config_uses_the_environment_and_none_means_direct():
    env = {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": ".corp"}
    assert ProxySettings.from_config("", env).proxy == ProxyURL("p", 3128)
    assert ProxySettings.from_config(None, {}) == DIRECT
    assert ProxySettings.from_config("none", env) == DIRECT
    assert ProxySettings.from_config("http://q:1", env).no_proxy == NoProxy.parse(".corp")
