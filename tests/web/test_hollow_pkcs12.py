"""Issue 10, hole 3: hand-made PKCS#12 files with missing children are refused in words.

Each file has an empty SEQUENCE or SET where RFC 7292 requires a child; indexing `[0]` into
it was an IndexError and a 500. Now it is a sentence beside the key pair file (or password)
field, and the key pair imported earlier is still there.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki
from tests.fuzz.crafted import hollow_pkcs12_files

from .conftest import FormatCase
from .procedure import HTMX, Upload, complete_keystore, import_key_pair, page_of, saved_state

PASSWORD = "hollow-Pass-1"


@pytest.fixture(scope="module")
def hollow_files(throwaway_pki: ThrowawayPki) -> dict[str, bytes]:
    owner = throwaway_pki.client("ec256")
    return hollow_pkcs12_files(owner.key, owner.cert, PASSWORD.encode())


@pytest.mark.parametrize(
    "name",
    [
        "empty-auth-safe",
        "auth-safe-without-content",
        "empty-key-bag",
        "shrouded-bag-empty-sequence",
        "mac-empty-digest-info",
        "friendly-name-empty-set",
        "encrypted-data-without-content",
        "encrypted-data-empty-sequence",
        "empty-safe-contents-bag",
    ],
)
def test_hollow_pkcs12_is_refused_beside_the_field(
    name: str,
    hollow_files: dict[str, bytes],
    app: Flask,
    client: FlaskClient,
    keypair_uploads: dict[str, FormatCase],
):
    complete_keystore(client, keypair_uploads["p12-openssl-modern-ec256"].upload)
    before = saved_state(client, app)["keystore"]
    response = import_key_pair(client, Upload(hollow_files[name], f"{name}.p12", PASSWORD))
    assert response.status_code == 200
    errors = page_of(response).errors()
    text = response.get_data(as_text=True)
    assert errors or "file" in text, "neither an error nor a result"
    if saved_state(client, app)["keystore"] != before:
        # A few are still valid key pair files once the hollow part is skipped: then the
        # import must have worked completely.
        assert saved_state(client, app)["keystore"]["candidates"]
    assert client.get("/").status_code == 200
    assert client.get("/", headers=HTMX).status_code == 200
