"""Fetching a chain from real servers on 127.0.0.1, and every way that can go wrong."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

import webapp.pki.partner.fetch as fetch_module
from tests.support.throwaway_pki import NOW, ThrowawayCA
from tests.support.tls_server import LocalTLSServer
from webapp.pki.partner.connect import ConnectionFailed, ConnectionTimedOut, connect_tcp
from webapp.pki.partner.fetch import (
    HandshakeFailed,
    NoCertificate,
    NotTLS,
    UnreadableCertificate,
    fetch_chain,
    hostname_matches,
)
from webapp.pki.partner.outbound import (
    COULD_NOT_CONNECT,
    AddressRefused,
    NameNotFound,
    OutboundPolicy,
)
from webapp.pki.partner.targets import FetchError, parse_target

LOOPBACK_ALLOWED = OutboundPolicy.from_config(["127.0.0.0/8"])
QUICK = {"connect_timeout": 2.0, "handshake_timeout": 2.0}


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def assert_plain_message(exc: FetchError) -> None:
    """What the user sees carries no OpenSSL text; the detail (for logs) does the explaining."""
    for technical in ("SSL", "_ssl.c", "errno", "Errno", "alert"):
        assert technical not in str(exc)
    assert exc.detail


@pytest.fixture(scope="module")
def ca() -> ThrowawayCA:
    return ThrowawayCA("Fetch Test CA", key_kind="ec256")


@pytest.fixture(scope="module")
def server_leaf(ca):
    return ca.issue_server("127.0.0.1", key_kind="ec256")


@pytest.fixture(scope="module")
def server_files(server_leaf, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fetch-server")
    key_path, chain_path = server_leaf.write(folder, "server")  # leaf + intermediate
    root_path = folder / "root.pem"
    root_path.write_bytes(server_leaf.chain[-1].public_bytes(Encoding.PEM))
    return key_path, chain_path, root_path


@pytest.fixture(scope="module")
def tls_server(server_files) -> Iterator[LocalTLSServer]:
    key_path, chain_path, _ = server_files
    with LocalTLSServer(chain_path, key_path) as server:
        yield server


@contextmanager
def one_shot_server(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """Accept one connection on 127.0.0.1 and hand it to `handle`; yields the port."""
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def serve() -> None:
        listener.settimeout(5)
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            # The client may hang up first; nothing to assert on the server side then.
            with contextlib.suppress(OSError):
                handle(conn)
            done.wait(5)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        listener.close()
        thread.join(5)


def test_fetch_returns_leaf_then_intermediate_as_sent(tls_server, server_leaf, ca):
    fetched = fetch_chain(parse_target(tls_server.address), policy=LOOPBACK_ALLOWED, **QUICK)
    assert [der(c) for c in fetched.certificates] == [
        der(server_leaf.cert),
        der(ca.intermediate.cert),
    ]
    assert fetched.address == ipaddress.ip_address("127.0.0.1")
    assert fetched.tls_version in {"TLSv1.2", "TLSv1.3"}
    assert fetched.hostname_matches is True
    assert fetched.target.port == tls_server.port


def test_default_policy_never_reaches_the_local_server(server_files):
    key_path, chain_path, _ = server_files
    with LocalTLSServer(chain_path, key_path) as server:  # fresh: no earlier visitors
        with pytest.raises(AddressRefused):
            fetch_chain(parse_target(server.address), policy=OutboundPolicy(), **QUICK)
        time.sleep(0.3)  # a connection, had there been one, is recorded by now
        assert server.client_subjects == [] and server.failures == []


def test_sni_name_and_hostname_mismatch(tls_server):
    def resolver(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    fetched = fetch_chain(
        parse_target(f"wrong.example:{tls_server.port}"),
        policy=LOOPBACK_ALLOWED,
        resolver=resolver,
        **QUICK,
    )
    assert fetched.target.sni == "wrong.example"
    assert fetched.hostname_matches is False  # the leaf names only 127.0.0.1


def test_server_demanding_a_client_certificate_over_tls12_still_shows_its_chain(
    server_files, server_leaf
):
    key_path, chain_path, root_path = server_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 would finish our side anyway
    context.load_cert_chain(chain_path, key_path)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(root_path)

    def demand_client_cert(conn: socket.socket) -> None:
        conn.settimeout(5)
        context.wrap_socket(conn, server_side=True).close()

    with one_shot_server(demand_client_cert) as port:
        fetched = fetch_chain(parse_target(f"127.0.0.1:{port}"), policy=LOOPBACK_ALLOWED, **QUICK)
    assert der(fetched.certificates[0]) == der(server_leaf.cert)
    assert len(fetched.certificates) == 2
    assert fetched.tls_version is None  # the server ended the handshake after its chain


def test_closed_port_is_connection_failed():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionFailed) as caught:
        fetch_chain(parse_target(f"127.0.0.1:{port}"), policy=LOOPBACK_ALLOWED, **QUICK)
    assert str(caught.value) == COULD_NOT_CONNECT
    assert_plain_message(caught.value)


def test_plain_http_server_is_not_tls():
    def http(conn: socket.socket) -> None:
        conn.settimeout(5)
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    with one_shot_server(http) as port:
        with pytest.raises(NotTLS) as caught:
            fetch_chain(parse_target(f"127.0.0.1:{port}"), policy=LOOPBACK_ALLOWED, **QUICK)
    assert "WRONG_VERSION_NUMBER" in caught.value.detail
    assert_plain_message(caught.value)


def test_server_hanging_up_on_the_client_hello_is_not_tls():
    def hang_up(conn: socket.socket) -> None:
        conn.settimeout(5)
        conn.recv(4096)
        conn.shutdown(socket.SHUT_RDWR)

    with one_shot_server(hang_up) as port:
        with pytest.raises(NotTLS) as caught:
            fetch_chain(parse_target(f"127.0.0.1:{port}"), policy=LOOPBACK_ALLOWED, **QUICK)
    assert_plain_message(caught.value)


def test_silent_server_times_out_within_the_handshake_timeout():
    with one_shot_server(lambda conn: None) as port:  # accepts, never answers
        started = time.monotonic()
        with pytest.raises(ConnectionTimedOut) as caught:
            fetch_chain(
                parse_target(f"127.0.0.1:{port}"),
                policy=LOOPBACK_ALLOWED,
                connect_timeout=0.5,
                handshake_timeout=0.5,
            )
        elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 1.5
    assert_plain_message(caught.value)


def test_handshake_deadline_is_total_not_per_read():
    # A server that drips a (never complete) TLS record one byte at a time would beat a
    # per-read timeout forever.
    def drip(conn: socket.socket) -> None:
        conn.recv(4096)
        for byte in b"\x16\x03\x03\x40\x00" + b"\x02" * 40:
            conn.sendall(bytes([byte]))
            time.sleep(0.1)

    with one_shot_server(drip) as port:
        started = time.monotonic()
        with pytest.raises(ConnectionTimedOut):
            fetch_chain(
                parse_target(f"127.0.0.1:{port}"),
                policy=LOOPBACK_ALLOWED,
                connect_timeout=0.5,
                handshake_timeout=0.5,
            )
        # Per-read timeouts would wait for the whole drip (4.5 s); margin for a busy machine.
        assert time.monotonic() - started < 3.0


def test_tls_alert_is_handshake_failed():
    def refuse(conn: socket.socket) -> None:
        conn.settimeout(5)
        conn.recv(4096)
        conn.sendall(bytes.fromhex("15030300020228"))  # fatal alert: handshake_failure

    with one_shot_server(refuse) as port:
        with pytest.raises(HandshakeFailed) as caught:
            fetch_chain(parse_target(f"127.0.0.1:{port}"), policy=LOOPBACK_ALLOWED, **QUICK)
    assert "HANDSHAKE_FAILURE" in caught.value.detail
    assert_plain_message(caught.value)


def test_dns_failure_is_name_not_found():
    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(NameNotFound) as caught:
        fetch_chain(
            parse_target("no-such-host.example"), policy=OutboundPolicy(), resolver=no_such_name
        )
    assert_plain_message(caught.value)


def test_next_checked_address_is_tried_when_one_is_unreachable(tls_server):
    attempts = []

    def resolver(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in ("127.0.0.2", "127.0.0.1")
        ]

    def connector(address, port, timeout):
        attempts.append(str(address))
        if str(address) == "127.0.0.2":
            raise OSError(errno.ENETUNREACH, "Network is unreachable (fake)")
        return connect_tcp(address, port, timeout)

    fetched = fetch_chain(
        parse_target(f"two.example:{tls_server.port}"),
        policy=LOOPBACK_ALLOWED,
        resolver=resolver,
        connector=connector,
        **QUICK,
    )
    assert attempts == ["127.0.0.2", "127.0.0.1"]
    assert fetched.address == ipaddress.ip_address("127.0.0.1")


@pytest.mark.parametrize(
    ("sent", "error"), [([], NoCertificate), ([b"not DER"], UnreadableCertificate)]
)
def test_missing_or_unreadable_certificates(tls_server, monkeypatch, sent, error):
    # No real server we can start sends no certificate (that needs anonymous cipher suites),
    # so stand in for what OpenSSL handed over after a real handshake.
    monkeypatch.setattr(fetch_module, "_peer_chain_der", lambda tls: list(sent))
    with pytest.raises(error) as caught:
        fetch_chain(parse_target(tls_server.address), policy=LOOPBACK_ALLOWED, **QUICK)
    assert_plain_message(caught.value)


def _cert_with_sans(sans: list[x509.GeneralName]) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "a.example.com")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(key, hashes.SHA256())


@pytest.fixture(scope="module")
def san_cert() -> x509.Certificate:
    return _cert_with_sans(
        [
            x509.DNSName("*.example.com"),
            x509.DNSName("exact.example.org"),
            x509.DNSName("*.com"),
            x509.DNSName("f*.example.net"),
            x509.DNSName("xn--bcher-kva.example"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    )


@pytest.mark.parametrize(
    ("host", "matches"),
    [
        ("a.example.com", True),
        ("A.Example.COM.", True),
        ("example.com", False),
        ("a.b.example.com", False),
        ("exact.example.org", True),
        ("other.example.org", False),
        # Java's HostnameChecker accepts a partial left-most wildcard ("f*.example.net"); the
        # platform is Java, so the tool must agree with it (see partner/hostnames.py).
        ("example.com", False),
        ("foo.example.net", True),
        ("bar.example.net", False),
        ("bücher.example", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("127.0.0.2", False),
        ("exact.example.org.evil", False),
    ],
)
def test_hostname_matches_subject_alt_names(san_cert, host, matches):
    assert hostname_matches(san_cert, host) is matches


def test_hostname_without_dns_san_falls_back_to_the_common_name_like_java():
    # Java's HTTPS check (HostnameChecker.matchDNS) reads the common name when the certificate
    # has no dNSName entry; the platform would connect, so the tool must not say otherwise.
    assert hostname_matches(_cert_with_sans([]), "a.example.com") is True
    assert hostname_matches(_cert_with_sans([]), "b.example.com") is False
    ip_only = _cert_with_sans([x509.IPAddress(ipaddress.ip_address("10.0.0.1"))])
    assert hostname_matches(ip_only, "a.example.com") is True


def test_common_name_is_ignored_once_a_dns_san_exists():
    assert (
        hostname_matches(_cert_with_sans([x509.DNSName("b.example.com")]), "a.example.com") is False
    )


def test_ip_addresses_never_match_the_common_name():
    cert = _cert_with_sans([])  # CN=a.example.com; an IP needs an iPAddress entry
    assert hostname_matches(cert, "127.0.0.1") is False
