"""Issue 15, audit trail: the whole procedure behind an SSO proxy writes one JSON line per
action on the `mtls_kit.audit` logger, in order, naming the user, with fingerprints and no
secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import ThrowawayPki, app_config_for
from tests.support.tls_server import LocalTLSServer
from webapp import create_app
from webapp.pki.certs.describe import fingerprint_sha256
from webapp.web.ops import audit as audit_module

from .conftest import FormatCase
from .procedure import (
    HTMX,
    KEYSTORE_PASSWORD,
    TRUSTSTORE_PASSWORD,
    complete_keystore,
    download,
    page_of,
    truststore_settings,
)
from .test_secret_hygiene import FILE, PASSWORDS, key_material, leaks

USER = "alice.martin@corp.example"
CLIENT = "10.20.30.40"


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def audit_lines() -> Iterator[list[str]]:
    handler = Captured()
    audit_module.logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        audit_module.logger.removeHandler(handler)


def sso_app(tmp_path: Path, pki: ThrowawayPki, **overrides: object) -> Flask:
    return create_app(
        app_config_for(tmp_path, pki, PROXY_FIX=1, USER_HEADER="X-Forwarded-User", **overrides)
    )


# The audit trail stays English whatever language the page speaks (issue 23): the same
# procedure in German writes the same lines.
@pytest.mark.parametrize("language", ["en", "de-DE"])
def test_the_procedure_is_audited_in_order_with_user_and_fingerprints(
    tmp_path, throwaway_pki, keypair_uploads: dict[str, FormatCase], audit_lines, language: str
):
    pki = throwaway_pki
    case = keypair_uploads[FILE]
    app = sso_app(tmp_path, pki)
    client = app.test_client()
    # What the SSO proxy adds to every request it forwards.
    client.environ_base.update(HTTP_X_FORWARDED_USER=USER, HTTP_X_FORWARDED_FOR=CLIENT)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language

    complete_keystore(client, case.upload, alias="mine")
    download(client, "/keystore/download")
    with LocalTLSServer(cert_chain=pki.server_chain, key=pki.server_key) as server:
        fetched = page_of(
            client.post(
                "/truststore/fetch",
                headers=HTMX,
                data={"server_url": f"https://127.0.0.1:{server.port}/in"},
            )
        )
    page_of(truststore_settings(client, fetched))
    download(client, "/truststore/download")
    page_of(
        client.post(
            "/finish/settings",
            headers=HTMX,
            data={"dest_url": "https://partner.example/in", "folder": "/srv"},
        )
    )
    config = download(client, "/finish/destination.json")
    download(client, "/finish/bundle.zip")
    erased = client.post("/finish/bundle.zip")  # erasing is a POST (issue 10, hole 7)
    assert erased.status_code == 200 and erased.mimetype == "application/zip"
    app.extensions["mtls_vault"].close()

    records = [json.loads(line) for line in audit_lines]
    assert [r["action"] for r in records] == [
        "keypair.imported",
        "keystore.downloaded",
        "partner.fetched",
        "truststore.downloaded",
        "config.downloaded",
        "bundle.downloaded",
        "bundle.downloaded",
        "session.erased",
    ]
    leaf = fingerprint_sha256(case.issued.cert)
    partner_leaf = fingerprint_sha256(pki.server.cert)
    for record in records:
        assert record["user"] == USER and record["client"] == CLIENT
        assert len(record["request_id"]) >= 8 and record["time"].endswith("+00:00")
    imported, keystore, fetch, truststore, cfg, first, again, erased = records
    assert imported["file"] == case.upload.filename
    assert imported["certificates"][0]["sha256"] == leaf
    assert imported["certificates"][0]["subject"] == case.issued.cert.subject.rfc4514_string()
    assert keystore["file"] == "keystore.jks" and keystore["alias"] == "mine"
    assert keystore["certificates"][0]["sha256"] == leaf
    assert fetch["outcome"] == "ok" and fetch["partner_host"] == "127.0.0.1"
    assert fetch["certificates"][0]["sha256"] == partner_leaf
    assert truststore["file"] == "truststore.jks" and truststore["partner_host"] == "127.0.0.1"
    assert partner_leaf in {t["sha256"] for t in truststore["trusted"]}
    assert cfg["file"] == "destination.json"
    assert (first["first"], again["first"]) == (True, False)  # a procedure completes once
    assert first["file"] == "mtls-files.zip" and first["certificates"][0]["sha256"] == leaf
    assert erased["reason"] == "after-download"
    # The scan can see what it looks for: the config download holds both passwords.
    assert KEYSTORE_PASSWORD in config.text and TRUSTSTORE_PASSWORD in config.text
    found = leaks("\n".join(audit_lines), [*PASSWORDS, *key_material(case), "PRIVATE KEY"])
    assert not found, f"secrets in the audit trail: {found}"


def test_failed_fetches_and_start_over_are_audited(tmp_path, throwaway_pki, audit_lines):
    app = sso_app(tmp_path, throwaway_pki)
    client = app.test_client()
    client.environ_base.update(HTTP_X_FORWARDED_USER=USER)
    page_of(client.post("/truststore/fetch", headers=HTMX, data={"server_url": "ftp://x"}))
    assert client.post("/start-over").status_code == 303
    app.extensions["mtls_vault"].close()
    records = [json.loads(line) for line in audit_lines]
    assert [(r["action"], r.get("outcome"), r.get("reason")) for r in records] == [
        ("partner.fetched", "unsupported-scheme", None),
        ("session.erased", None, "start-over"),
    ]


def test_the_user_header_is_ignored_without_a_trusted_proxy(tmp_path, throwaway_pki, audit_lines):
    app = create_app(app_config_for(tmp_path, throwaway_pki, USER_HEADER="X-Forwarded-User"))
    client = app.test_client()
    client.post("/start-over", headers={"X-Forwarded-User": "mallory"})
    app.extensions["mtls_vault"].close()
    (record,) = [json.loads(line) for line in audit_lines]
    assert record["user"] is None and record["client"] == "127.0.0.1"


def test_fields_that_may_hold_secrets_are_dropped(audit_lines, caplog):
    audit_module.audit(
        "session.erased",
        keystore_password="x1",
        session_token="x2",
        private_key=b"x3",
        key_pem="x4",
        note=b"x5",
        partner_host="ok.example",
    )
    (line,) = audit_lines
    assert json.loads(line) == {
        "log": "audit",
        "time": json.loads(line)["time"],
        "action": "session.erased",
        "partner_host": "ok.example",
    }
    assert len([r for r in caplog.records if "dropped" in r.getMessage()]) == 5
