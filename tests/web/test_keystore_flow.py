"""Issue 2 over HTTP: every import format becomes a keystore the JDK reads and uses for mTLS.

Each format runs the procedure a user follows (import, settings, Download keystore) in its own
session; then the JDK judges every downloaded file in one batch: `keytool -list` must show
exactly one PrivateKeyEntry holding the chain of three, and a Java client configured the usual
way (key password = store password) must complete a mutual-TLS handshake with a server that
trusts only the test root.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import Flask
from werkzeug.http import parse_options_header

from tests.conftest import ThrowawayPki, app_config_for
from tests.support.throwaway_pki import Issued
from tests.support.tls_server import LocalTLSServer
from webapp import create_app

from .conftest import FormatCase, JavaTruststore, MultiKeyCase, common_name
from .java_checks import JavaVerdict, StoreFiles, judge_with_java
from .page import Page
from .procedure import (
    KEYSTORE_PASSWORD,
    Upload,
    attachment_name,
    download,
    import_key_pair,
    keystore_settings,
    page_of,
)

pytestmark = pytest.mark.java

FORMATS = [
    "p12-openssl-modern-rsa2048",
    "p12-openssl-modern-ec256",
    "p12-openssl-modern-ec384",
    "p12-openssl-modern-ed25519",
    "p12-openssl-legacy-3des",
    "p12-openssl-no-password",
    "p12-keytool",
    "pem-cert-and-pkcs8-key",
    "pem-cert-and-encrypted-pkcs8-key",
    "pem-cert-and-pkcs1-rsa-key",
    "pem-cert-and-sec1-ec-key",
    "pem-bundle-key-and-chain",
]
MULTI_KEY_FILES = ["pem-bundle-two-keys", "p12-keytool-two-entries"]
# The file name typed in the settings -> the name the download must carry.
EDITED_FILE_NAMES = {
    "p12-keytool": ("Partner Gateway", "Partner Gateway.jks"),
    "pem-bundle-key-and-chain": ("ed-client.jks", "ed-client.jks"),
}
KEY_DESCRIPTIONS = {
    "rsa2048": "RSA 2048-bit",
    "ec256": "EC P-256",
    "ec384": "EC P-384",
    "ed25519": "Ed25519",
}


@dataclass
class Built:
    """What one run of the procedure produced (or why it stopped)."""

    imported: Page | None = None
    alias: str = ""
    keystore: Path | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expected_cn: str = ""
    failure: str | None = None

    def require(self) -> None:
        if self.failure:
            pytest.fail(self.failure, pytrace=False)


def fingerprint(issued: Issued) -> str:
    """SHA-256 as keytool and the page print it (computed here, not by the app)."""
    return issued.cert.fingerprint(hashes.SHA256()).hex(":").upper()


@pytest.fixture(scope="module")
def keystore_app(
    tmp_path_factory: pytest.TempPathFactory, throwaway_pki: ThrowawayPki
) -> Iterator[Flask]:
    app = create_app(app_config_for(tmp_path_factory.mktemp("keystore-app"), throwaway_pki))
    yield app
    app.extensions["mtls_vault"].close()


def build_over_http(app: Flask, case: FormatCase, folder: Path, name: str) -> Built:
    """Import, settings, download in a fresh session; never raises, records the failure."""
    built = Built(expected_cn=case.common_name)
    client = app.test_client()
    try:
        built.imported = page_of(import_key_pair(client, case.upload))
        assert not built.imported.errors(), f"import refused: {built.imported.errors()}"
        alias = built.imported.field("alias")
        assert alias is not None, "the imported key pair has no Alias field"
        built.alias = alias.attrs["value"]
        typed_name = EDITED_FILE_NAMES.get(name, ("", ""))[0]
        settings = page_of(keystore_settings(client, alias=built.alias, filename=typed_name))
        assert not settings.errors(), f"settings refused: {settings.errors()}"
        response = download(client, "/keystore/download")
        built.headers = dict(response.headers)
        built.keystore = folder / f"{name}.jks"
        built.keystore.write_bytes(response.data)
    except AssertionError as exc:
        built.failure = f"{name}: {exc}"
    return built


@pytest.fixture(scope="module")
def built(
    keystore_app: Flask,
    keypair_uploads: dict[str, FormatCase],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Built]:
    folder = tmp_path_factory.mktemp("downloaded-keystores")
    return {
        name: build_over_http(keystore_app, keypair_uploads[name], folder, name) for name in FORMATS
    }


@dataclass
class Picked:
    """A multi-key file: the page before and after choosing, and the keystore of the choice."""

    first: Page | None = None
    after: Page | None = None
    picked_cn: str = ""
    picked_index: int = -1
    built: Built = field(default_factory=Built)


@pytest.fixture(scope="module")
def picked(
    keystore_app: Flask,
    multi_key_uploads: dict[str, MultiKeyCase],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Picked]:
    """For each multi-key file: import, pick the key pair NOT selected by default, download."""
    folder = tmp_path_factory.mktemp("picked-keystores")
    results = {}
    for name in MULTI_KEY_FILES:
        result, client = Picked(), keystore_app.test_client()
        try:
            result.first = page_of(import_key_pair(client, multi_key_uploads[name].upload))
            radios = [
                e
                for e in result.first.elements
                if e.tag == "input" and e.attrs.get("name") == "candidate"
            ]
            assert len(radios) == 2, f"{name}: the page offers {len(radios)} key pairs, not 2"
            other = next(r for r in radios if not r.checked)
            result.picked_index = int(other.attrs["value"])
            label = result.first.label_for(other.attrs["id"]) or ""
            result.picked_cn = next(
                common_name(c.cert)
                for c in multi_key_uploads[name].issued
                if common_name(c.cert) in label
            )
            result.after = page_of(
                client.post(
                    "/keystore/select",
                    headers={"HX-Request": "true"},
                    data={"candidate": str(result.picked_index)},
                )
            )
            alias = result.after.field("alias")
            assert alias is not None
            result.built.alias = alias.attrs["value"]
            result.built.expected_cn = result.picked_cn
            page = page_of(keystore_settings(client, alias=result.built.alias))
            assert not page.errors(), f"settings refused: {page.errors()}"
            response = download(client, "/keystore/download")
            result.built.keystore = folder / f"{name}.jks"
            result.built.keystore.write_bytes(response.data)
        except (AssertionError, StopIteration) as exc:
            result.built.failure = f"{name}: {exc!r}"
        results[name] = result
    return results


@pytest.fixture(scope="module")
def java_verdicts(
    built: dict[str, Built],
    picked: dict[str, Picked],
    throwaway_pki: ThrowawayPki,
    java_truststore: JavaTruststore,
) -> dict[str, JavaVerdict]:
    """The JDK's verdict on every downloaded keystore, in one batch of JVM launches."""
    everything = {**built, **{name: p.built for name, p in picked.items()}}
    stores = {
        name: StoreFiles(
            b.keystore, KEYSTORE_PASSWORD, java_truststore.path, java_truststore.password
        )
        for name, b in everything.items()
        if b.keystore is not None
    }
    with LocalTLSServer(
        cert_chain=throwaway_pki.server_chain,
        key=throwaway_pki.server_key,
        client_ca=throwaway_pki.root_pem,
    ) as server:
        return judge_with_java(stores, server)


def assert_java_accepts(built: Built, verdict: JavaVerdict) -> None:
    assert verdict.listing_failure is None, verdict.listing_failure
    assert verdict.keystore_listing is not None
    # Exactly one entry, a private key with leaf + intermediate + root, under the chosen alias.
    assert verdict.keystore_listing.entries == {built.alias: ("PrivateKeyEntry", 3)}
    assert f"Owner: CN={built.expected_cn}," in verdict.keystore_listing.text
    handshake = verdict.handshake
    assert handshake.returncode == 0, handshake.stderr
    assert handshake.field("client-certificate") == f"CN={built.expected_cn},O=mtls-kit tests"
    assert handshake.field("client-chain-length") == "3"
    # The server echoes the subject it verified against the test root.
    assert handshake.field("server-said") == (
        f"organizationName=mtls-kit tests,commonName={built.expected_cn}"
    )


@pytest.mark.parametrize("name", FORMATS)
def test_import_shows_what_the_file_holds(
    name: str, built: dict[str, Built], keypair_uploads: dict[str, FormatCase]
):
    result, case = built[name], keypair_uploads[name]
    assert result.imported is not None, result.failure
    text = result.imported.text
    assert case.common_name in text
    assert "mtls-kit Shared Test Root Intermediate" in text  # the issuer
    assert KEY_DESCRIPTIONS[case.kind] in text
    assert fingerprint(case.issued) in text
    assert "Certificate chain (3 certificates, yours first)" in text
    assert "The private key matches the certificate" in text
    assert "It protects both the file and your key" in text  # one password for both
    # The alias is suggested from the common name, lower-cased as keytool stores it.
    assert result.alias == case.common_name.lower().replace(" ", "-")


@pytest.mark.parametrize("name", FORMATS)
def test_download_is_a_no_store_attachment(name: str, built: dict[str, Built]):
    result = built[name]
    result.require()
    expected = EDITED_FILE_NAMES.get(name, ("", "keystore.jks"))[1]
    kind, options = parse_options_header(result.headers.get("Content-Disposition", ""))
    assert (kind, options.get("filename")) == ("attachment", expected)
    assert result.headers["Cache-Control"] == "no-store"
    assert result.headers["Content-Type"] == "application/octet-stream"
    assert result.keystore is not None
    assert result.keystore.read_bytes()[:4] == b"\xfe\xed\xfe\xed"  # JKS, not PKCS#12


@pytest.mark.parametrize("name", FORMATS)
def test_java_lists_one_key_entry_and_completes_mutual_tls(
    name: str, built: dict[str, Built], java_verdicts: dict[str, JavaVerdict]
):
    built[name].require()
    assert_java_accepts(built[name], java_verdicts[name])


@pytest.mark.parametrize("name", MULTI_KEY_FILES)
def test_several_key_entries_let_the_user_pick_one(
    name: str,
    picked: dict[str, Picked],
    multi_key_uploads: dict[str, MultiKeyCase],
    java_verdicts: dict[str, JavaVerdict],
):
    result = picked[name]
    result.built.require()
    assert result.first is not None and result.after is not None
    assert "This file holds 2 key pairs" in result.first.text
    for issued in multi_key_uploads[name].issued:
        assert common_name(issued.cert) in result.first.text
    chosen = result.after.by_id(f"candidate-{result.picked_index}")
    assert chosen is not None and chosen.checked
    assert result.built.alias == result.picked_cn.lower().replace(" ", "-")
    picked_pair = next(
        i for i in multi_key_uploads[name].issued if common_name(i.cert) == result.picked_cn
    )
    assert fingerprint(picked_pair) in result.after.text
    assert_java_accepts(result.built, java_verdicts[name])


def test_keytool_pkcs12_entries_show_their_aliases(picked: dict[str, Picked]):
    page = picked["p12-keytool-two-entries"].first
    assert page is not None
    # keytool's aliases help the user recognise the entries.
    assert "(java-client)" in page.text and "(second-entry)" in page.text


def test_edited_file_name_applies_to_later_downloads_too(
    keystore_app: Flask, keypair_uploads: dict[str, FormatCase]
):
    client = keystore_app.test_client()
    page_of(import_key_pair(client, keypair_uploads["p12-openssl-modern-ec256"].upload))
    page_of(keystore_settings(client, alias="partner-a", filename="partner_a.client"))
    assert attachment_name(download(client, "/keystore/download")) == "partner_a.client.jks"
    certificate = download(client, "/keystore/certificate")
    assert attachment_name(certificate) == "partner-a.pem"
    assert certificate.headers["Cache-Control"] == "no-store"
    assert certificate.data.startswith(b"-----BEGIN CERTIFICATE-----")
    assert b"PRIVATE KEY" not in certificate.data


VALIDITY = {
    "expired": ((-400, -10), "This certificate has expired."),
    "not-yet-valid": ((10, 400), "This certificate is not valid yet."),
    "expiring-in-20-days": ((-300, 20), "This certificate expires in 1"),  # 19 or 20 days
}


@pytest.mark.parametrize("name", VALIDITY)
def test_import_warns_about_validity(name: str, keystore_app: Flask, throwaway_pki: ThrowawayPki):
    (start, end), warning = VALIDITY[name]
    now = dt.datetime.now(dt.UTC)
    issued = throwaway_pki.ca.issue_client(
        f"Validity {name}",
        key_kind="ec256",
        not_before=now + dt.timedelta(days=start),
        not_after=now + dt.timedelta(days=end),
    )
    data = pkcs12.serialize_key_and_certificates(
        b"x", issued.key, issued.cert, issued.chain, serialization.NoEncryption()
    )
    page = page_of(import_key_pair(keystore_app.test_client(), Upload(data, f"{name}.p12")))
    assert not page.errors()
    assert warning in page.text
