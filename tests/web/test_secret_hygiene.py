"""Issue 4, secret hygiene: the whole procedure, failures included, with every logger at DEBUG
and the JSON request log on, leaves no password and no private key in the logs, in any HTML
page (except the config preview the user asked to reveal) or in a cookie.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from flask import Response, request

from tests.conftest import ThrowawayPki, app_config_for
from tests.support.tls_server import LocalTLSServer
from webapp import create_app
from webapp.web.ops import observability

from .conftest import P12_PASSWORD, FormatCase
from .misbehaving_servers import closed_port
from .page import Page
from .procedure import (
    HTMX,
    KEYSTORE_PASSWORD,
    TRUSTSTORE_PASSWORD,
    Upload,
    download,
    import_key_pair,
    keystore_settings,
    page_of,
    session_token,
    truststore_settings,
    upload_certificates,
)

# Typed by mistake along the way; "!" keeps them from matching base64 by chance.
WRONG_FILE_PASSWORD = "wr0ng-File-Pass!"
SHORT_PASSWORD = "Sh0r!"
MISMATCHED_CONFIRMATION = "ts-Pass-MISMATCH!"
PASSWORDS = [
    P12_PASSWORD,
    WRONG_FILE_PASSWORD,
    KEYSTORE_PASSWORD,
    SHORT_PASSWORD,
    TRUSTSTORE_PASSWORD,
    MISMATCHED_CONFIRMATION,
]
FILE = "p12-openssl-modern-ec256"


def key_material(case: FormatCase) -> list[str]:
    """Every spelling of the private key a careless log line could contain."""
    key = case.issued.key
    spellings = []
    for fmt in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        der = key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())
        spellings.append(base64.b64encode(der).decode())
        spellings.append(der.hex())
        pem = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
        spellings += [line for line in pem.decode().splitlines() if "-----" not in line]
    # The PEM armour, not the words: the import form's help text mentions "PRIVATE KEY".
    return ["PRIVATE KEY-----", *spellings]


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [secret[:12] + "…" for secret in secrets if secret in text]


def test_the_whole_procedure_leaves_no_secret_behind(
    tmp_path: Path,
    throwaway_pki: ThrowawayPki,
    keypair_uploads: dict[str, FormatCase],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    # The request logger is process-wide: put it back as it was after this test.
    for attribute in ("handlers", "propagate", "level"):
        value = getattr(observability.logger, attribute)
        monkeypatch.setattr(
            observability.logger, attribute, list(value) if isinstance(value, list) else value
        )
    for name in ["", *logging.root.manager.loggerDict]:
        caplog.set_level(logging.DEBUG, logger=name or None)
    app = create_app(app_config_for(tmp_path, throwaway_pki, LOG_JSON=True))
    pages: list[tuple[str, str]] = []
    cookies: list[str] = []

    @app.after_request
    def record(response: Response) -> Response:
        cookies.extend(response.headers.getlist("Set-Cookie"))
        if response.mimetype == "text/html":
            pages.append((request.full_path, response.get_data(as_text=True)))
        return response

    case = keypair_uploads[FILE]
    client = app.test_client()
    pki = throwaway_pki

    # Keystore, with the mistakes people make on the way.
    page_of(import_key_pair(client, Upload(case.upload.data, "mine.p12", WRONG_FILE_PASSWORD)))
    assert import_key_pair(client, case.upload, htmx=False).status_code == 303  # no JS
    page_of(client.get("/"))
    page_of(keystore_settings(client, password=SHORT_PASSWORD, alias="mine"))
    page_of(keystore_settings(client, password=KEYSTORE_PASSWORD, alias="mine"))
    client.post(
        "/keystore/settings?live=1",
        headers=HTMX,
        data={"alias": "mine", "keystore_password": KEYSTORE_PASSWORD[:-2]},
    )
    download(client, "/keystore/download")
    download(client, "/keystore/certificate")

    # Truststore: a failed fetch, a good one, an upload, a mismatched confirmation.
    with LocalTLSServer(
        cert_chain=pki.server_chain, key=pki.server_key, client_ca=pki.root_pem
    ) as server:
        page_of(
            client.post(
                "/truststore/fetch", headers=HTMX, data={"server_url": f"127.0.0.1:{closed_port()}"}
            )
        )
        page_of(
            client.post(
                "/truststore/fetch",
                headers=HTMX,
                data={"server_url": f"https://127.0.0.1:{server.port}/in"},
            )
        )
    uploaded = page_of(upload_certificates(client, [(pki.root_pem.read_bytes(), "root.pem")]))
    page_of(truststore_settings(client, uploaded, confirm=MISMATCHED_CONFIRMATION))
    page_of(truststore_settings(client, uploaded))
    download(client, "/truststore/download")

    # Finish: settings, preview (masked, then revealed), every download, then erase.
    page_of(
        client.post(
            "/finish/settings",
            headers=HTMX,
            data={"dest_url": "https://partner.example/in", "folder": "/srv"},
        )
    )
    page_of(client.get("/finish/preview", headers=HTMX))
    revealed = page_of(client.get("/finish/preview?reveal=1", headers=HTMX))
    config = download(client, "/finish/destination.json")
    download(client, "/finish/bundle.zip")
    token = session_token(client, app)
    assert client.post("/start-over").status_code == 303
    app.extensions["mtls_vault"].close()

    # The scan must be able to see what it looks for: the user asked for these two.
    assert KEYSTORE_PASSWORD in revealed.text and TRUSTSTORE_PASSWORD in config.text
    assert token is not None
    secrets = [*PASSWORDS, *key_material(case)]

    log_text = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    )
    out = capsys.readouterr()
    request_log = [json.loads(line) for line in out.out.splitlines() if line.startswith("{")]
    assert len(request_log) >= 20, "the JSON request log did not run"
    # Issue 15: the audit trail (mtls_kit.audit, JSON on stdout) is in the scanned text too.
    audited = {r["action"] for r in request_log if "action" in r}
    assert {
        "keypair.imported",
        "keystore.downloaded",
        "partner.fetched",
        "truststore.downloaded",
        "config.downloaded",
        "bundle.downloaded",
        "session.erased",
    } <= audited
    assert not leaks(
        json.dumps([r for r in request_log if "action" in r]), [*secrets, "PRIVATE KEY", token]
    )
    assert any(r.name == "webapp.views.truststore" for r in caplog.records), "DEBUG capture is off"
    for where, text in [("logs", log_text), ("stdout", out.out), ("stderr", out.err)]:
        found = leaks(text, [*secrets, "PRIVATE KEY", token])
        assert not found, f"secrets in the {where}: {found}"

    assert len(pages) >= 15
    for path, html in pages:
        if path != "/finish/preview?reveal=1":
            assert not leaks(html, secrets), f"{path} shows {leaks(html, secrets)}"
    assert not leaks("\n".join(cookies), secrets)
    # Passwords the user typed never come back in a field's value, even on an error.
    for path, html in pages:
        for element in Page(html).elements:
            if element.attrs.get("type") == "password":
                assert "value" not in element.attrs, f"{path} echoes a password field"
