"""The partner kit: what the partner's administrator needs to trust the user's certificate.

A zip with three files, so that a user who is not a TLS specialist can forward it as it is:

- `certificate-chain.pem`: the user's certificate followed by the certificates above it (no
  private key, ever);
- `certificate-details.txt`: subject, issuer, SHA-256 fingerprint and validity of each one,
  for the administrator to check what arrived and for a fingerprint comparison by phone;
- `email-to-partner.txt`: a ready-to-send message in plain words.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from webapp.pki.certs.describe import fingerprint_sha256
from webapp.pki.certs.names import plain_name
from webapp.pki.keyimport.keypair import KeyPair
from webapp.pki.text import one_line_each

__all__ = ["CHAIN_FILE", "DETAILS_FILE", "EMAIL_FILE", "build_partner_kit"]

CHAIN_FILE = "certificate-chain.pem"
DETAILS_FILE = "certificate-details.txt"
EMAIL_FILE = "email-to-partner.txt"


def build_partner_kit(
    key_pair_or_chain: KeyPair | Sequence[x509.Certificate],
    *,
    destination_url: str,
    now: dt.datetime | None = None,
) -> bytes:
    """The kit as zip bytes; entries are dated `now` so the same input gives the same zip."""
    chain = (
        key_pair_or_chain.chain
        if isinstance(key_pair_or_chain, KeyPair)
        else tuple(key_pair_or_chain)
    )
    if not chain:
        raise ValueError("build_partner_kit needs at least the user's certificate")
    when = now or dt.datetime.now(dt.UTC)
    files = {
        CHAIN_FILE: b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain),
        DETAILS_FILE: _details(chain).encode("utf-8"),
        EMAIL_FILE: _email(chain, destination_url).encode("utf-8"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _details(chain: Sequence[x509.Certificate]) -> str:
    lines = ["Certificate details", "===================", ""]
    for position, cert in enumerate(chain):
        role = (
            "Our certificate (the one your server will receive)"
            if position == 0
            else f"Issuer {position}" + (" (root)" if cert.issuer == cert.subject else "")
        )
        lines += [
            role,
            f"  Name:                {plain_name(cert.subject)}",
            f"  Subject:             {cert.subject.rfc4514_string()}",
            f"  Issued by:           {cert.issuer.rfc4514_string()}",
            f"  SHA-256 fingerprint: {fingerprint_sha256(cert)}",
            f"  Valid from:          {cert.not_valid_before_utc:%d %B %Y %H:%M} UTC",
            f"  Valid until:         {cert.not_valid_after_utc:%d %B %Y %H:%M} UTC",
            "",
        ]
    return "\n".join(one_line_each(lines))  # names stay on their line (issue 19)


def _email(chain: Sequence[x509.Certificate], destination_url: str) -> str:
    leaf = chain[0]
    issuer = chain[1] if len(chain) > 1 else leaf
    top = chain[-1]
    lines = [
        "Subject: Please trust our client certificate for " + destination_url,
        "",
        "Hello,",
        "",
        f"we are setting up a secure connection (mutual TLS) to {destination_url}.",
        f"Our system will identify itself with the client certificate attached ({CHAIN_FILE}).",
        "",
        "Could you please:",
        f"1. add ‘{plain_name(top.subject)}’"
        + (
            f" (and, if your server needs it, ‘{plain_name(issuer.subject)}’)"
            if issuer is not top
            else ""
        )
        + " to the certificates your server trusts for client authentication;",
        "2. if your server sends a list of accepted certificate authorities, add it to that "
        "list too;",
        "3. if access is granted per certificate, allow our certificate "
        f"‘{plain_name(leaf.subject)}’.",
        "",
        f"Our certificate's SHA-256 fingerprint is {fingerprint_sha256(leaf)};",
        f"it is valid until {leaf.not_valid_after_utc:%d %B %Y}. The attached "
        f"{DETAILS_FILE} lists every certificate in the chain.",
        "",
        "Please let us know when this is done, so that we can test the connection.",
        "",
        "Thank you,",
        "",
    ]
    return "\n".join(one_line_each(lines))  # the partner's names cannot add lines
