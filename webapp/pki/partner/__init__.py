"""The partner's side: where we may connect, fetching a server's chain, completing it."""

from webapp.pki.partner.collect import (
    SOURCE_EXTRA_ROOTS,
    SOURCE_ROOT_STORE,
    SOURCE_SERVER,
    CollectedCertificate,
    PartnerChain,
    collect_partner_chain,
)
from webapp.pki.partner.completion import ChainEntry, ChainReport, complete_chain
from webapp.pki.partner.fetch import FetchedChain, fetch_chain, hostname_matches
from webapp.pki.partner.outbound import (
    COULD_NOT_CONNECT,
    AddressRefused,
    NameNotFound,
    OutboundPolicy,
)
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
    "COULD_NOT_CONNECT",
    "SOURCE_EXTRA_ROOTS",
    "SOURCE_ROOT_STORE",
    "SOURCE_SERVER",
    "AddressRefused",
    "ChainEntry",
    "ChainReport",
    "CollectedCertificate",
    "FetchError",
    "FetchedChain",
    "InvalidAddress",
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
    "complete_chain",
    "extra_root_paths",
    "fetch_chain",
    "hostname_matches",
    "load_root_store",
    "parse_target",
]
