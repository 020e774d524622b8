"""Static files go out gzipped to browsers that accept it; pages never do (BREACH)."""

import gzip

import pytest

from webapp import create_app
from webapp.web.security import CONTENT_SECURITY_POLICY


@pytest.fixture
def plain_client(tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "s" * 32, "VAULT_URL": f"sqlite:///{tmp_path}/v.db"}
    )
    return app.test_client()


@pytest.mark.parametrize("path", ["/static/htmx-4.0.1.min.js", "/static/app.css", "/static/app.js"])
def test_static_files_are_gzipped_and_identical_once_inflated(plain_client, path):
    with plain_client.get(path) as response:  # closes the file send_file opened
        plain = response.data
    packed = plain_client.get(path, headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain
    assert len(packed.data) < len(plain) / 2


def test_pages_are_never_compressed(plain_client):
    page = plain_client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert "Content-Encoding" not in page.headers
    assert b"csrf_token" in page.data


def test_clients_without_gzip_get_the_plain_file(plain_client):
    with plain_client.get("/static/app.css") as response:
        assert "Content-Encoding" not in response.headers
        assert response.data.startswith(b"/*")


def test_clients_refusing_gzip_get_the_plain_file(plain_client):
    refusing = {"Accept-Encoding": "gzip;q=0, br"}
    with plain_client.get("/static/app.css", headers=refusing) as response:
        assert "Content-Encoding" not in response.headers
        assert response.data.startswith(b"/*")


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_static_files_keep_the_security_headers(plain_client, encoding):
    with plain_client.get("/static/app.js", headers={"Accept-Encoding": encoding}) as response:
        assert response.status_code == 200
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Request-Id"]
        # Only pages and downloads are kept out of caches.
        assert response.headers.get("Cache-Control") != "no-store"
