"""The crypto floor: the work a request cannot avoid, done in-process with the PKI core.

No Flask, no HTTP, no session storage: read the .p12 (PKCS#12 decryption and the key's
validation) and write the JKS files, exactly through the functions the views call.
"""

from __future__ import annotations

import io
import zipfile

from webapp.pki.certs.parse import parse_certificates
from webapp.pki.java.jks import build_keystore, build_truststore
from webapp.pki.keyimport.keypairs import load_key_pairs

from .procedure import KEYSTORE_PASSWORD, TRUSTSTORE_PASSWORD, Materials

__all__ = ["build_keystore_in_process", "procedure_in_process"]


def build_keystore_in_process(materials: Materials) -> bytes:
    """Floor of (a): decrypt the .p12, write the keystore."""
    pair = load_key_pairs(materials.p12, materials.p12_password)[0]
    return build_keystore(
        alias="client-one",
        private_key=pair.private_key,
        chain=pair.chain,
        password=KEYSTORE_PASSWORD,
    )


def procedure_in_process(materials: Materials) -> bytes:
    """Floor of (b): the keystore, the truststore the procedure builds (own chain + the
    uploaded partner certificates), and the zip holding both."""
    pair = load_key_pairs(materials.p12, materials.p12_password)[0]
    keystore = build_keystore(
        alias="client-one",
        private_key=pair.private_key,
        chain=pair.chain,
        password=KEYSTORE_PASSWORD,
    )
    partner = [
        cert for _, pem in materials.partner_certificates for cert in parse_certificates(pem)
    ]
    entries = [(f"cert-{i}", cert) for i, cert in enumerate([*partner, *pair.chain])]
    truststore = build_truststore(entries=entries, password=TRUSTSTORE_PASSWORD)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("keystore.jks", keystore)
        archive.writestr("truststore.jks", truststore)
    return buffer.getvalue()
