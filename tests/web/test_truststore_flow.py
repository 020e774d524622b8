"""Issue 3 over HTTP: truststore from the partner's URL and from files, config, Download all.

One user's whole journey runs once (module fixture) against a local TLS server on 127.0.0.1
that sends server + intermediate and requires a client certificate from the test root; the
root comes from the operator's EXTRA_ROOTS bundle. The tests then check each part of it, and
the JDK has the last word: keytool opens both downloaded stores with the passwords from
destination.json, and a Java client using them completes mutual TLS with that server.
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from werkzeug.test import TestResponse

from tests.conftest import ThrowawayPki, app_config_for
from tests.support.throwaway_pki import ThrowawayCA
from tests.support.tls_server import LocalTLSServer
from tests.support.tools import require_tool
from webapp import create_app

from .conftest import FormatCase, pem_of
from .java_checks import JavaVerdict, StoreFiles, judge_with_java
from .page import Page, assert_error_beside
from .procedure import (
    KEYSTORE_PASSWORD,
    TRUSTSTORE_PASSWORD,
    attachment_name,
    complete_keystore,
    download,
    page_of,
    saved_state,
    truststore_settings,
    upload_certificates,
)

pytestmark = pytest.mark.java

FOLDER = "/opt/platform/certs/"
EDITED_ALIAS = "Partner Intermediate (edited)"


def key_of(cert: x509.Certificate) -> str:
    """The form-field suffix of a certificate: its SHA-256 in lower-case hex."""
    return cert.fingerprint(hashes.SHA256()).hex()


@dataclass(frozen=True)
class PartnerFiles:
    """Certificates the partner mailed: a second CA, and a root named like the test root."""

    partner: ThrowawayCA
    partner_server: x509.Certificate
    lookalike_root: x509.Certificate  # same common name as the test root, another key
    files: list[tuple[bytes, str]]  # (content, file name) as uploaded


@pytest.fixture(scope="module")
def partner_files(tmp_path_factory: pytest.TempPathFactory) -> PartnerFiles:
    openssl = require_tool("openssl", why="the PKCS#7 files are made the way people make them")
    folder = tmp_path_factory.mktemp("partner-files")
    partner = ThrowawayCA("Partner Root CA", key_kind="ec256")
    server = partner.issue_server("partner.example", key_kind="ec256").cert
    lookalike = ThrowawayCA("mtls-kit Shared Test Root", key_kind="ec256").root.cert
    (folder / "ca.pem").write_bytes(pem_of(partner.intermediate.cert, partner.root.cert))
    (folder / "mixed.pem").write_bytes(pem_of(server, lookalike))

    def crl2pkcs7(source: str, out: str, *options: str) -> bytes:
        subprocess.run(
            [openssl, "crl2pkcs7", "-nocrl", "-certfile", source, "-out", out, *options],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=60,
        )
        return (folder / out).read_bytes()

    files = [
        (pem_of(partner.root.cert, partner.intermediate.cert), "partner-bundle.pem"),
        (server.public_bytes(serialization.Encoding.DER), "partner-server.cer"),
        # Both PKCS#7 files repeat certificates above: duplicates must merge.
        (crl2pkcs7("ca.pem", "partner-ca.p7b"), "partner-ca.p7b"),
        (crl2pkcs7("mixed.pem", "mixed.p7b", "-outform", "DER"), "mixed-der.p7b"),
    ]
    assert files[2][0].startswith(b"-----BEGIN PKCS7-----")
    return PartnerFiles(partner, server, lookalike, files)


@dataclass
class Journey:
    server_url: str
    roles: dict[str, str]  # role -> fingerprint key
    fetched: Page
    uploaded: Page
    duplicate_alias: Page
    settings: Page
    truststore: TestResponse
    finish_page: Page
    config: TestResponse
    masked: Page
    revealed: Page
    bundle: TestResponse
    shown_aliases: dict[str, str]  # role -> alias as first suggested
    state_after: dict
    verdict: JavaVerdict
    direct_truststore_listing: dict[str, tuple[str, int]]
    server: LocalTLSServer


@pytest.fixture(scope="module")
def journey(
    tmp_path_factory: pytest.TempPathFactory,
    throwaway_pki: ThrowawayPki,
    keypair_uploads: dict[str, FormatCase],
    partner_files: PartnerFiles,
) -> Iterator[Journey]:
    folder = tmp_path_factory.mktemp("journey")
    app = create_app(app_config_for(folder, throwaway_pki))
    client = app.test_client()
    own = keypair_uploads["p12-openssl-modern-ec256"]
    pki = throwaway_pki
    roles = {
        "server": key_of(pki.server.cert),
        "intermediate": key_of(pki.ca.intermediate.cert),
        "root": key_of(pki.ca.root.cert),
        "own": key_of(own.issued.cert),
        "partner-root": key_of(partner_files.partner.root.cert),
        "partner-intermediate": key_of(partner_files.partner.intermediate.cert),
        "partner-server": key_of(partner_files.partner_server),
        "lookalike-root": key_of(partner_files.lookalike_root),
    }
    complete_keystore(client, own.upload)
    with LocalTLSServer(
        cert_chain=pki.server_chain, key=pki.server_key, client_ca=pki.root_pem
    ) as server:
        server_url = f"https://127.0.0.1:{server.port}/inbound/orders"
        fetched = page_of(
            client.post(
                "/truststore/fetch", data={"server_url": server_url}, headers={"HX-Request": "true"}
            )
        )
        assert not fetched.errors(), f"fetch failed: {fetched.errors()}"
        uploaded = page_of(upload_certificates(client, partner_files.files))
        assert not uploaded.errors(), f"upload failed: {uploaded.errors()}"
        shown = {
            role: (uploaded.field(f"alias-{key}") or _missing(role)).attrs["value"]
            for role, key in roles.items()
        }
        lookalike_alias = {roles["lookalike-root"]: shown["root"]}
        duplicate_alias = page_of(truststore_settings(client, uploaded, aliases=lookalike_alias))
        settings = page_of(
            truststore_settings(
                client,
                uploaded,
                exclude={roles["partner-server"]},
                filename="partner-trust",
                aliases={roles["partner-intermediate"]: EDITED_ALIAS},
            )
        )
        assert not settings.errors(), f"truststore settings refused: {settings.errors()}"
        truststore = download(client, "/truststore/download")
        finish_page = page_of(client.post("/step/finish", headers={"HX-Request": "true"}))
        finished = client.post(
            "/finish/settings",
            headers={"HX-Request": "true"},
            data={"dest_url": server_url, "http_method": "POST", "folder": FOLDER},
        )
        assert not page_of(finished).errors()
        masked = page_of(client.get("/finish/preview", headers={"HX-Request": "true"}))
        revealed = page_of(client.get("/finish/preview?reveal=1", headers={"HX-Request": "true"}))
        config = download(client, "/finish/destination.json")
        bundle = download(client, "/finish/bundle.zip")
        state_after = saved_state(client, app) or {}

        # The JDK judges the files from the zip, opened with the passwords from the config.
        unpacked = folder / "unpacked"
        with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
            archive.extractall(unpacked)
        destination = json.loads((unpacked / "destination.json").read_text())
        direct = folder / "direct-truststore.jks"
        direct.write_bytes(truststore.data)
        stores = {
            "bundle": StoreFiles(
                unpacked / Path(destination["keystoreFile"]).name,
                destination["keystorePass"],
                unpacked / Path(destination["truststoreFile"]).name,
                destination["truststorePass"],
            ),
            # The truststore downloaded on its own must work just the same.
            "direct": StoreFiles(
                unpacked / Path(destination["keystoreFile"]).name,
                destination["keystorePass"],
                direct,
                TRUSTSTORE_PASSWORD,
            ),
        }
        verdicts = judge_with_java(stores, server, list_truststores=True)
        direct_listing = verdicts["direct"].truststore_listing
        assert verdicts["direct"].handshake.returncode == 0, verdicts["direct"].handshake.stderr
        yield Journey(
            server_url,
            roles,
            fetched,
            uploaded,
            duplicate_alias,
            settings,
            truststore,
            finish_page,
            config,
            masked,
            revealed,
            bundle,
            shown,
            state_after,
            verdicts["bundle"],
            direct_listing.entries if direct_listing else {},
            server,
        )
    app.extensions["mtls_vault"].close()


def _missing(role: str):
    raise AssertionError(f"the {role} certificate is not listed")


def entry_text(page: Page, key: str) -> str:
    """The line under a certificate's checkbox: where it came from, who issued it."""
    label = page.label_for(f"include-{key}")
    assert label is not None, f"no checkbox for {key}"
    index = next(i for i, e in enumerate(page.elements) if e.attrs.get("id") == f"include-{key}")
    source = next(e for e in page.elements[index:] if e.tag == "p")
    return f"{label} | {source.text}"


def test_fetch_lists_the_servers_chain_completed_from_the_extra_roots(journey: Journey):
    page, roles = journey.fetched, journey.roles
    assert "127.0.0.1:" in page.text and "sent 2 certificates" in page.text
    assert "sent by the server" in entry_text(page, roles["server"])
    assert "sent by the server" in entry_text(page, roles["intermediate"])
    assert "added from your organisation's roots" in entry_text(page, roles["root"])
    assert "your own certificate" in entry_text(page, roles["own"])
    # Own intermediate and root are the server's too: listed once.
    assert {b.attrs["name"] for b in page.fields("include-")} == {
        f"include-{roles[r]}" for r in ("server", "intermediate", "root", "own")
    }
    # Fingerprints are shown for the user to compare with what the partner says.
    assert ":".join(f"{b:02X}" for b in bytes.fromhex(roles["server"])) in page.text
    assert "not issued for" not in page.text  # the server certificate names 127.0.0.1


def test_uploaded_files_add_every_certificate_once(journey: Journey):
    boxes = journey.uploaded.fields("include-")
    assert sorted(b.attrs["name"][len("include-") :] for b in boxes) == sorted(
        journey.roles.values()
    )
    assert all(b.checked for b in boxes), "every certificate is included by default"
    for role in ("partner-root", "partner-intermediate", "partner-server", "lookalike-root"):
        assert "uploaded" in entry_text(journey.uploaded, journey.roles[role])


def test_aliases_are_unique_lower_case_and_editable(journey: Journey):
    aliases = journey.shown_aliases
    assert len(set(aliases.values())) == len(aliases)
    assert aliases["root"] == "mtls-kit-shared-test-root"
    assert aliases["lookalike-root"] == "mtls-kit-shared-test-root-2"
    assert aliases["own"] == "shared-client-ec256"
    assert all(alias == alias.lower() for alias in aliases.values())
    # Typing an alias already used is refused beside that alias, and nothing is chosen yet.
    key = journey.roles["lookalike-root"]
    page = journey.duplicate_alias
    assert_error_beside(page, f"alias-{key}", "is already used above")
    assert page.field(f"alias-{key}").attrs["value"] == "mtls-kit-shared-test-root"


def test_truststore_download_holds_only_the_chosen_certificates(journey: Journey):
    assert attachment_name(journey.truststore) == "partner-trust.jks"
    assert journey.truststore.headers["Cache-Control"] == "no-store"
    expected = {alias for role, alias in journey.shown_aliases.items() if role != "partner-server"}
    expected = (expected - {journey.shown_aliases["partner-intermediate"]}) | {EDITED_ALIAS.lower()}
    assert journey.direct_truststore_listing == {
        alias: ("trustedCertEntry", 1) for alias in expected
    }


def test_destination_url_is_prefilled_from_the_fetched_address(journey: Journey):
    field = journey.finish_page.field("dest_url")
    assert field is not None and field.attrs["value"] == journey.server_url


def test_destination_json_has_exactly_the_platform_fields(journey: Journey):
    assert attachment_name(journey.config) == "destination.json"
    assert journey.config.headers["Cache-Control"] == "no-store"
    assert json.loads(journey.config.data) == {
        "url": journey.server_url,
        "method": "POST",
        "keystoreFile": "/opt/platform/certs/keystore.jks",
        "keystorePass": KEYSTORE_PASSWORD,
        "truststoreFile": "/opt/platform/certs/partner-trust.jks",
        "truststorePass": TRUSTSTORE_PASSWORD,
    }


def test_config_preview_masks_passwords_until_revealed(journey: Journey):
    for page in (journey.masked, journey.finish_page):
        assert KEYSTORE_PASSWORD not in page.html and TRUSTSTORE_PASSWORD not in page.html
    assert '"keystorePass": "••••••••"' in journey.masked.text
    assert (
        KEYSTORE_PASSWORD in journey.revealed.text and TRUSTSTORE_PASSWORD in journey.revealed.text
    )


def test_download_all_holds_every_file_and_a_readme(journey: Journey):
    assert attachment_name(journey.bundle) == "mtls-files.zip"
    assert journey.bundle.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(journey.bundle.data)) as archive:
        assert sorted(archive.namelist()) == sorted(
            [
                "keystore.jks",
                "partner-trust.jks",
                "destination.json",
                "shared-client-ec256.pem",
                "README.txt",
                "reminder.ics",
                "spring-ssl-bundle.yaml",
                "spring-ssl-bundle.properties",
                "jvm-options.txt",
                "SslContextExample.java",
            ]
        )
        certificate = archive.read("shared-client-ec256.pem")
        readme = archive.read("README.txt").decode()
    assert x509.load_pem_x509_certificate(certificate).subject.rfc4514_string() == (
        "CN=Shared Client ec256,O=mtls-kit tests"
    )
    assert b"PRIVATE KEY" not in certificate
    assert "shared-client-ec256.pem" in readme and "/opt/platform/certs/keystore.jks" in readme
    assert KEYSTORE_PASSWORD not in readme and TRUSTSTORE_PASSWORD not in readme


def test_java_opens_both_files_with_the_config_passwords_and_does_mutual_tls(journey: Journey):
    verdict = journey.verdict
    assert verdict.listing_failure is None, verdict.listing_failure
    assert verdict.keystore_listing is not None and verdict.truststore_listing is not None
    assert verdict.keystore_listing.entries == {"shared-client-ec256": ("PrivateKeyEntry", 3)}
    assert set(verdict.truststore_listing.entries.values()) == {("trustedCertEntry", 1)}
    assert verdict.handshake.returncode == 0, verdict.handshake.stderr
    assert (
        verdict.handshake.field("client-certificate") == "CN=Shared Client ec256,O=mtls-kit tests"
    )
    assert "organizationName=mtls-kit tests,commonName=Shared Client ec256" in (
        journey.server.client_subjects
    )


def test_the_session_remembers_every_choice(journey: Journey):
    state = journey.state_after
    choices = state["truststore"]["choices"]
    excluded = [fp for fp, choice in choices.items() if not choice["include"]]
    assert [fp.replace(":", "").lower() for fp in excluded] == [journey.roles["partner-server"]]
    assert state["destination"] == {"url": journey.server_url, "method": "POST", "folder": FOLDER}
