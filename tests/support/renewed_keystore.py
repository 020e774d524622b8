"""A test-only helper: the renewed keystore issue 13 describes, built straight from the core.

The web app renews through its own steps (views/renewal.py); the lifecycle and renewal tests
build the same keystore directly to compare it with keytool's.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.pki.java import OpenedStore, build_keystore
from webapp.pki.keyimport import KeyPair

__all__ = ["RenewedKeystore", "plan_new_key_pair"]


@dataclass(frozen=True)
class RenewedKeystore:
    """What to build: the alias to keep and the key pair to store under it."""

    alias: str
    key_pair: KeyPair

    def build(self, password: str) -> bytes:
        """The JKS keystore (one key entry, full chain, key password == store password)."""
        return build_keystore(
            alias=self.alias,
            private_key=self.key_pair.private_key,
            chain=self.key_pair.chain,
            password=password,
        )


def plan_new_key_pair(
    store: OpenedStore, new: KeyPair, *, alias: str | None = None
) -> RenewedKeystore:
    """Replace the store's key entry (`alias`, or its only one) with `new`, keeping the alias."""
    old = store.key_entry(alias)
    return RenewedKeystore(
        old.alias.lower(), KeyPair(new.private_key, new.certificate, new.chain, old.alias.lower())
    )
