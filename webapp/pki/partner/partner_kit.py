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
from webapp.translation import _, long_date

__all__ = ["CHAIN_FILE", "DETAILS_FILE", "EMAIL_FILE", "build_partner_kit", "partner_email"]

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
    """The certificate summary, its labels in the current language and kept in one column."""
    title = _("Certificate details")
    labels = {
        "name": _("Name:"),
        "subject": _("Subject:"),
        "issuer": _("Issued by:"),
        "fingerprint": _("SHA-256 fingerprint:"),
        "from": _("Valid from:"),
        "until": _("Valid until:"),
    }
    width = max(len(label) for label in labels.values()) + 1  # "SHA-256 fingerprint: "

    def line(key: str, value: str) -> str:
        return f"  {labels[key]:<{width}}{value}"

    lines = [title, "=" * len(title), ""]
    for position, cert in enumerate(chain):
        if position == 0:
            role = _("Our certificate (the one your server will receive)")
        elif cert.issuer == cert.subject:
            role = _("Issuer {position} (root)", position=position)
        else:
            role = _("Issuer {position}", position=position)
        lines += [
            role,
            line("name", plain_name(cert.subject)),
            line("subject", cert.subject.rfc4514_string()),
            line("issuer", cert.issuer.rfc4514_string()),
            line("fingerprint", fingerprint_sha256(cert)),
            line("from", _when(cert.not_valid_before_utc)),
            line("until", _when(cert.not_valid_after_utc)),
            "",
        ]
    return "\n".join(one_line_each(lines))  # names stay on their line (issue 19)


def _when(moment: dt.datetime) -> str:
    # "02 December 2026 14:05 UTC" in English, as the kit always wrote it (no comma).
    return f"{long_date(moment)} {moment:%H:%M} UTC"


def partner_email(chain: Sequence[x509.Certificate], destination_url: str) -> str:
    """The kit's e-mail text, also shown on the page with a Copy button (issue 21)."""
    return _email(chain, destination_url)


def _email(chain: Sequence[x509.Certificate], destination_url: str) -> str:
    """One msgid per sentence (a sentence over two lines keeps its line break inside)."""
    leaf = chain[0]
    issuer = chain[1] if len(chain) > 1 else leaf
    top = chain[-1]
    if issuer is not top:
        add = _(
            "1. add ‘{root}’ (and, if your server needs it, ‘{issuer}’) to the certificates "
            "your server trusts for client authentication;",
            root=plain_name(top.subject),
            issuer=plain_name(issuer.subject),
        )
    else:
        add = _(
            "1. add ‘{root}’ to the certificates your server trusts for client authentication;",
            root=plain_name(top.subject),
        )
    lines = [
        _("Subject: Please trust our client certificate for {url}", url=destination_url),
        "",
        _("Hello,"),
        "",
        _("we are setting up a secure connection (mutual TLS) to {url}.", url=destination_url),
        _(
            "Our system will identify itself with the client certificate attached ({file}).",
            file=CHAIN_FILE,
        ),
        "",
        _("Could you please:"),
        add,
        _(
            "2. if your server sends a list of accepted certificate authorities, add it to "
            "that list too;"
        ),
        _(
            "3. if access is granted per certificate, allow our certificate ‘{name}’.",
            name=plain_name(leaf.subject),
        ),
        "",
        *_(
            "Our certificate's SHA-256 fingerprint is {fingerprint};\n"
            "it is valid until {date}. The attached {file} lists every certificate in the chain.",
            fingerprint=fingerprint_sha256(leaf),
            date=long_date(leaf.not_valid_after_utc),
            file=DETAILS_FILE,
        ).split("\n"),
        "",
        _("Please let us know when this is done, so that we can test the connection."),
        "",
        _("Thank you,"),
        "",
    ]
    return "\n".join(one_line_each(lines))  # the partner's names cannot add lines
