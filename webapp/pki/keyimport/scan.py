"""Recognise a key pair file and price it before anything is decrypted.

`scan_keypair_file` tells PEM, PKCS#12 and DER apart, refuses what is plainly wrong (empty,
a Java keystore, too many keys or blocks) and reads the password-hashing cost of every
encrypted part, so `keypairs.load_key_pairs` can check the whole upload against the limits
in `kdf_limits` first.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass

from webapp.pki.certs.pem import PemBlock, TooManyBlocksError, pem_blocks
from webapp.pki.keyimport.errors import KeyPairError, NotAKeyPairError
from webapp.pki.keyimport.kdf_limits import KdfCost, encrypted_pkcs8_cost
from webapp.pki.keyimport.pkcs12_structure import (
    Pkcs12Layout,
    read_layout,
)
from webapp.pki.sniff import java_keystore_kind, looks_like_pkcs12
from webapp.translation import N_, _

__all__ = ["DAMAGED_KEY", "MAX_KEY_ENTRIES", "ScannedFile", "scan_keypair_file", "too_many_keys"]

# Each encrypted key costs a deliberately slow key derivation; a client keystore holds a
# handful of keys, so the cap bounds the work a hostile upload can cause.
MAX_KEY_ENTRIES = 20

# Shown through _() where they are raised (they are kept here, outside any request).
DAMAGED_KEY = N_(
    "The private key in this file is damaged or in a form we cannot read. "
    "Export it again as a .p12 file or a PKCS#8 .pem file."
)
DAMAGED_FILE = N_("This key pair file is damaged or incomplete. Download or export it again.")


@dataclass(frozen=True)
class ScannedFile:
    """One file, classified and priced (password-hashing cost) but not yet decrypted."""

    data: bytes
    blocks: list[PemBlock]
    layout: Pkcs12Layout | None
    costs: list[KdfCost]


def scan_keypair_file(blob: bytes) -> ScannedFile:
    """What kind of file `blob` is and what opening it will cost; refuses what it can already."""
    if not blob.strip():
        raise NotAKeyPairError(
            _("This file is empty. Choose your key pair file (.p12, .pfx or .pem).")
        )
    kind = java_keystore_kind(blob)
    if kind is not None:
        # Issue 12: no command line for people who have never used one.
        raise NotAKeyPairError(
            _(
                "This is a Java keystore ({kind}), not a key pair file. Use the .p12 or .pfx "
                "file your certificate authority or IT team gave you; if you only have this "
                "keystore, ask them for your key pair as a .p12 file.",
                kind=kind,
            )
        )
    try:
        blocks = pem_blocks(blob)
    except TooManyBlocksError as error:
        raise NotAKeyPairError(str(error)) from None
    if blocks:
        keys = [b for b in blocks if b.label.endswith("PRIVATE KEY")]
        if len(keys) > MAX_KEY_ENTRIES:
            raise too_many_keys()
        return ScannedFile(blob, blocks, None, [c for b in keys for c in _pem_key_cost(b)])
    if looks_like_pkcs12(blob):
        try:
            layout = read_layout(blob)
            costs = layout.costs()
        except KeyPairError:
            raise
        except ValueError:
            # A cut-off download fails like a wrong password would; say what really happened.
            raise NotAKeyPairError(_(DAMAGED_FILE)) from None
        if len(layout.key_bags) > MAX_KEY_ENTRIES:
            raise too_many_keys()
        return ScannedFile(blob, [], layout, costs)
    try:
        cost = encrypted_pkcs8_cost(blob)
    except KeyPairError:
        raise
    except ValueError:
        raise NotAKeyPairError(_(DAMAGED_KEY)) from None
    return ScannedFile(blob, [], None, [cost] if cost else [])


def _pem_key_cost(block: PemBlock) -> list[KdfCost]:
    # Legacy "Proc-Type: 4,ENCRYPTED" keys have no count: OpenSSL's EVP_BytesToKey runs once.
    try:
        cost = encrypted_pkcs8_cost(block.der())
    except KeyPairError:
        raise
    except (binascii.Error, ValueError):
        if block.label == "ENCRYPTED PRIVATE KEY":
            raise NotAKeyPairError(_(DAMAGED_KEY)) from None
        return []  # a legacy block (headers) or damaged base64: its loader will say which
    return [cost] if cost else []


def too_many_keys() -> NotAKeyPairError:
    return NotAKeyPairError(
        _(
            "This file holds more than {n} private keys. "
            "Export only the key pair you need and upload that.",
            n=MAX_KEY_ENTRIES,
        )
    )
