"""The files the user downloads, built fresh from the saved state on every download.

Nothing built is stored: a download always reflects the latest choices, and the only copy of
the key material on the server stays the encrypted one in the vault.
"""

from __future__ import annotations

import io

from flask import Response, send_file

from ..pki.java import build_bundle, build_keystore, build_truststore, safe_file_name
from ..pki.keyimport import KeyPair
from ..sessions import State
from .wizard import finish_view, keystore_view, parsed_certificate, truststore_view

File = tuple[str, bytes]


def attachment(built: File, mimetype: str) -> Response:
    """Hand a built file to the browser as a download under its chosen name."""
    name, data = built
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


def keystore_file(state: State) -> File | None:
    ks = keystore_view(state)
    if not ks.complete:
        return None
    saved = state["keystore"]
    pair = KeyPair.from_pem_bundle(saved["candidates"][ks.chosen.index]["bundle"])
    data = build_keystore(alias=ks.alias, private_key=pair.private_key, chain=pair.chain,
                          password=saved["password"])
    return ks.filename, data


def certificate_file(state: State) -> File | None:
    ks = keystore_view(state)
    if not ks.chosen:
        return None
    pem = state["keystore"]["candidates"][ks.chosen.index]["chain"][0]
    # The alias is typed text: the download and zip member name pass the safe-name rule.
    name = safe_file_name(ks.alias or "", fallback="certificate.pem", extension=".pem")
    return name, pem.encode()


def truststore_file(state: State) -> File | None:
    ts = truststore_view(state)
    if not ts.complete:
        return None
    entries = [(e.alias, parsed_certificate(e.pem)[0]) for e in ts.included]
    return ts.filename, build_truststore(entries=entries, password=state["truststore"]["password"])


def config_file(state: State) -> File | None:
    ks, ts = keystore_view(state), truststore_view(state)
    fin = finish_view(state, ks, ts)
    if fin.config is None:
        return None
    return "destination.json", fin.config.to_json().encode()


def bundle_file(state: State) -> File | None:
    """mtls-files.zip: keystore, truststore, config, certificate and a README with next steps."""
    keystore, truststore = keystore_file(state), truststore_file(state)
    config, certificate = config_file(state), certificate_file(state)
    if not (keystore and truststore and config and certificate):
        return None
    ks, ts = keystore_view(state), truststore_view(state)
    fin = finish_view(state, ks, ts)
    data = build_bundle(
        keystore=keystore, truststore=truststore, config=config, certificate=certificate,
        destination=fin.config, own=ks.chosen.leaf, trusted=[e.summary for e in ts.included],
    )
    return "mtls-files.zip", data
