"""Issue 13 over HTTP, keystore side: open last year's keystore, renew its key (a new key pair
file or the CA's reply) or generate a key and its certificate request.

Each route is driven as the browser drives it (htmx posts); bad input must give status 200
with a plain message beside its field and leave the earlier work in place.
"""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki, app_config_for
from tests.support.keytool_stores import KEY_PASSWORD, STORE_PASSWORD, KeytoolStores
from tests.support.throwaway_pki import Issued, ThrowawayCA
from webapp import create_app
from webapp.pki.java import build_truststore, open_store

from .conftest import P12_PASSWORD, cryptography_p12
from .page import assert_error_beside
from .procedure import (
    HTMX,
    KEYSTORE_PASSWORD,
    Upload,
    complete_keystore,
    download,
    import_key_pair,
    keystore_settings,
    page_of,
    post_multipart,
    saved_state,
)
from .renewal_support import (
    ca_reply,
    open_keystore,
    sign_request,
    store_of_many,
)


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def downloaded_keystore(client: FlaskClient, password: str):
    response = download(client, "/keystore/download")
    return response, open_store(response.data, password)


# --- open an existing keystore -------------------------------------------------------------


@pytest.mark.parametrize("name", ["imported.jks", "imported.p12"])
def test_open_keystore_keeps_alias_password_and_file_name(
    client: FlaskClient, keytool_stores: KeytoolStores, lifecycle_client: Issued, name: str
):
    page = page_of(open_keystore(client, keytool_stores.files[name], STORE_PASSWORD, name=name))
    assert not page.errors(), page.errors()
    assert "Last year's keystore" in page.text
    assert "client" in page.text and "Last Year Client" in page.text
    assert page.field("alias").attrs["value"] == "client"
    # The old password is kept, so the keystore is ready at once under the same file name.
    assert page.links().get("Download keystore") == "/keystore/download"
    response, store = downloaded_keystore(client, STORE_PASSWORD)
    # Issue 20: the same format and the exact file name, so the platform reads it unchanged.
    assert response.headers["Content-Disposition"].endswith(f"filename={name}")
    assert store.store_type == ("PKCS12" if name.endswith(".p12") else "JKS")
    assert store.aliases == ("client",)
    assert store.key_entry().certificate == lifecycle_client.cert
    assert len(store.key_entry().chain) == 3


def test_open_keystore_renewed_with_new_key_pair_file_keeps_alias(
    client: FlaskClient, keytool_stores: KeytoolStores, lifecycle_ca: ThrowawayCA
):
    page_of(open_keystore(client, keytool_stores.files["imported.jks"], STORE_PASSWORD))
    fresh = lifecycle_ca.issue_client("This Year Client", key_kind="ec256")
    upload = Upload(cryptography_p12(fresh, "new-name", P12_PASSWORD), "new.p12", P12_PASSWORD)
    page = page_of(import_key_pair(client, upload))
    assert not page.errors(), page.errors()
    assert page.field("alias").attrs["value"] == "client"
    _, store = downloaded_keystore(client, STORE_PASSWORD)
    assert store.aliases == ("client",)
    assert store.key_entry().certificate == fresh.cert


def test_open_keystore_with_several_keys_lets_the_user_pick(
    client: FlaskClient, app: Flask, keytool_files: dict[str, bytes]
):
    from .conftest import KEYTOOL_PASSWORD

    page = page_of(
        open_keystore(client, keytool_files["two-entries.p12"], KEYTOOL_PASSWORD, name="two.p12")
    )
    radios = page.fields("candidate")
    assert len(radios) == 2
    page = page_of(client.post("/keystore/select", data={"candidate": "1"}, headers=HTMX))
    assert page.field("alias").attrs["value"] == "second-entry"  # the old alias, not a guess
    _, store = downloaded_keystore(client, KEYTOOL_PASSWORD)
    assert store.aliases == ("second-entry",)


def test_key_with_its_own_password(client: FlaskClient, keytool_stores: KeytoolStores):
    data = keytool_stores.files["own-key-password.jks"]
    page = page_of(open_keystore(client, data, STORE_PASSWORD))
    assert_error_beside(page, "existing_keystore_password", "has its own password")
    assert page.field("existing_key_password") is not None, "no key password field shown"
    page = page_of(open_keystore(client, data, STORE_PASSWORD, key_password="wrong-pw"))
    assert_error_beside(page, "existing_key_password", "does not open the key")
    page = page_of(open_keystore(client, data, STORE_PASSWORD, key_password=KEY_PASSWORD))
    assert not page.errors(), page.errors()
    # The keystore we write has key password == store password, as the platform assumes.
    _, store = downloaded_keystore(client, STORE_PASSWORD)
    assert store.aliases == ("client",)


@pytest.mark.parametrize(
    "case, field, message",
    [
        ("wrong-password", "existing_keystore_password", "The password does not open this store."),
        ("not-a-store", "existing_keystore", "not a Java keystore"),
        ("jceks", "existing_keystore", "JCEKS"),
        ("truststore", "existing_keystore", "no private key"),
        ("many", "existing_keystore", "holds"),
        ("empty", "existing_keystore", "Choose last year's keystore"),
        ("too-large", "existing_keystore", "too large"),
    ],
)
def test_bad_keystores_say_so_beside_the_field_and_keep_earlier_work(
    client: FlaskClient,
    app: Flask,
    keytool_stores: KeytoolStores,
    keypair_uploads,
    case: str,
    field: str,
    message: str,
):
    complete_keystore(client, keypair_uploads["p12-openssl-modern-ec256"].upload)
    before = saved_state(client, app)
    files = keytool_stores.files
    data, password = {
        "wrong-password": (files["imported.jks"], "not-the-password"),
        "not-a-store": (b"just some text, not a keystore" * 10, STORE_PASSWORD),
        "jceks": (files["truststore.jceks"], STORE_PASSWORD),
        "truststore": (files["truststore.jks"], STORE_PASSWORD),
        "many": (
            build_truststore(entries=store_of_many(500), password=STORE_PASSWORD),
            STORE_PASSWORD,
        ),
        "empty": (b"", STORE_PASSWORD),
        "too-large": (b"\x00" * (2 * 1024 * 1024), STORE_PASSWORD),
    }[case]
    fields: list = [("existing_keystore_password", password)]
    if data:
        from .procedure import file_part

        fields.insert(0, ("existing_keystore", file_part(data, "old.jks")))
    page = page_of(post_multipart(client, "/keystore/open", fields, headers=HTMX))
    assert_error_beside(page, field, message)
    assert saved_state(client, app) == before, "a failed open changed the saved work"
    assert "Download keystore" in page.text, "the finished keystore is no longer offered"


def test_open_keystore_without_javascript(client: FlaskClient, keytool_stores: KeytoolStores):
    """Plain form posts: an error comes back as the whole page, success as a redirect."""
    from .procedure import file_part

    def post(password: str):
        return post_multipart(
            client,
            "/keystore/open",
            [
                ("existing_keystore", file_part(keytool_stores.files["imported.jks"], "old.jks")),
                ("existing_keystore_password", password),
            ],
        )

    page = page_of(post("wrong-password"))
    assert page.is_full_page
    assert_error_beside(page, "existing_keystore_password", "does not open this store")
    assert page.by_id("open-keystore").attrs.get("open") is not None, "the form is folded away"
    response = post(STORE_PASSWORD)
    assert response.status_code == 303
    page = page_of(client.get(response.headers["Location"]))
    assert page.field("alias").attrs["value"] == "client"


# --- CA reply -----------------------------------------------------------------------------


def test_ca_reply_renews_the_opened_key(
    tmp_path, throwaway_pki: ThrowawayPki, keytool_stores: KeytoolStores, lifecycle_ca: ThrowawayCA
):
    roots = tmp_path / "roots.pem"
    roots.write_bytes(lifecycle_ca.root_pem())
    app = create_app(app_config_for(tmp_path, throwaway_pki, EXTRA_ROOTS=str(roots)))
    client = app.test_client()
    page_of(
        open_keystore(
            client, keytool_stores.files["generated.jks"], STORE_PASSWORD, name="generated.jks"
        )
    )
    # keytool's placeholder expires within 30 days: not ready until renewed (issue 20).
    assert client.get("/keystore/download").status_code == 409
    entry = open_store(keytool_stores.files["generated.jks"], STORE_PASSWORD).key_entry()
    signed = sign_request(lifecycle_ca, entry.certificate.subject, entry.certificate.public_key())
    # The leaf and intermediate: the root comes from the extra roots the operator configured.
    page = page_of(ca_reply(client, pem(signed, lifecycle_ca.intermediate.cert)))
    assert not page.errors(), page.errors()
    _, store = downloaded_keystore(client, STORE_PASSWORD)
    assert store.aliases == ("old client",)
    assert store.key_entry().chain == (
        signed,
        lifecycle_ca.intermediate.cert,
        lifecycle_ca.root.cert,
    )
    app.extensions["mtls_vault"].close()


@pytest.mark.parametrize(
    "case, message",
    [
        ("other-key", "This certificate belongs to another key"),
        # A reply whose issuer cannot be found is no longer refused (issue 20): see
        # tests/web/test_ready_rule.py, "Create it with my certificate alone".
        ("garbage", ""),
        ("missing", "Choose the certificate file"),
    ],
)
def test_bad_ca_replies(
    client: FlaskClient,
    app: Flask,
    keytool_stores: KeytoolStores,
    lifecycle_ca: ThrowawayCA,
    lifecycle_client: Issued,
    case: str,
    message: str,
):
    page_of(open_keystore(client, keytool_stores.files["generated.jks"], STORE_PASSWORD))
    before = saved_state(client, app)
    data = {
        "other-key": pem(lifecycle_client.cert),
        "garbage": b"not a certificate",
        "missing": b"",
    }[case]
    page = page_of(
        ca_reply(client, data)
        if data
        else post_multipart(client, "/keystore/ca-reply", [], headers=HTMX)
    )
    assert_error_beside(page, "ca_reply", message)
    assert saved_state(client, app) == before
    assert "What the keystore holds" in page.text  # the opened keystore is still there


# --- generate a key pair and a certificate request ---------------------------------------


def test_generate_then_ca_reply_in_a_later_session(
    app: Flask, keytool_stores: KeytoolStores, lifecycle_ca: ThrowawayCA
):
    first = app.test_client()
    page = page_of(
        first.post(
            "/keystore/generate",
            headers=HTMX,
            data={
                "organisation": "Example Trading Ltd",
                "common_name": "orders to partner",
                "country": "GB",
                "key_type": "ec-p256",
            },
        )
    )
    assert not page.errors(), page.errors()
    assert page.links()["Download certificate request"] == "/keystore/request.csr"
    csr_response = download(first, "/keystore/request.csr")
    csr = x509.load_pem_x509_csr(csr_response.data)
    assert csr.is_signature_valid
    assert (
        csr.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value
        == "Example Trading Ltd"
    )
    page = page_of(
        keystore_settings(first, alias=page.field("alias").attrs["value"], filename="renewed.jks")
    )
    assert not page.errors(), page.errors()
    kept = download(first, "/keystore/download").data

    later = app.test_client()  # the CA answered days later: a new session
    page = page_of(open_keystore(later, kept, KEYSTORE_PASSWORD, name="renewed.jks"))
    assert not page.errors(), page.errors()
    signed = sign_request(lifecycle_ca, csr)
    # The CA's answer with its chain, as a .p7b would bring it.
    page = page_of(
        ca_reply(later, pem(signed, lifecycle_ca.intermediate.cert, lifecycle_ca.root.cert))
    )
    assert not page.errors(), page.errors()
    response, store = downloaded_keystore(later, KEYSTORE_PASSWORD)
    assert response.headers["Content-Disposition"].endswith("renewed.jks")
    assert store.key_entry().certificate == signed
    assert [c.subject for c in store.key_entry().chain[1:]] == [
        lifecycle_ca.intermediate.cert.subject,
        lifecycle_ca.root.cert.subject,
    ]


def test_generate_while_renewing_keeps_alias_password_and_file_name(
    client: FlaskClient, keytool_stores: KeytoolStores
):
    page_of(
        open_keystore(
            client, keytool_stores.files["imported.jks"], STORE_PASSWORD, name="platform.jks"
        )
    )
    page = page_of(
        client.post(
            "/keystore/generate",
            headers=HTMX,
            data={"organisation": "Org", "common_name": "Renewed", "key_type": "ec-p256"},
        )
    )
    assert not page.errors(), page.errors()
    assert page.field("alias").attrs["value"] == "client"
    response, store = downloaded_keystore(client, STORE_PASSWORD)
    assert response.headers["Content-Disposition"].endswith("platform.jks")
    assert store.aliases == ("client",)
    csr = x509.load_pem_x509_csr(download(client, "/keystore/request.csr").data)
    assert csr.public_key() == store.key_entry().certificate.public_key()


@pytest.mark.parametrize(
    "form, field",
    [
        ({"organisation": "x" * 100, "common_name": "x"}, "organisation"),
        ({"organisation": "Org", "common_name": ""}, "common_name"),
        ({"organisation": "Org", "common_name": "x", "country": "Germany"}, "country"),
        ({"organisation": "Org", "common_name": "x", "key_type": "dsa"}, "key_type"),
    ],
)
def test_generate_bad_fields(client: FlaskClient, form: dict, field: str):
    page = page_of(client.post("/keystore/generate", headers=HTMX, data=form))
    assert page.error(field), page.errors()
    assert page.by_id(field).attrs.get("aria-invalid") == "true"
    if field != "organisation":
        assert page.field("organisation").attrs["value"] == form["organisation"]


def test_request_download_without_request(client: FlaskClient):
    assert client.get("/keystore/request.csr").status_code == 409
