"""The partner's side: where we may connect, fetching a server's chain, completing it,
and testing the mutual-TLS connection the way Java will make it.
"""

from webapp.pki.partner.client_chain import (
    FROM_FILE,
    ClientChainReport,
    complete_client_chain,
)
from webapp.pki.partner.collect import (
    collect_partner_chain,
)
from webapp.pki.partner.connection_test import (
    test_connection,
)
from webapp.pki.partner.outbound import (
    OutboundPolicy,
)
from webapp.pki.partner.outcomes import (
    FORBIDDEN,
    ISSUER_NOT_ACCEPTED,
    REJECTED,
    ConnectionTestResult,
)
from webapp.pki.partner.partner_kit import (
    build_partner_kit,
    partner_email,
)
from webapp.pki.partner.proxy import (
    ProxySettings,
)
from webapp.pki.partner.roots import (
    RootStore,
    extra_root_paths,
    load_root_store,
)
from webapp.pki.partner.targets import (
    FetchError,
    parse_target,
)

__all__ = [
    "ClientChainReport",
    "ConnectionTestResult",
    "FORBIDDEN",
    "FROM_FILE",
    "FetchError",
    "ISSUER_NOT_ACCEPTED",
    "OutboundPolicy",
    "ProxySettings",
    "REJECTED",
    "RootStore",
    "build_partner_kit",
    "collect_partner_chain",
    "complete_client_chain",
    "extra_root_paths",
    "load_root_store",
    "parse_target",
    "partner_email",
    "test_connection",
]
