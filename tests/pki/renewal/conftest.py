"""Fixtures of the renewal tests: the world of last year's files and the partner's server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import ThrowawayPki
from tests.support.last_year import RenewalWorld
from tests.support.mtls_server import MtlsServer
from webapp.pki.partner import OutboundPolicy
from webapp.pki.renewal import Network


@pytest.fixture(scope="session")
def world(throwaway_pki: ThrowawayPki) -> RenewalWorld:
    return RenewalWorld.make(throwaway_pki.ca, throwaway_pki.server)


@pytest.fixture(scope="module")
def partner(world: RenewalWorld) -> Iterator[MtlsServer]:
    with world.server() as server:
        yield server


@pytest.fixture(scope="session")
def network(throwaway_pki: ThrowawayPki) -> Network:
    """Loopback allowed, as the CLI's --allow-network 127.0.0.0/8; the partner's root known
    from the operator's extra roots (FLASK_EXTRA_ROOTS), as a private CA would be."""
    return Network(
        OutboundPolicy.from_config(["127.0.0.0/8"]),
        extra_roots=[throwaway_pki.root_pem],
        connect_timeout=5,
        handshake_timeout=5,
    )
