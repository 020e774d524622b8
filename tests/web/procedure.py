"""The procedure a user follows, step by step, as HTTP requests through Flask's test client.

Each helper posts what the browser would post (htmx adds `HX-Request: true`) and returns the
response; `*_ok` variants also assert the step succeeded, naming what failed if it did not.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.http import parse_options_header
from werkzeug.test import TestResponse, encode_multipart

from .page import Page, assert_no_internals

__all__ = [
    "HTMX",
    "KEYSTORE_PASSWORD",
    "TRUSTSTORE_PASSWORD",
    "Upload",
    "attachment_name",
    "complete_keystore",
    "download",
    "file_part",
    "import_key_pair",
    "keystore_settings",
    "page_of",
    "post_multipart",
    "saved_state",
    "session_token",
    "truststore_settings",
    "upload_certificates",
]

HTMX = {"HX-Request": "true"}
# Throw-away passwords for throw-away keys; distinctive, so a leak scan cannot miss them.
KEYSTORE_PASSWORD = "ks-Pass-7f3a91"
TRUSTSTORE_PASSWORD = "ts-Pass-c02e58"


@dataclass(frozen=True)
class Upload:
    """A key pair file as a user brings it: the file, its password, maybe a separate key."""

    data: bytes
    filename: str
    password: str = ""  # what the user types; "" = nothing
    extra: bytes | None = None  # the separate private key file, for PEM certificate + key
    extra_filename: str = "private.key"


def _headers(htmx: bool) -> dict[str, str]:
    return HTMX if htmx else {}


def page_of(response: TestResponse) -> Page:
    assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:500]}"
    assert response.mimetype == "text/html"
    assert_no_internals(response.text)
    return Page(response.text)


def post_multipart(
    client: FlaskClient,
    url: str,
    fields: list[tuple[str, str | FileStorage]],
    *,
    headers: dict[str, str] | None = None,
    base_url: str = "http://localhost",
) -> TestResponse:
    """POST multipart/form-data encoded in memory, as a browser sends it.

    The test client would spool a body over 500 KB to a temporary file it never closes (a
    ResourceWarning, an error under filterwarnings=error); encoding here avoids that.
    """
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(
        url,
        input_stream=io.BytesIO(body),
        headers=headers or {},
        base_url=base_url,
        content_type=f'multipart/form-data; boundary="{boundary}"',
        content_length=len(body),
    )


def file_part(data: bytes, filename: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=filename, content_type="application/octet-stream")


def import_key_pair(
    client: FlaskClient, upload: Upload, *, htmx: bool = True, base_url: str = "http://localhost"
) -> TestResponse:
    fields: list[tuple[str, str | FileStorage]] = [
        ("key_file", file_part(upload.data, upload.filename)),
        ("key_password", upload.password),
    ]
    if upload.extra is not None:
        fields.append(("key_file_extra", file_part(upload.extra, upload.extra_filename)))
    return post_multipart(
        client, "/keystore/import", fields, headers=_headers(htmx), base_url=base_url
    )


def keystore_settings(
    client: FlaskClient,
    *,
    alias: str = "",
    password: str = KEYSTORE_PASSWORD,
    confirm: str | None = None,
    filename: str = "",
    htmx: bool = True,
) -> TestResponse:
    return client.post(
        "/keystore/settings",
        headers=_headers(htmx),
        data={
            "alias": alias,
            "keystore_password": password,
            "confirm_keystore_password": password if confirm is None else confirm,
            "keystore_filename": filename,
        },
    )


def complete_keystore(
    client: FlaskClient,
    upload: Upload,
    *,
    alias: str | None = None,
    password: str = KEYSTORE_PASSWORD,
    filename: str = "",
) -> Page:
    """Import `upload` and save the settings (alias: the suggested one unless given)."""
    imported = page_of(import_key_pair(client, upload))
    assert not imported.errors(), f"import of {upload.filename} failed: {imported.errors()}"
    suggested = imported.field("alias")
    assert suggested is not None, "after the import the page asks for no alias"
    page = page_of(
        keystore_settings(
            client,
            alias=suggested.attrs["value"] if alias is None else alias,
            password=password,
            filename=filename,
        )
    )
    assert not page.errors(), f"keystore settings refused: {page.errors()}"
    # By address, not by its words: the procedure runs in other languages too (issue 23).
    hrefs = page.links().values()
    assert any(h.startswith("/keystore/download") for h in hrefs), "no keystore download link"
    return page


def upload_certificates(
    client: FlaskClient, files: list[tuple[bytes, str]], *, htmx: bool = True
) -> TestResponse:
    return post_multipart(
        client,
        "/truststore/upload",
        [("cert_files", file_part(data, name)) for data, name in files],
        headers=_headers(htmx),
    )


def truststore_settings(
    client: FlaskClient,
    page: Page,
    *,
    exclude: set[str] = frozenset(),
    aliases: dict[str, str] | None = None,
    password: str = TRUSTSTORE_PASSWORD,
    confirm: str | None = None,
    filename: str = "",
    htmx: bool = True,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """Post the truststore form as shown on `page`: every entry checked except `exclude`
    (fingerprint keys), aliases as shown unless overridden in `aliases` (key -> alias)."""
    form: dict[str, str] = {
        "truststore_password": password,
        "confirm_truststore_password": password if confirm is None else confirm,
        "truststore_filename": filename,
    }
    for box in page.fields("include-"):
        key = box.attrs["name"][len("include-") :]
        if key not in exclude:
            form[f"include-{key}"] = "on"
        alias = page.field(f"alias-{key}")
        assert alias is not None, f"no alias field for {key}"
        form[f"alias-{key}"] = (aliases or {}).get(key, alias.attrs.get("value", ""))
    return client.post("/truststore/settings", headers=headers or _headers(htmx), data=form)


def download(client: FlaskClient, url: str) -> TestResponse:
    response = client.get(url)
    assert response.status_code == 200, (
        f"GET {url}: HTTP {response.status_code} {response.text[:300]}"
    )
    assert attachment_name(response), f"GET {url} is not an attachment"
    return response


def attachment_name(response: TestResponse) -> str | None:
    kind, options = parse_options_header(response.headers.get("Content-Disposition", ""))
    return options.get("filename") if kind == "attachment" else None


def session_token(client: FlaskClient, app: Flask) -> str | None:
    cookie = client.get_cookie(app.config["VAULT_COOKIE_NAME"])
    return cookie.value if cookie else None


def saved_state(client: FlaskClient, app: Flask) -> dict | None:
    """What the vault holds for this client's session (None: no session, or erased)."""
    return app.extensions["mtls_vault"].load(session_token(client, app))
