"""One Settings for the portal and the CLI (issue 20, item 9): one variable, one meaning."""

from __future__ import annotations

import ipaddress

import pytest

from tests.conftest import app_config_for
from webapp import create_app
from webapp.pki.partner.proxy import DIRECT
from webapp.pki.partner.settings import Settings
from webapp.web import outbound

ENVIRONMENT = {
    "FLASK_FETCH_ALLOWED_NETWORKS": '["10.0.0.0/8", "127.0.0.0/8"]',
    "FLASK_FETCH_PROXY": "http://proxy.corp.example:3128",
    "FLASK_FETCH_TIMEOUT": "2.5",
    "FLASK_EXTRA_ROOTS": "/etc/ssl/corp-roots.pem",
    "NO_PROXY": "intranet.example",
}


def test_from_env_reads_every_setting_as_the_portal_does(tmp_path, throwaway_pki, monkeypatch):
    cli = Settings.from_env(ENVIRONMENT)
    assert cli.timeout == 2.5
    assert cli.policy.allowed_networks == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("127.0.0.0/8"),
    )
    assert cli.policy.proxy.proxy is not None
    assert cli.policy.proxy.proxy.netloc == "proxy.corp.example:3128"
    assert cli.extra_roots == ("/etc/ssl/corp-roots.pem",)
    # The portal reads the same variables through Flask's from_prefixed_env.
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    config = app_config_for(tmp_path, throwaway_pki)
    for key in ("FETCH_ALLOWED_NETWORKS", "EXTRA_ROOTS"):
        del config[key]
    app = create_app(config)
    try:
        with app.app_context():
            assert outbound.settings() == cli
    finally:
        app.extensions["mtls_vault"].close()


def test_defaults_without_any_variable():
    settings = Settings.from_env({})
    assert settings.timeout == 5.0
    assert settings.policy.allowed_networks == ()
    assert settings.policy.proxy == DIRECT
    assert settings.extra_roots == ()


def test_the_proxy_word_none_wins_over_https_proxy():
    settings = Settings.from_env({"FLASK_FETCH_PROXY": "none", "HTTPS_PROXY": "http://p:8080"})
    assert settings.policy.proxy == DIRECT
    assert Settings.from_env({"HTTPS_PROXY": "http://p:8080"}).policy.proxy.proxy is not None


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("FLASK_FETCH_TIMEOUT", "soon", "FLASK_FETCH_TIMEOUT must be a number of seconds"),
        ("FLASK_FETCH_TIMEOUT", "0", "FLASK_FETCH_TIMEOUT must be between 0 and 300"),
        ("FLASK_FETCH_PROXY", "socks5://p:1080", "FLASK_FETCH_PROXY"),
        ("FLASK_FETCH_ALLOWED_NETWORKS", "10.0.0.0/8", "FLASK_FETCH_ALLOWED_NETWORKS"),
    ],
)
def test_a_bad_value_names_its_variable(variable, value, words):
    with pytest.raises(ValueError, match=words):
        Settings.from_env({variable: value})


def test_with_networks_adds_the_command_line_networks():
    settings = Settings.from_env({"FLASK_FETCH_ALLOWED_NETWORKS": '["10.0.0.0/8"]'})
    wider = settings.with_networks(["192.168.0.0/16"])
    assert wider.policy.allowed_networks == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.168.0.0/16"),
    )
    assert wider.policy.proxy == settings.policy.proxy and wider.timeout == settings.timeout
