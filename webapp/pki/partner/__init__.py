"""The partner's side: where we may connect, fetching a server's chain, completing it,
and testing the mutual-TLS connection the way Java will make it."""

from webapp.pki.partner.aia import IssuerDownloadFailed, download_issuer
from webapp.pki.partner.client_chain import (
    FROM_CA_DOWNLOAD,
    FROM_EXTRA_ROOTS,
    FROM_FILE,
    FROM_ROOT_STORE,
    ClientChainLink,
    ClientChainReport,
    complete_client_chain,
)
from webapp.pki.partner.collect import (
    SOURCE_EXTRA_ROOTS,
    SOURCE_ROOT_STORE,
    SOURCE_SERVER,
    CollectedCertificate,
    PartnerChain,
    collect_partner_chain,
)
from webapp.pki.partner.completion import ChainEntry, ChainReport, complete_chain
from webapp.pki.partner.connection_test import test_connection
from webapp.pki.partner.fetch import FetchedChain, fetch_chain, hostname_matches
from webapp.pki.partner.outbound import (
    COULD_NOT_CONNECT,
    AddressRefused,
    NameNotFound,
    OutboundPolicy,
)
from webapp.pki.partner.outcomes import (
    ACCEPTED,
    CERTIFICATE_EXPIRED,
    CLIENT_CERT_NOT_REQUESTED,
    FORBIDDEN,
    HOSTNAME_MISMATCH,
    ISSUER_NOT_ACCEPTED,
    OUTCOMES,
    REJECTED,
    SERVER_NOT_TRUSTED,
    UNREACHABLE,
    ConnectionTestResult,
)
from webapp.pki.partner.partner_kit import build_partner_kit
from webapp.pki.partner.proxy import ProxySettings
from webapp.pki.partner.roots import RootStore, extra_root_paths, load_root_store
from webapp.pki.partner.targets import (
    FetchError,
    InvalidAddress,
    Target,
    UnsupportedScheme,
    parse_target,
)
from webapp.pki.partner.tunnel import ProxyAuthenticationRequired, ProxyRefused, ProxyUnreachable

__all__ = [
    "ACCEPTED",
    "CERTIFICATE_EXPIRED",
    "CLIENT_CERT_NOT_REQUESTED",
    "COULD_NOT_CONNECT",
    "FORBIDDEN",
    "FROM_CA_DOWNLOAD",
    "FROM_EXTRA_ROOTS",
    "FROM_FILE",
    "FROM_ROOT_STORE",
    "HOSTNAME_MISMATCH",
    "ISSUER_NOT_ACCEPTED",
    "OUTCOMES",
    "REJECTED",
    "SERVER_NOT_TRUSTED",
    "UNREACHABLE",
    "SOURCE_EXTRA_ROOTS",
    "SOURCE_ROOT_STORE",
    "SOURCE_SERVER",
    "AddressRefused",
    "ChainEntry",
    "ChainReport",
    "ClientChainLink",
    "ClientChainReport",
    "CollectedCertificate",
    "ConnectionTestResult",
    "FetchError",
    "FetchedChain",
    "InvalidAddress",
    "IssuerDownloadFailed",
    "NameNotFound",
    "OutboundPolicy",
    "PartnerChain",
    "ProxyAuthenticationRequired",
    "ProxyRefused",
    "ProxySettings",
    "ProxyUnreachable",
    "RootStore",
    "Target",
    "UnsupportedScheme",
    "collect_partner_chain",
    "build_partner_kit",
    "complete_chain",
    "complete_client_chain",
    "download_issuer",
    "extra_root_paths",
    "fetch_chain",
    "hostname_matches",
    "load_root_store",
    "parse_target",
    "test_connection",
]
