"""Layer (b): generated uploads and form values through the real app (Flask test client).

One browser session imports a key pair first; every fuzzed request then must answer without
a 5xx or a traceback within two seconds, and the imported key pair must still be there.
No network: name lookups fail and connections are refused before any packet leaves.
"""

from __future__ import annotations

import io
import ipaddress
import socket
from collections.abc import Iterator
from unittest import mock

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import app_config_for
from tests.fuzz.record import TALLY, timed_case
from tests.fuzz.seeds import PASSWORD, build_seed_files
from tests.fuzz.strategies import field_values, structurally_mutated, upload_bytes
from webapp import create_app
from webapp.pki.partner import collect as collect_module
from webapp.pki.partner import fetch as fetch_module

SEEDS = build_seed_files()
ALL = SEEDS.all()
FUZZ = settings.get_profile("fuzz")
ORIGINAL = "Fuzz Original"


def _no_network(*args, **kwargs):
    raise socket.gaierror(socket.EAI_NONAME, "no network in the fuzz suite")


def _refused(*args, **kwargs):
    raise ConnectionRefusedError("no network in the fuzz suite")


@pytest.fixture(scope="module")
def web(tmp_path_factory, throwaway_pki) -> Iterator[FlaskClient]:
    """A session that has imported the original key pair, with the network cut off."""
    patch = pytest.MonkeyPatch()
    patch.setattr(socket, "getaddrinfo", _no_network)
    patch.setattr(socket.socket, "connect", _refused)
    real_fetch = fetch_module.fetch_chain
    patch.setattr(
        collect_module,
        "fetch_chain",
        lambda target, **kw: real_fetch(target, resolver=_no_network, connector=_refused, **kw),
    )
    config = app_config_for(
        tmp_path_factory.mktemp("fuzz-web"),
        throwaway_pki,
        FETCH_ALLOWED_NETWORKS="[]",
        FETCH_RATE_LIMIT=100_000,
        FETCH_RATE_LIMIT_PER_ADDRESS=100_000,
    )
    app = create_app(config)
    client = app.test_client()
    response = client.post(
        "/keystore/import",
        data={
            "key_file": (io.BytesIO(SEEDS.keypair_files["p12-aes"]), "original.p12"),
            "key_password": PASSWORD,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 303)
    assert ORIGINAL in client.get("/").get_data(as_text=True)
    yield client
    assert ORIGINAL in client.get("/").get_data(as_text=True), "the imported key pair is gone"
    app.extensions["mtls_vault"].close()
    patch.undo()


def multipart(fields: list[tuple[str, bytes, str | None]]) -> tuple[bytes, str]:
    """A multipart body by hand: duplicate names and non-UTF-8 values included."""
    boundary = "fuzzboundary7MA4YWxkTrZu0gW"
    parts = []
    for name, value, filename in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        parts.append(
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
        )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def send(
    web: FlaskClient, path: str, fields: list[tuple[str, bytes, str | None]], *, htmx: bool
) -> None:
    body, content_type = multipart(fields)
    with timed_case(f"POST {path}"):
        response = web.post(
            path,
            data=body,
            content_type=content_type,
            headers={"HX-Request": "true"} if htmx else {},
        )
    text = response.get_data(as_text=True)
    if response.status_code >= 500:
        TALLY.server_errors += 1
    assert response.status_code < 500, f"{path} answered {response.status_code}"
    assert "Traceback" not in text and "pyo3" not in text
    assert_session_renders(web)


def assert_session_renders(web: FlaskClient) -> None:
    """After every case the earlier import still renders (issue 10: nothing poisons it)."""
    page = web.get("/", headers={"HX-Request": "true"})
    assert page.status_code == 200, f"the page answered {page.status_code} after this case"
    assert ORIGINAL in page.get_data(as_text=True), "the imported key pair is gone"


def text_bytes() -> st.SearchStrategy[bytes]:
    """A form value as bytes: UTF-8 text, or bytes that are not UTF-8 at all."""
    return st.one_of(
        field_values.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=64)
    )


file_names = st.one_of(
    st.just("upload.p12"),
    st.text(min_size=1, max_size=30).filter(
        lambda n: '"' not in n and "\r" not in n and "\n" not in n
    ),
)


@settings(FUZZ, max_examples=500)
@given(
    data=upload_bytes(ALL),
    extra=st.one_of(st.none(), upload_bytes(ALL)),
    password=text_bytes(),
    name=file_names,
    htmx=st.booleans(),
    twice=st.booleans(),
)
def test_keystore_import(web, data, extra, password, name, htmx, twice):
    fields = [("key_file", data, name), ("key_password", password, None)]
    if extra is not None:
        fields.append(("key_file_extra", extra, "extra.pem"))
    if twice:  # duplicate fields: the second file and password must not confuse anything
        fields += [("key_file", data[::-1], name), ("key_password", b"other", None)]
    send(web, "/keystore/import", fields, htmx=htmx)


@settings(FUZZ, max_examples=250)
@given(
    alias=text_bytes(),
    password=text_bytes(),
    confirm=text_bytes(),
    filename=text_bytes(),
    live=st.booleans(),
)
def test_keystore_settings(web, alias, password, confirm, filename, live):
    send(
        web,
        "/keystore/settings" + ("?live=1" if live else ""),
        [
            ("alias", alias, None),
            ("keystore_password", password, None),
            ("confirm_keystore_password", confirm, None),
            ("keystore_filename", filename, None),
        ],
        htmx=True,
    )


@settings(FUZZ, max_examples=400)
@given(
    files=st.lists(st.tuples(upload_bytes(ALL), file_names), min_size=0, max_size=3),
    htmx=st.booleans(),
)
def test_truststore_upload(web, files, htmx):
    send(web, "/truststore/upload", [("cert_files", data, name) for data, name in files], htmx=htmx)


@settings(FUZZ, max_examples=250)
@given(
    extra=st.lists(
        st.tuples(
            st.sampled_from(["include-", "alias-", "x-", ""]), st.text(max_size=70), text_bytes()
        ),
        max_size=6,
    ),
    password=text_bytes(),
    confirm=text_bytes(),
    filename=text_bytes(),
    live=st.booleans(),
)
def test_truststore_settings(web, extra, password, confirm, filename, live):
    fields = [(prefix + key.replace('"', ""), value, None) for prefix, key, value in extra]
    fields += [
        ("truststore_password", password, None),
        ("confirm_truststore_password", confirm, None),
        ("truststore_filename", filename, None),
    ]
    send(web, "/truststore/settings" + ("?live=1" if live else ""), fields, htmx=True)


@settings(FUZZ, max_examples=200)
@given(
    url=text_bytes(),
    method=st.one_of(text_bytes(), st.sampled_from([b"POST", b"PUT", b"get"])),
    folder=text_bytes(),
    live=st.booleans(),
)
def test_finish_settings(web, url, method, folder, live):
    send(
        web,
        "/finish/settings" + ("?live=1" if live else ""),
        [("dest_url", url, None), ("http_method", method, None), ("folder", folder, None)],
        htmx=True,
    )


hosts = st.one_of(
    st.sampled_from(
        [
            "127.0.0.1",
            "127.1",
            "2130706433",
            "0177.0.0.1",
            "[::1]",
            "1.1.1.1",
            "example.com",
            "example.com@127.0.0.1",
            "[fe80::1]",
            "localhost",
            "169.254.169.254",
            "xn--nxasmq6b.example",
        ]
    ),
    st.text(max_size=60),
)


@settings(FUZZ, max_examples=150)
@given(
    host=hosts,
    port=st.one_of(st.just(""), st.integers(-5, 70000).map(lambda p: f":{p}")),
    scheme=st.sampled_from(["", "https://", "http://", "ftp://", "HTTPS://"]),
    path=st.text(max_size=20),
)
def test_truststore_fetch(web, host, port, scheme, path):
    url = f"{scheme}{host}{port}/{path}"
    send(
        web,
        "/truststore/fetch",
        [("server_url", url.encode("utf-8", "surrogatepass"), None)],
        htmx=True,
    )


CERTIFICATE_DERS = [SEEDS.certificate_files["der-leaf"], SEEDS.certificate_files["p7b-der"]]


@settings(FUZZ, max_examples=150)
@given(
    sent=st.lists(
        st.one_of(
            structurally_mutated(CERTIFICATE_DERS),
            st.sampled_from([c.public_bytes(Encoding.DER) for c in SEEDS.owner.full_chain]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_truststore_fetch_of_hostile_certificates(web, sent):
    """What a hostile server sends goes through the real fetch code from the handshake on."""
    address = ipaddress.ip_address("192.0.2.7")
    with (
        mock.patch.object(collect_module, "fetch_chain", fetch_module.fetch_chain),
        mock.patch.object(fetch_module, "open_connection", lambda *a, **k: (None, address)),
        mock.patch.object(fetch_module, "_handshake", lambda *a, **k: (sent, "TLSv1.3")),
    ):
        send(web, "/truststore/fetch", [("server_url", b"partner.example:443", None)], htmx=True)


def test_the_session_still_holds_the_imported_key_pair(web):
    page = web.get("/").get_data(as_text=True)
    assert ORIGINAL in page
