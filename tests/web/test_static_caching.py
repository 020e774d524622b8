"""Issue 18: static files whose URL names their content are cached for a year; the page
links ours with a content hash; anything else is revalidated (no-cache + ETag)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

STATIC = Path(__file__).parents[2] / "static"
YEAR = "public, max-age=31536000, immutable"


def _asset_links(client: FlaskClient) -> dict[str, str]:
    page = client.get("/").text
    return {
        Path(url.split("?")[0]).name: url
        for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    }


def test_the_page_links_our_files_by_content_and_htmx_by_version(client: FlaskClient) -> None:
    links = _asset_links(client)
    assert links["htmx-4.0.1.min.js"] == "/static/htmx-4.0.1.min.js"
    for name in ("app.css", "app.js", "format_choice.js"):
        digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]
        assert links[name] == f"/static/{name}?v={digest}"


def test_linked_files_are_cached_for_a_year(client: FlaskClient) -> None:
    for url in _asset_links(client).values():
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == YEAR, url
            assert response.headers["Content-Encoding"] == "gzip"  # still compressed


@pytest.mark.parametrize("url", ["/static/app.js", "/static/app.js?v=0123456789abcdef"])
def test_a_url_that_does_not_name_the_content_is_revalidated(client: FlaskClient, url: str) -> None:
    with client.get(url) as response:
        assert response.headers["Cache-Control"] == "no-cache"
        etag = response.headers["ETag"]
    with client.get(url, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


def test_pages_stay_out_of_caches(client: FlaskClient, app: Flask) -> None:
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/static/missing.js?v=1").status_code == 404
