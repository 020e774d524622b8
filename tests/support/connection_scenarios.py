"""Server setups for the connection test, each with the verdict the tool must give.

Shared by tests/pki/partner/test_connection_test.py (the tool alone) and
tests/interop/test_connection_verdicts.py (the same servers against the Java client).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from tests.support.mtls_server import MtlsServer
from tests.support.throwaway_pki import NOW, Issued, ThrowawayCA
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner import OutboundPolicy

__all__ = ["LOOPBACK", "Scenario", "ScenarioPki", "make_pki", "scenarios"]

LOOPBACK = OutboundPolicy.from_config(["127.0.0.0/8", "::1/128"])


@dataclass(frozen=True)
class ScenarioPki:
    client_ca: ThrowawayCA
    server_ca: ThrowawayCA
    other_ca: ThrowawayCA
    client: Issued
    expired_client: Issued
    server: Issued  # 127.0.0.1
    misnamed_server: Issued  # DNS name other.example only
    cn_only_server: Issued  # CN=localhost and no subjectAltName at all

    def key_pair(self, issued: Issued | None = None) -> KeyPair:
        issued = issued or self.client
        return KeyPair(issued.key, issued.cert, tuple(issued.full_chain))


def make_pki() -> ScenarioPki:
    client_ca = ThrowawayCA("Client Root", key_kind="ec256")
    server_ca = ThrowawayCA("Server Root", key_kind="ec256")
    other_ca = ThrowawayCA("Other Root", key_kind="ec256")
    expired = client_ca.issue_client(
        "Expired Client",
        key_kind="ec256",
        not_before=NOW - dt.timedelta(days=400),
        not_after=NOW - dt.timedelta(days=2),
    )
    misnamed = ThrowawayCA._issue(
        server_ca.intermediate,
        "other.example",
        _ec(),
        sans=[x509.DNSName("other.example")],
        eku=x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
    )
    cn_only = ThrowawayCA._issue(
        server_ca.intermediate, "localhost", _ec(), eku=x509.oid.ExtendedKeyUsageOID.SERVER_AUTH
    )
    return ScenarioPki(
        client_ca,
        server_ca,
        other_ca,
        client_ca.issue_client("Client One", key_kind="ec256"),
        expired,
        server_ca.issue_server("127.0.0.1", key_kind="ec256"),
        misnamed,
        cn_only,
    )


def _ec() -> Any:
    from tests.support.throwaway_pki import new_key

    return new_key("ec256")


@dataclass(frozen=True)
class Scenario:
    name: str
    expected: str  # the outcome code the tool must report
    tls_version: str
    verify: str = "required"
    trusted_clients: str = "client"  # which CA the server verifies clients against
    listed: tuple[str, ...] = ("client",)  # the roots named as acceptable CAs
    anchors: tuple[str, ...] = ("server-root",)  # the truststore
    server_cert: str = "server"
    client: str = "client"
    host: str = "127.0.0.1"  # what the tool and Java connect to

    def url(self, server: MtlsServer) -> str:
        return f"https://{self.host}:{server.port}"

    def server(self, pki: ScenarioPki, **options: Any) -> MtlsServer:
        issued = {
            "server": pki.server,
            "misnamed": pki.misnamed_server,
            "cn-only": pki.cn_only_server,
        }[self.server_cert]
        roots = {"client": pki.client_ca.root.cert, "other": pki.other_ca.root.cert}
        return MtlsServer(
            chain=issued.full_chain[:-1],
            key=issued.key,
            tls_version=self.tls_version,
            verify=self.verify,
            trusted_client_cas=[roots[self.trusted_clients]],
            listed_cas=[roots[name] for name in self.listed],
            **options,
        )

    def anchors_for(self, pki: ScenarioPki) -> list[x509.Certificate]:
        certs = {
            "server-root": pki.server_ca.root.cert,
            "server-intermediate": pki.server_ca.intermediate.cert,
            "other-root": pki.other_ca.root.cert,
        }
        return [certs[name] for name in self.anchors]

    def key_pair_for(self, pki: ScenarioPki) -> KeyPair:
        return pki.key_pair(pki.client if self.client == "client" else pki.expired_client)


def scenarios() -> list[Scenario]:
    rows = []
    for version in ("1.2", "1.3"):
        rows += [
            Scenario(f"accepted, CA listed, TLS {version}", "accepted", version),
            Scenario(f"accepted, empty CA list, TLS {version}", "accepted", version, listed=()),
            Scenario(
                f"rejected: server trusts another CA, TLS {version}",
                "rejected",
                version,
                trusted_clients="other",
                listed=(),
            ),
            # The server WOULD verify our certificate (it trusts the client root) but lists
            # only another CA: OpenSSL would send it and pass; Java sends nothing and fails.
            Scenario(
                f"issuer-not-accepted, cert required, TLS {version}",
                "issuer-not-accepted",
                version,
                listed=("other",),
            ),
            Scenario(
                f"client-cert-not-requested, TLS {version}",
                "client-cert-not-requested",
                version,
                verify="none",
                listed=(),
            ),
        ]
    rows += [
        Scenario(
            "accepted, truststore holds only the intermediate (PKIX anchor), TLS 1.3",
            "accepted",
            "1.3",
            anchors=("server-intermediate",),
        ),
        Scenario(
            "issuer-not-accepted, cert optional, TLS 1.3",
            "issuer-not-accepted",
            "1.3",
            verify="optional",
            listed=("other",),
        ),
        Scenario(
            "server-not-trusted, TLS 1.3", "server-not-trusted", "1.3", anchors=("other-root",)
        ),
        Scenario(
            "server-not-trusted, TLS 1.2", "server-not-trusted", "1.2", anchors=("other-root",)
        ),
        Scenario("hostname-mismatch, TLS 1.3", "hostname-mismatch", "1.3", server_cert="misnamed"),
        # Java's HTTPS check falls back to the CN when there is no dNSName (hostnames.py).
        Scenario(
            "accepted, server cert names localhost in its CN only (no SAN), TLS 1.3",
            "accepted",
            "1.3",
            server_cert="cn-only",
            host="localhost",
        ),
        Scenario(
            "hostname-mismatch, CN=localhost only, reached as 127.0.0.1, TLS 1.3",
            "hostname-mismatch",
            "1.3",
            server_cert="cn-only",
        ),
        Scenario(
            "certificate-expired, TLS 1.3",
            "certificate-expired",
            "1.3",
            listed=(),
            client="expired",
        ),
        Scenario(
            "certificate-expired, TLS 1.2",
            "certificate-expired",
            "1.2",
            listed=(),
            client="expired",
        ),
    ]
    return rows
