"""Issue 19, point 7: a PKCS#12 file of 100k bags or 60k ContentInfos is refused in < 1 s.

Bags and ContentInfos were not counted before the passes over the file (ours and OpenSSL's),
so such a file held a worker for 1.4-2.4 s. Now they are counted first: the answer is a
plain sentence beside the file field, through the key import and through opening the file
as last year's keystore or truststore, and the work saved before is untouched.
"""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki
from tests.fuzz import crafted
from webapp.pki.keyimport.kdf_limits import MAX_PKCS12_BAGS, MAX_PKCS12_CONTENT_INFOS

from .page import assert_error_beside
from .procedure import (
    HTMX,
    Upload,
    file_part,
    import_key_pair,
    page_of,
    post_multipart,
    saved_state,
)

PASSWORD = "crowded-Pass-1"
# The smallest bag OpenSSL still parses: an unknown bag type 2.5 holding a NULL (9 bytes).
TINY_BAG = bytes.fromhex("3007060155a0020500")
# The smallest ContentInfo: an unknown content type 2.5, no content (5 bytes).
TINY_CONTENT_INFO = bytes.fromhex("3003060155")


@pytest.fixture(scope="module")
def crowded_files(throwaway_pki: ThrowawayPki) -> dict[str, bytes]:
    owner = throwaway_pki.client("ec256")
    secret = PASSWORD.encode()
    real = [crafted.key_bag(owner.key), crafted.cert_bag(owner.cert)]
    files = {
        "100k-bags": crafted.build_pfx(
            crafted.data_content(*real, *[TINY_BAG] * 100_000), password=secret
        ),
        "60k-content-infos": crafted.build_pfx(
            crafted.data_content(*real), *[TINY_CONTENT_INFO] * 60_000, password=secret
        ),
        # Inside the encrypted content, where they show only after decryption.
        "hidden-bags": crafted.build_pfx(
            crafted.data_content(*real),
            crafted.encrypted_content(*[TINY_BAG] * 100_000, password=secret, rounds=10),
            password=secret,
        ),
    }
    assert all(len(data) < 1024 * 1024 for data in files.values()), "over the upload limit"
    return files


@pytest.fixture
def imported(client: FlaskClient, throwaway_pki: ThrowawayPki) -> None:
    """A key pair imported before the crowded store arrives: it must survive.

    (A key pair file sent after one was imported is refused in an alert above the imported
    key pair instead: the key import test starts from an empty session to see the field.)
    """
    owner = throwaway_pki.client("ec256")
    good = pkcs12.serialize_key_and_certificates(
        b"mine", owner.key, owner.cert, None, BestAvailableEncryption(PASSWORD.encode())
    )
    page = page_of(import_key_pair(client, Upload(good, "mine.p12", PASSWORD)))
    assert not page.errors(), page.errors()


CASES = ["100k-bags", "60k-content-infos", "hidden-bags"]


@pytest.mark.parametrize("name", CASES)
def test_crowded_key_pair_file_is_refused_quickly(
    name: str, crowded_files: dict[str, bytes], app: Flask, client: FlaskClient
):
    before = saved_state(client, app)
    started = time.perf_counter()
    response = import_key_pair(client, Upload(crowded_files[name], f"{name}.p12", PASSWORD))
    elapsed = time.perf_counter() - started
    assert_error_beside(page_of(response), "key_file", "far more parts")
    assert elapsed < 1.0, f"{name}: {elapsed:.2f} s"
    assert saved_state(client, app) == before, "the refused file changed the saved work"


@pytest.mark.parametrize(
    ("url", "field"),
    [("/keystore/open", "existing_keystore"), ("/truststore/open", "existing_truststore")],
)
@pytest.mark.parametrize("name", CASES)
def test_crowded_store_is_refused_quickly(
    name: str,
    url: str,
    field: str,
    crowded_files: dict[str, bytes],
    imported: None,
    app: Flask,
    client: FlaskClient,
):
    before = saved_state(client, app)
    fields: list = [
        (field, file_part(crowded_files[name], f"{name}.p12")),
        (f"{field}_password", PASSWORD),
    ]
    started = time.perf_counter()
    response = post_multipart(client, url, fields, headers=HTMX)
    elapsed = time.perf_counter() - started
    assert_error_beside(page_of(response), field, "far more parts")
    assert elapsed < 1.0, f"{name} at {url}: {elapsed:.2f} s"
    assert saved_state(client, app) == before, "the refused store changed the saved work"


def test_the_caps_leave_room_for_every_ordinary_file():
    # An opened store may hold 200 entries and 500 certificates; tools write 1-3 ContentInfos.
    assert MAX_PKCS12_BAGS > 700
    assert MAX_PKCS12_CONTENT_INFOS >= 3
