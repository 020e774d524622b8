"""The outbound connection policy: what may be fetched, and proof that refused targets never
cause a connection attempt (a recording connector stands in for the network)."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import pytest

from webapp.pki.partner.connect import ConnectionFailed
from webapp.pki.partner.fetch import fetch_chain
from webapp.pki.partner.outbound import (
    COULD_NOT_CONNECT,
    AddressRefused,
    NameNotFound,
    OutboundPolicy,
    resolve,
    resolve_allowed,
)
from webapp.pki.partner.targets import (
    InvalidAddress,
    Target,
    UnsupportedScheme,
    parse_target,
)

PUBLIC_V4 = "93.184.215.14"  # example.com's address at the time of writing; never contacted


class RecordingConnector:
    """Stands in for the network: records every attempt and refuses it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def __call__(self, address, port: int, timeout: float) -> socket.socket:
        self.calls.append((str(address), port))
        raise ConnectionRefusedError(111, "Connection refused (fake connector)")


def fake_resolver(table: dict[str, list[str]]):
    """A getaddrinfo look-alike answering from `table`; unknown names fail like real DNS."""

    def resolver(host, port, *args, **kwargs):
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (fake)")
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in table[host]
        ]

    return resolver


NAMES = fake_resolver(
    {
        "localhost": ["127.0.0.1", "::1"],
        "internal.example": ["127.0.0.1"],
        "mixed.example": [PUBLIC_V4, "10.0.0.1"],
        "metadata.example": ["169.254.169.254"],
        "public.example": [PUBLIC_V4],
    }
)

# (what the user types, resolver). The numeric oddities go through the REAL getaddrinfo on
# purpose: glibc turns them into 127.0.0.1 without any DNS traffic, which is the trap.
REFUSED_BY_DEFAULT = [
    ("127.0.0.1", NAMES),
    ("https://127.0.0.1:8443/", NAMES),
    ("127.1", socket.getaddrinfo),
    ("2130706433", socket.getaddrinfo),
    ("0177.0.0.1", socket.getaddrinfo),
    ("0x7f.0.0.1", socket.getaddrinfo),
    ("0x7f.1", socket.getaddrinfo),
    ("127.000.000.001", socket.getaddrinfo),
    ("0.0.0.0", NAMES),
    ("::", NAMES),
    ("::1", NAMES),
    ("[::1]:8443", NAMES),
    ("::ffff:127.0.0.1", NAMES),
    ("[::ffff:10.0.0.1]:443", NAMES),
    ("localhost", NAMES),
    ("10.0.0.1", NAMES),
    ("172.16.0.1", NAMES),
    ("192.168.1.1", NAMES),
    ("100.64.0.1", NAMES),
    ("169.254.169.254", NAMES),
    ("169.254.1.1", NAMES),
    ("fd00::1", NAMES),
    ("fd00:ec2::254", NAMES),
    ("fe80::1", NAMES),
    ("fec0::1", NAMES),
    ("224.0.0.1", NAMES),
    ("ff02::1", NAMES),
    ("255.255.255.255", NAMES),
    ("240.0.0.1", NAMES),
    ("192.0.2.1", NAMES),  # documentation
    ("2001:db8::1", NAMES),  # documentation
    ("198.18.0.1", NAMES),  # benchmarking
    ("64:ff9b::a00:1", NAMES),  # NAT64 of 10.0.0.1
    ("64:ff9b::7f00:1", NAMES),  # NAT64 of 127.0.0.1
    ("2002:a00:1::1", NAMES),  # 6to4 of 10.0.0.1
    ("64:ff9b:1::a00:1", NAMES),  # local-use NAT64 prefix (RFC 8215)
    ("::7f00:1", NAMES),  # deprecated IPv4-compatible form
    ("internal.example", NAMES),
    ("mixed.example", NAMES),  # one private address is enough to refuse the name
    ("metadata.example:443", NAMES),
]


@pytest.mark.parametrize(
    ("text", "resolver"), REFUSED_BY_DEFAULT, ids=[text for text, _ in REFUSED_BY_DEFAULT]
)
def test_default_policy_refuses_without_connecting(text, resolver):
    connector = RecordingConnector()
    with pytest.raises(AddressRefused) as caught:
        fetch_chain(
            parse_target(text), policy=OutboundPolicy(), resolver=resolver, connector=connector
        )
    assert connector.calls == []
    assert str(caught.value) == COULD_NOT_CONNECT
    assert caught.value.detail  # the real reason is kept for the log


def test_userinfo_urls_are_refused_before_any_lookup():
    with pytest.raises(InvalidAddress) as caught:
        parse_target("https://example.com@127.0.0.1/")
    assert "@" in str(caught.value)
    with pytest.raises(InvalidAddress):
        parse_target("https://user:secret@example.com:8443/")


def test_public_address_passes_the_policy_and_is_connected_to_directly():
    connector = RecordingConnector()
    with pytest.raises(ConnectionFailed) as caught:  # the fake connector refuses
        fetch_chain(
            parse_target("public.example:8443"),
            policy=OutboundPolicy(),
            resolver=NAMES,
            connector=connector,
        )
    assert connector.calls == [(PUBLIC_V4, 8443)]  # the checked address, not the name
    assert str(caught.value) == COULD_NOT_CONNECT


@pytest.mark.parametrize(
    "address",
    [
        PUBLIC_V4,
        "8.8.8.8",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_public_addresses_are_allowed(address):
    assert OutboundPolicy().refusal_reason(address) is None
    OutboundPolicy().check(ipaddress.ip_address(address))


def test_name_is_resolved_once_and_every_address_checked():
    calls = []

    def counting(host, port, *args, **kwargs):
        calls.append(host)
        return NAMES(host, port, *args, **kwargs)

    with pytest.raises(AddressRefused):
        resolve_allowed(parse_target("mixed.example"), policy=OutboundPolicy(), resolver=counting)
    assert calls == ["mixed.example"]


def test_allowed_networks_open_only_what_they_contain():
    policy = OutboundPolicy.from_config('["127.0.0.0/8"]')
    for allowed in ("127.0.0.1", "127.255.0.9", "::ffff:127.0.0.1"):
        policy.check(allowed)
    for refused in ("10.0.0.1", "::1", "192.168.1.1", "169.254.169.254", "0.0.0.0"):
        with pytest.raises(AddressRefused):
            policy.check(refused)


def test_metadata_and_unspecified_stay_refused_whatever_the_operator_allows():
    policy = OutboundPolicy.from_config(["0.0.0.0/0", "::/0"])
    policy.check("10.0.0.1")
    for refused in ("169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "0.0.0.0", "::"):
        with pytest.raises(AddressRefused):
            policy.check(refused)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),
        ("", ()),
        ("[]", ()),
        ('["127.0.0.0/8", "10.0.0.0/8"]', ("127.0.0.0/8", "10.0.0.0/8")),
        (["fd00::/8", " 192.168.0.0/16 "], ("fd00::/8", "192.168.0.0/16")),
        ([ipaddress.ip_network("10.1.0.0/16")], ("10.1.0.0/16",)),
        ('["10.1.2.3"]', ("10.1.2.3/32",)),
    ],
)
def test_from_config_accepts(value, expected):
    policy = OutboundPolicy.from_config(value)
    assert policy.allowed_networks == tuple(ipaddress.ip_network(n) for n in expected)


@pytest.mark.parametrize(
    "value", ["127.0.0.0/8", '{"net": "10.0.0.0/8"}', '["nonsense"]', '["10.0.0.1/8"]', "[1]"]
)
def test_from_config_explains_bad_values_to_the_operator(value):
    with pytest.raises(ValueError, match="FLASK_FETCH_ALLOWED_NETWORKS"):
        OutboundPolicy.from_config(value)


def test_closed_port_and_refused_address_read_the_same():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens once it is closed
    target = parse_target(f"127.0.0.1:{port}")
    with pytest.raises(ConnectionFailed) as closed:
        fetch_chain(target, policy=OutboundPolicy.from_config(["127.0.0.0/8"]), connect_timeout=2)
    with pytest.raises(AddressRefused) as refused:
        fetch_chain(target, policy=OutboundPolicy())
    assert str(closed.value) == str(refused.value) == COULD_NOT_CONNECT
    assert type(closed.value) is not type(refused.value)  # still distinguishable in code


EXAMPLE = "example.com"
IDN = "xn--bcher-kva.example"
TARGET_FORMS = [
    # (typed, host, port, url, sni)
    ("https://example.com", EXAMPLE, 443, "https://example.com", EXAMPLE),
    ("HTTPS://Example.COM:8443/path?q=1#x", EXAMPLE, 8443, "https://example.com:8443", EXAMPLE),
    ("https://example.com:443/", EXAMPLE, 443, "https://example.com", EXAMPLE),
    ("example.com:8443", EXAMPLE, 8443, "https://example.com:8443", EXAMPLE),
    ("  example.com  ", EXAMPLE, 443, "https://example.com", EXAMPLE),
    ("example.com.", EXAMPLE, 443, "https://example.com", EXAMPLE),
    ("example.com/some/path", EXAMPLE, 443, "https://example.com", EXAMPLE),
    ("example.com:65535", EXAMPLE, 65535, "https://example.com:65535", EXAMPLE),
    ("_srv.example.com", "_srv.example.com", 443, "https://_srv.example.com", "_srv.example.com"),
    ("127.0.0.1:8443", "127.0.0.1", 8443, "https://127.0.0.1:8443", None),
    ("[::1]:8443", "::1", 8443, "https://[::1]:8443", None),
    ("https://[2001:DB8::1]/", "2001:db8::1", 443, "https://[2001:db8::1]", None),
    ("::1", "::1", 443, "https://[::1]", None),
    ("bücher.example:8443", IDN, 8443, f"https://{IDN}:8443", IDN),
]


@pytest.mark.parametrize(("text", "host", "port", "url", "sni"), TARGET_FORMS)
def test_parse_target_forms(text, host, port, url, sni):
    assert parse_target(text) == Target(host=host, port=port, url=url, sni=sni)


@pytest.mark.parametrize(
    "text",
    [
        "http://example.com",
        "ftp://example.com",
        "file:///etc/passwd",
        "file:/etc/passwd",
        "gopher://example.com:70/",
        "ldap://example.com",
        "javascript:alert(1)",
        "mailto:a@b.example",
        "wss://example.com",
    ],
)
def test_parse_target_refuses_other_schemes(text):
    with pytest.raises(UnsupportedScheme) as caught:
        parse_target(text)
    assert str(caught.value).startswith("Only https:// addresses can be checked")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "x" * 2049,
        "example.com:0",
        "example.com:65536",
        "example.com:99999",
        "example.com:http",
        "example.com:-1",
        "example.com:",
        "example.com:٨٠",
        "exa mple.com",
        "exam!ple.com",
        "-example.com",
        "a..b",
        "https://",
        "https://[::1",
        "https://[example.com]:443",
        "https://2001:db8::1/",
        "https://%31%32%37.0.0.1/",
        "x" * 64 + ".example",
        "[::1]x",
    ],
)
def test_parse_target_rejects_invalid_addresses(text):
    with pytest.raises(InvalidAddress) as caught:
        parse_target(text)
    assert str(caught.value).endswith(".")  # a sentence for the user, not a code


def test_resolve_deduplicates_and_drops_ipv6_scope():
    resolver = fake_resolver({"dup.example": ["192.0.2.1", "192.0.2.1", "fe80::1%eth0"]})
    assert resolve("dup.example", 443, resolver=resolver) == [
        ipaddress.ip_address("192.0.2.1"),
        ipaddress.ip_address("fe80::1"),
    ]


def test_resolve_maps_dns_failure_to_name_not_found():
    with pytest.raises(NameNotFound) as caught:
        resolve("nowhere.example", 443, resolver=NAMES)
    assert "could not find a server" in str(caught.value)
    assert "fake" in caught.value.detail


def test_resolve_gives_up_on_a_stuck_resolver():
    release = threading.Event()

    def stuck(*args, **kwargs):
        release.wait(5)
        raise socket.gaierror(socket.EAI_AGAIN, "released")

    started = time.monotonic()
    try:
        with pytest.raises(NameNotFound):
            resolve("slow.example", 443, resolver=stuck, timeout=0.2)
    finally:
        release.set()
    assert time.monotonic() - started < 1.5
