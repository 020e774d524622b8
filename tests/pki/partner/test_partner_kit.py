"""The partner kit: certificates (never the key), their fingerprints, and the email text."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from cryptography import x509

from tests.support.throwaway_pki import ThrowawayCA
from webapp.pki.certs.describe import fingerprint_sha256
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.partner.partner_kit import build_partner_kit

WHEN = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def test_kit_holds_the_chain_details_and_email_but_no_key():
    ca = ThrowawayCA("Kit Root", key_kind="ec256")
    client = ca.issue_client("Kit Client", key_kind="ec256")
    key_pair = KeyPair(client.key, client.cert, tuple(client.full_chain))
    data = build_partner_kit(key_pair, destination_url="https://partner.example:8443/api", now=WHEN)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == [
            "certificate-chain.pem",
            "certificate-details.txt",
            "email-to-partner.txt",
        ]
        pem = archive.read("certificate-chain.pem")
        details = archive.read("certificate-details.txt").decode()
        email = archive.read("email-to-partner.txt").decode()
        assert archive.getinfo("email-to-partner.txt").date_time == (2026, 11, 30, 12, 0, 0)
    assert x509.load_pem_x509_certificates(pem) == client.full_chain  # read back, in order
    assert b"PRIVATE KEY" not in data and b"PRIVATE KEY" not in pem
    for cert in client.full_chain:
        assert fingerprint_sha256(cert) in details
    assert "Valid until" in details
    assert "https://partner.example:8443/api" in email
    assert "Kit Root (mtls-kit tests)" in email and fingerprint_sha256(client.cert) in email
    # Same input, same bytes: the kit can be regenerated and compared.
    assert (
        build_partner_kit(
            client.full_chain, destination_url="https://partner.example:8443/api", now=WHEN
        )
        == data
    )
