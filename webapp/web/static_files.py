"""gzip for our static files (htmx, CSS, JS): the first page must stay small over the wire.

Ours rather than WhiteNoise: WhiteNoise never compresses while serving (it needs .gz files
written beside copies of static/ in a writable folder at start-up or build time), and it
answers before Flask, so the security headers, request ids and request logs of every other
response would have to be rebuilt outside the app for static files.

Only static files are compressed. Pages are not: they carry the CSRF token next to text the
user typed, and compressing secrets beside attacker-influenced text leaks them (BREACH).
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from flask import Flask, Response, request

COMPRESSIBLE = ("text/css", "text/javascript", "application/javascript", "image/svg+xml")


def init_app(app: Flask) -> None:
    app.after_request(compress_static)


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
