"""Which of last year's stores is the keystore and which the truststore.

First by the names destination.json gives them (keystoreFile, truststoreFile), then by what a
JKS says before any password (the tag of its first entry: 1 a key, 2 a certificate), then by
opening: the store with a key entry is the keystore.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from webapp.pki.java.destination import DestinationConfig
from webapp.pki.java.open_store import open_store
from webapp.pki.java.opened import KeyPasswordRequiredError, OpenStoreError
from webapp.pki.renewal.errors import LastYearFilesError, PasswordMissingError
from webapp.pki.renewal.recognise import base_name
from webapp.pki.sniff import JKS_MAGIC
from webapp.translation import N_, _

__all__ = ["assign_roles"]

File = tuple[str, bytes]

_JKS_FIRST_TAG = struct.Struct(">IIII")  # magic, version, entry count, first entry's tag
_KEY_TAG, _CERT_TAG = 1, 2
# One whole sentence each (issue 23: no words glued into a sentence).
_NO_STORE = N_(
    "Among these files there is no keystore or truststore. Choose last year's zip, or the "
    "keystore, the truststore and destination.json from the platform."
)
_NO_KEYSTORE = N_(
    "Among these files there is no keystore (the file with your key). Choose last year's "
    "zip, or the keystore, the truststore and destination.json from the platform."
)
_NO_TRUSTSTORE = N_(
    "Among these files there is no truststore. Choose last year's zip, or the keystore, the "
    "truststore and destination.json from the platform."
)


def assign_roles(
    stores: Sequence[File],
    destination: DestinationConfig | None,
    *,
    typed: tuple[str | None, str | None] = (None, None),
) -> tuple[File, File]:
    """(keystore, truststore) among `stores`; LastYearFilesError when one cannot be found."""
    if not stores:
        raise LastYearFilesError(_(_NO_STORE))
    keystore = _named(stores, destination.keystore_file if destination else "")
    truststore = _named(stores, destination.truststore_file if destination else "")
    rest = [s for s in stores if s is not keystore and s is not truststore]
    passwords = [p for p in (*typed, *_configured(destination)) if p]
    undecided = []
    for store in rest if keystore is None or truststore is None else []:
        holds_key = _holds_key(store, passwords)
        if holds_key is True and keystore is None:
            keystore = store
        elif holds_key is False and truststore is None:
            truststore = store
        elif holds_key is None:
            undecided.append(store)
    if len(undecided) == 1 and (keystore is None) != (truststore is None):
        # The other one is known: this one is the store that is left.
        keystore, truststore = keystore or undecided[0], truststore or undecided[0]
    if keystore is None:
        if undecided:  # a PKCS#12 keeps its entries secret: its password tells
            raise PasswordMissingError(
                "keystore_password", _("your keystore"), have_config=destination is not None
            )
        raise LastYearFilesError(_(_NO_KEYSTORE))
    if truststore is None:
        raise LastYearFilesError(_(_NO_TRUSTSTORE))
    return keystore, truststore


def _named(stores: Sequence[File], path: str) -> File | None:
    wanted = base_name(path).lower()
    if not wanted:
        return None
    return next((s for s in stores if s[0].lower() == wanted), None)


def _configured(destination: DestinationConfig | None) -> tuple[str, ...]:
    return (destination.keystore_pass, destination.truststore_pass) if destination else ()


def _holds_key(store: File, passwords: Sequence[str]) -> bool | None:
    """True: a keystore; False: a truststore; None: cannot tell without its password."""
    data = store[1]
    if data.startswith(JKS_MAGIC) and len(data) >= _JKS_FIRST_TAG.size:
        _magic, _version, count, tag = _JKS_FIRST_TAG.unpack_from(data)
        if count >= 1 and tag in (_KEY_TAG, _CERT_TAG):
            return tag == _KEY_TAG
    for password in passwords:
        try:
            return bool(open_store(data, password).key_entries)
        except KeyPasswordRequiredError:
            return True
        except OpenStoreError:
            continue
    return None
