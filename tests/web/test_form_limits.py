"""Issue 10, hole 11: valid uploads up to 1 MiB are accepted; "too many parts" is not "too large".

Werkzeug's MAX_FORM_MEMORY_SIZE (64 KiB) also bounded its multipart buffer, so most valid
files between 64 KiB and 1 MiB were refused as too large (480 KB DER certificates: 9 of 10);
250 small files were "This file is too large".
"""

from __future__ import annotations

from flask import Flask

from tests.conftest import ThrowawayPki
from webapp.config import MAX_FORM_PARTS

from .page import assert_error_beside
from .procedure import page_of, saved_state, upload_certificates
from .test_abuse_limits import big_certificate


def test_large_valid_certificates_under_the_cap_are_accepted(
    app: Flask, throwaway_pki: ThrowawayPki
):
    for index, size in enumerate([70_000, 200_000, 480_000, 480_000, 700_000, 1_000_000]):
        client = app.test_client()  # one session each: the vault cap is not the point here
        der = big_certificate(throwaway_pki, index, size, der=True)
        response = upload_certificates(client, [(der, f"big-{index}.der")])
        if len(der) + 1024 < 1024 * 1024:
            page = page_of(response)
            assert not page.errors(), (len(der), page.errors())
            assert len(saved_state(client, app)["truststore"]["certs"]) == 1
        else:  # over the request cap: the size message, beside the field
            assert_error_beside(page_of(response), "cert_files", "This file is too large")


def test_too_many_parts_is_not_called_too_large(app: Flask, throwaway_pki: ThrowawayPki):
    client = app.test_client()
    pem = throwaway_pki.root_pem.read_bytes()
    page = page_of(upload_certificates(client, [(pem, f"c{i}.pem") for i in range(250)]))
    assert_error_beside(page, "cert_files", "more files or fields at once")
    assert str(MAX_FORM_PARTS) in page.errors()["cert_files"]
    assert "too large" not in page.errors()["cert_files"]
