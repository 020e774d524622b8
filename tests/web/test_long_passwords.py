"""Issue 10, hole 6: long passwords are refused in words or used whole, never cut.

Before, every field was cut to 1,001 characters: the page said ready, the JKS opened only
with the first 1,001 characters, destination.json held the cut password, and a .p12 whose
password is 1,500 characters long was "The password does not open this file".
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki
from webapp.pki.java import MAX_PASSWORD_LENGTH, read_store
from webapp.pki.keyimport import MAX_KEY_FILE_PASSWORD_LENGTH

from .conftest import FormatCase
from .page import assert_error_beside
from .procedure import (
    Upload,
    download,
    import_key_pair,
    keystore_settings,
    page_of,
    saved_state,
)
from .test_security import finish_everything


def p12_with_password(pki: ThrowawayPki, password: str) -> bytes:
    owner = pki.client("ec256")
    return pkcs12.serialize_key_and_certificates(
        b"long", owner.key, owner.cert, owner.chain, BestAvailableEncryption(password.encode())
    )


@pytest.mark.parametrize("length", [1500, MAX_KEY_FILE_PASSWORD_LENGTH])
def test_a_long_key_file_password_opens_the_file(
    length: int, app: Flask, client: FlaskClient, throwaway_pki: ThrowawayPki
):
    password = ("Long-pass-" * 500)[:length]
    page = page_of(
        import_key_pair(
            client, Upload(p12_with_password(throwaway_pki, password), "long.p12", password)
        )
    )
    assert not page.errors(), page.errors()
    assert saved_state(client, app)["keystore"]["candidates"]


def test_a_key_file_password_over_the_cap_is_refused_in_words(
    client: FlaskClient, throwaway_pki: ThrowawayPki
):
    password = "x" * (MAX_KEY_FILE_PASSWORD_LENGTH + 1)
    page = page_of(
        import_key_pair(
            client, Upload(p12_with_password(throwaway_pki, "short-1"), "long.p12", password)
        )
    )
    assert_error_beside(page, "key_password", f"longer than {MAX_KEY_FILE_PASSWORD_LENGTH}")


def test_a_store_password_over_the_cap_is_refused_and_the_old_one_kept(
    app: Flask,
    client: FlaskClient,
    keypair_uploads: dict[str, FormatCase],
    throwaway_pki: ThrowawayPki,
):
    finish_everything(client, keypair_uploads, throwaway_pki)
    before = saved_state(client, app)["keystore"]["password"]
    page = page_of(keystore_settings(client, alias="client", password="p" * 1500))
    assert_error_beside(page, "keystore_password", f"Use at most {MAX_PASSWORD_LENGTH}")
    assert saved_state(client, app)["keystore"]["password"] == before


def test_a_store_password_at_the_cap_is_used_whole(
    app: Flask,
    client: FlaskClient,
    keypair_uploads: dict[str, FormatCase],
    throwaway_pki: ThrowawayPki,
):
    finish_everything(client, keypair_uploads, throwaway_pki)
    password = ("Whole-" * 200)[:MAX_PASSWORD_LENGTH]
    assert not page_of(keystore_settings(client, alias="client", password=password)).errors()
    keystore = download(client, "/keystore/download").data
    assert read_store(keystore, password).entries  # opens with the whole password
    assert download(client, "/finish/destination.json").json["keystorePass"] == password
