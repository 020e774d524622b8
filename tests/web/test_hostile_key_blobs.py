"""Issue 19, point 3 over HTTP: JKS key blobs built to make pyasn1's BER decoder work for
seconds. Both pass the store's integrity check (the uploader knows their own password), so
only reading the blob as DER with our bounded reader, before pyjks' decoder, stops them."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient

from tests.support.big_keys import ber_fragment_blob, jks_with_blob, parameter_bomb_blob
from webapp.pki.java.opened import MAX_STORE_SIZE

from .page import assert_error_beside
from .procedure import page_of
from .renewal_support import open_keystore

PASSWORD = "bomb-Store-pw-11"
# The sizes of the review: 4.7 s and 3.8 s in pyasn1 (2.3-4.7 s on the dev box today).
BOMBS = {
    "ber-fragments": lambda: ber_fragment_blob(340_000),
    "parameter-bomb": lambda: parameter_bomb_blob(500_000),
}


@pytest.mark.parametrize("key_password", [None, "another-key-pw"])
@pytest.mark.parametrize("bomb", BOMBS)
def test_a_hostile_key_blob_is_refused_in_under_a_second(
    client: FlaskClient, bomb: str, key_password: str | None
):
    data = jks_with_blob(BOMBS[bomb](), PASSWORD)
    assert len(data) <= MAX_STORE_SIZE  # reaches the reader, not the size limit
    started = time.perf_counter()
    response = open_keystore(client, data, PASSWORD, key_password=key_password)
    elapsed = time.perf_counter() - started
    assert_error_beside(page_of(response), "existing_keystore", "This store is damaged")
    assert elapsed < 1.0, f"{bomb} took {elapsed:.2f} s"
