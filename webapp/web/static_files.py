"""gzip and caching for our static files (htmx, CSS, JS): the first page must stay small
over the wire, and the next ones should not ask for them again.

Ours rather than WhiteNoise: WhiteNoise never compresses while serving (it needs .gz files
written beside copies of static/ in a writable folder at start-up or build time), and it
answers before Flask, so the security headers, request ids and request logs of every other
response would have to be rebuilt outside the app for static files.

Only static files are compressed. Pages are not: they carry the CSRF token next to text the
user typed, and compressing secrets beside attacker-influenced text leaks them (BREACH).

Caching (issue 18): a file whose URL names its content is cached for a year and never
revalidated. htmx carries its version in its file name; our own files (app.css, app.js, ...)
are linked with `asset_url`, which adds `?v=<hash of the content>`. A hash rather than
"short max-age + ETag": with an ETag every page view still costs a round trip per file (the
revalidation the issue measured), and a max-age alone would let a browser run last
release's app.js against this release's page for that long. With the hash a new release is
a new URL at once. A request without the hash (or with an old one) gets `no-cache` and the
ETag, so it is always checked.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from functools import lru_cache

from flask import Flask, Response, current_app, request, url_for

COMPRESSIBLE = ("text/css", "text/javascript", "application/javascript", "image/svg+xml")


# A year: what "forever" means to caches (RFC 9111 §5.2.2.1 suggests no more).
IMMUTABLE = "public, max-age=31536000, immutable"
# htmx-4.0.1.min.js: the version in the name changes with the content.
_VERSIONED_NAME = re.compile(r"-\d+(\.\d+)+(\.min)?\.[a-z]+$")


def init_app(app: Flask) -> None:
    app.add_template_global(asset_url)
    # after_request handlers run last-registered first: compress, then set the caching.
    app.after_request(cache_static)
    app.after_request(compress_static)


def asset_url(filename: str) -> str:
    """The URL of a static file, naming its content unless its file name already does."""
    if _VERSIONED_NAME.search(filename):
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=_content_hash(filename))


def _content_hash(filename: str) -> str:
    folder = current_app.static_folder or ""
    path = os.path.join(folder, filename)
    stat = os.stat(path)
    return _hash_of(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _hash_of(path: str, mtime_ns: int, size: int) -> str:
    # Keyed by modification time and size: a file changed in place gets a new hash.
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


def cache_static(response: Response) -> Response:
    """A year for a URL that names the content; `no-cache` (check the ETag) otherwise."""
    if not request.path.startswith("/static/") or response.status_code not in (200, 304):
        return response
    filename = request.path.removeprefix("/static/")
    named = _VERSIONED_NAME.search(filename) is not None
    if not named and "v" in request.args:
        try:
            named = request.args["v"] == _content_hash(filename)
        except OSError:
            named = False
    response.headers["Cache-Control"] = IMMUTABLE if named else "no-cache"
    return response


@lru_cache(maxsize=32)
def _gzipped(path: str, etag: str | None, body: bytes) -> bytes:
    # Keyed by path and ETag (which changes with the file), so each file is compressed once.
    return gzip.compress(body, compresslevel=9, mtime=0)


def compress_static(response: Response) -> Response:
    if (
        not request.path.startswith("/static/")
        or response.status_code != 200
        or request.accept_encodings.quality("gzip") <= 0  # absent, or refused with q=0
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
    ):
        return response
    # send_file hands over an open file wrapper: read it once and close it ourselves.
    source = response.response
    data = b"".join(source)  # type: ignore[arg-type]  # send_file's iterable yields bytes
    if hasattr(source, "close"):
        source.close()
    response.direct_passthrough = False
    body = _gzipped(request.path, response.get_etag()[0], data)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
