"""Issue 21 over HTTP, without JavaScript: open last year's zip on the first page, then
**Renew** with a new key pair file; plain forms and redirects, the result downloaded with
**Download all**. The downloaded stores are read back with pyjks/cryptography (open_store)."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import ThrowawayPki
from tests.support.last_year import (
    KEY_FILE_PASSWORD,
    LastYearSetup,
    RenewalWorld,
    last_year_files,
    last_year_zip,
    members,
    new_p12,
)
from tests.support.mtls_server import MtlsServer
from webapp.pki.java import DestinationConfig, StoreFormat, open_store
from webapp.pki.partner.partner_kit import EMAIL_FILE
from webapp.views.plans import NOT_RENEWED

from .page import Page
from .procedure import HTMX, file_part, page_of, post_multipart


@pytest.fixture(scope="module")
def world(throwaway_pki: ThrowawayPki) -> RenewalWorld:
    return RenewalWorld.make(throwaway_pki.ca, throwaway_pki.server)


@pytest.fixture(scope="module")
def partner(world: RenewalWorld) -> Iterator[MtlsServer]:
    with world.server() as server:
        yield server


def setup_for(partner: MtlsServer, fmt: StoreFormat = StoreFormat.JKS) -> LastYearSetup:
    return LastYearSetup(
        url=partner.url + "/in",
        keystore_format=fmt,
        truststore_format=fmt,
        keystore_name=f"acme-keys{fmt.extension}",
        truststore_name=f"acme-trust{fmt.extension}",
    )


def open_files(
    client: FlaskClient, files: dict[str, bytes], *, htmx: bool = False, **typed: str
) -> TestResponse:
    fields: list = [("last_year_files", file_part(data, name)) for name, data in files.items()]
    fields += [(f"last_year_{name}", value) for name, value in typed.items()]
    return post_multipart(client, "/last-year/open", fields, headers=HTMX if htmx else None)


def renew(client: FlaskClient, data: bytes, password: str = KEY_FILE_PASSWORD) -> TestResponse:
    return post_multipart(
        client,
        "/last-year/renew",
        [("new_key_file", file_part(data, "new.p12")), ("new_key_file_password", password)],
    )


def first_page(client: FlaskClient) -> Page:
    return page_of(client.get("/"))


@pytest.mark.parametrize("fmt", [StoreFormat.JKS, StoreFormat.PKCS12])
def test_without_javascript_the_zip_opens_and_renew_gives_the_same_files_with_the_new_key(
    client: FlaskClient, world: RenewalWorld, partner: MtlsServer, fmt: StoreFormat
) -> None:
    setup = setup_for(partner, fmt)
    old_zip = last_year_zip(world, setup)

    opened = open_files(client, {"mtls-files.zip": old_zip})
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith("/#last-year")
    page = first_page(client)
    # What expires when, at once: the user's certificate (20 days) and the partner's.
    expiries = page.text[page.text.index("Renewing?") :]
    assert "Your certificate Renewal Client" in expiries and "(in 20 days)" in expiries
    assert "Partner 127.0.0.1" in expiries
    # Restored into the steps: alias and file name in step 1, URL, method and folder in 3 —
    # and last year's certificate is not called ready.
    assert NOT_RENEWED in page.text
    assert "Your keystore is ready" not in page.text
    assert page.field("new_key_file") is not None
    assert page.field("new_key_file_password") is not None

    renewed = renew(client, new_p12(world))
    assert renewed.status_code == 303
    assert renewed.headers["Location"].endswith("/#step-finish")
    page = first_page(client)
    assert "valid until" in page.text and "→" in page.text
    assert "connection test: accepted" in page.text
    assert 'data-outcome="accepted"' in page.html

    bundle = client.get("/finish/bundle.zip")
    assert bundle.status_code == 200
    old, new = members(old_zip), members(bundle.data)
    assert json.loads(new["destination.json"]) == json.loads(old["destination.json"])
    keystore = open_store(new[setup.keystore_name], setup.keystore_password)
    assert keystore.store_type == fmt.java_type
    entry = keystore.key_entry()
    assert entry.alias == setup.alias
    assert list(entry.chain) == world.new.full_chain
    trusted = [
        e.certificate
        for e in open_store(new[setup.truststore_name], setup.truststore_password).trusted_entries
    ]
    assert world.partner.cert in trusted and world.new.cert in trusted
    assert world.old.cert not in trusted


def test_a_missing_password_is_asked_for_beside_its_field_and_the_files_are_kept(
    client: FlaskClient, world: RenewalWorld, partner: MtlsServer
) -> None:
    setup = setup_for(partner)
    files = last_year_files(world, setup)
    config = json.loads(files["destination.json"])
    del config["truststorePass"]
    files["destination.json"] = json.dumps(config).encode()

    page = page_of(open_files(client, files, htmx=True))
    error = page.error("last_year_truststore_password")
    assert error is not None and "truststore password" in error
    assert page.field("last_year_keystore_password") is None  # only what is missing

    # The retry: only the password, the files are not chosen again.
    again = post_multipart(
        client,
        "/last-year/open",
        [("last_year_truststore_password", setup.truststore_password)],
    )
    assert again.status_code == 303
    page = first_page(client)
    assert NOT_RENEWED in page.text
    assert page.field("last_year_truststore_password") is None


def test_a_wrong_password_in_destination_json_is_asked_for(
    client: FlaskClient, world: RenewalWorld, partner: MtlsServer
) -> None:
    setup = setup_for(partner)
    files = last_year_files(world, setup)
    wrong = DestinationConfig(**{**setup.destination.__dict__, "keystore_pass": "not-it-123"})
    files["destination.json"] = wrong.to_json().encode()
    page = page_of(open_files(client, files, htmx=True))
    error = page.error("last_year_keystore_password")
    assert error is not None and "does not open" in error


def test_no_files_and_a_damaged_zip_are_said_beside_the_file_field(client: FlaskClient) -> None:
    page = page_of(open_files(client, {}, htmx=True))
    assert "Choose last year's zip" in (page.error("last_year_files") or "")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "nothing here")
    page = page_of(open_files(client, {"mtls-files.zip": buffer.getvalue()}, htmx=True))
    assert page.error("last_year_files")


def test_last_years_key_pair_is_no_renewal_and_the_old_one_can_be_kept(
    client: FlaskClient, world: RenewalWorld, partner: MtlsServer
) -> None:
    setup = setup_for(partner)
    assert open_files(client, {"mtls-files.zip": last_year_zip(world, setup)}).status_code == 303
    # Renew with a file holding last year's certificate: said beside New key pair file.
    last_years = pkcs12.serialize_key_and_certificates(
        b"old",
        world.old.key,  # type: ignore[arg-type]
        world.old.cert,
        None,
        BestAvailableEncryption(KEY_FILE_PASSWORD.encode()),
    )
    page = page_of(
        post_multipart(
            client,
            "/last-year/renew",
            [
                ("new_key_file", file_part(last_years, "old.p12")),
                ("new_key_file_password", KEY_FILE_PASSWORD),
            ],
            headers=HTMX,
        )
    )
    assert page.error("new_key_file")
    # A wrong key pair file password: beside the password field.
    page = page_of(
        post_multipart(
            client,
            "/last-year/renew",
            [
                ("new_key_file", file_part(new_p12(world), "new.p12")),
                ("new_key_file_password", "wrong-password"),
            ],
            headers=HTMX,
        )
    )
    assert page.error("new_key_file_password")

    # "My old certificate is still fine": the keystore is ready with last year's key.
    kept = client.post("/last-year/keep-old", data={"old_is_fine": "1"})
    assert kept.status_code == 303
    page = first_page(client)
    assert NOT_RENEWED not in page.text
    assert "Your keystore is ready" in page.text
    client.post("/last-year/keep-old", data={})
    assert NOT_RENEWED in first_page(client).text


def test_last_years_passwords_and_key_are_only_in_the_encrypted_vault(
    client: FlaskClient, world: RenewalWorld, partner: MtlsServer, tmp_path: Path
) -> None:
    setup = setup_for(partner)
    client.post("/step/truststore")  # a session exists before the key arrives
    before = client.get_cookie("mtls_vault")
    assert before is not None
    planted = before.value
    open_files(client, {"mtls-files.zip": last_year_zip(world, setup)})
    cookie = client.get_cookie("mtls_vault")
    assert cookie is not None and cookie.value != planted  # rotated once the key is held
    html = first_page(client).html
    assert setup.keystore_password not in html
    assert setup.truststore_password not in html
    assert "PRIVATE KEY-----" not in html
    # On disk, the vault holds the files and their passwords only encrypted.
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("vault.db*"))
    assert setup.keystore_password.encode() not in stored
    assert b"destination.json" not in stored and b"PRIVATE KEY" not in stored


def test_without_a_url_in_last_years_files_the_renewal_asks_for_it(
    client: FlaskClient, world: RenewalWorld, partner: MtlsServer
) -> None:
    setup = setup_for(partner)
    files = last_year_files(world, setup)
    config = json.loads(files["destination.json"])
    config["url"] = ""
    files["destination.json"] = json.dumps(config).encode()
    assert open_files(client, files).status_code == 303
    page = page_of(
        post_multipart(
            client,
            "/last-year/renew",
            [
                ("new_key_file", file_part(new_p12(world), "new.p12")),
                ("new_key_file_password", KEY_FILE_PASSWORD),
            ],
            headers=HTMX,
        )
    )
    assert page.error("partner_url")
    renewed = post_multipart(
        client,
        "/last-year/renew",
        [
            ("new_key_file", file_part(new_p12(world), "new.p12")),
            ("new_key_file_password", KEY_FILE_PASSWORD),
            ("partner_url", setup.url),
        ],
    )
    assert renewed.status_code == 303
    assert "connection test: accepted" in first_page(client).text


def test_the_partner_email_is_on_the_page_with_a_copy_button_as_in_the_kit(
    client: FlaskClient, world: RenewalWorld, partner: MtlsServer
) -> None:
    setup = setup_for(partner)
    assert open_files(client, {"mtls-files.zip": last_year_zip(world, setup)}).status_code == 303
    assert renew(client, new_p12(world)).status_code == 303
    page = client.get("/").text
    shown = re.search(r'<pre id="partner-email-text"[^>]*>(.*?)</pre>', page, re.S)
    assert shown is not None
    with zipfile.ZipFile(io.BytesIO(client.get("/connection/partner-kit").data)) as archive:
        email = archive.read(EMAIL_FILE).decode()
    assert html.unescape(shown.group(1)) == email
    assert email.startswith(f"Subject: Please trust our client certificate for {setup.url}")
    assert re.search(r'<button[^>]*data-copy="#partner-email-text"[^>]*>Copy</button>', page)
