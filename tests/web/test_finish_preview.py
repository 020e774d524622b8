"""The config preview: masked by default, revealed on request, and typing keeps what the
user chose (a live preview must not silently hide or show the passwords)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import ThrowawayPki
from tests.web.conftest import FormatCase
from tests.web.procedure import (
    KEYSTORE_PASSWORD,
    TRUSTSTORE_PASSWORD,
    complete_keystore,
    page_of,
    truststore_settings,
    upload_certificates,
)

HTMX = {"HX-Request": "true"}


def _finish_ready(client: FlaskClient, pki: ThrowawayPki, case: FormatCase) -> None:
    complete_keystore(client, case.upload)
    page = page_of(upload_certificates(client, [(pki.root_pem.read_bytes(), "root.pem")]))
    settled = page_of(truststore_settings(client, page))
    assert not settled.errors()


def _live(client: FlaskClient, **extra: str) -> str:
    form = {
        "dest_url": "https://partner.example/in",
        "http_method": "POST",
        "folder": "/opt/x",
        **extra,
    }
    response = client.post("/finish/settings?live=1", headers=HTMX, data=form)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_live_preview_keeps_passwords_masked_unless_revealed(
    client: FlaskClient, throwaway_pki: ThrowawayPki, keypair_uploads: dict[str, FormatCase]
):
    _finish_ready(client, throwaway_pki, keypair_uploads["p12-openssl-modern-ec256"])

    masked = _live(client)
    assert KEYSTORE_PASSWORD not in masked and TRUSTSTORE_PASSWORD not in masked
    assert "/opt/x/keystore.jks" in masked

    revealed = client.get("/finish/preview?reveal=1", headers=HTMX).get_data(as_text=True)
    assert KEYSTORE_PASSWORD in revealed and TRUSTSTORE_PASSWORD in revealed
    assert 'name="revealed" value="1"' in revealed

    still_revealed = _live(client, revealed="1", folder="/opt/y")
    assert KEYSTORE_PASSWORD in still_revealed and "/opt/y/truststore.jks" in still_revealed
    assert 'name="revealed" value="1"' in still_revealed
