"""A small HTTP user agent for driving the app like a browser does (stdlib only).

It keeps cookies (one jar for every loopback port, as a browser does: cookies do not isolate
by port, RFC 6265 §8.5), keeps one keep-alive connection per server, fills in the forms it
finds on the page and, like htmx, asks for fragments with ``HX-Request: true`` (the changed
step sections), saying what the page shows in ``X-Shown-Views`` as app.js does (issue 18).
Used by the benchmarks' virtual users and by tests/deploy.
"""

from __future__ import annotations

import http.client
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

__all__ = ["Browser", "Form", "HTTPResponse", "UploadFile", "find_form"]

# The sections' view digests (templates: data-view), as app.js collects them.
_SHOWN = re.compile(rb'<(?:section|nav) id="([^"]+)"[^>]* data-view="([0-9a-f]+)"')
# Generous: a benchmark at 50 users queues requests for seconds; a hang still ends.
DEFAULT_TIMEOUT = 60.0
# Errors that mean a kept-alive connection was closed by the server while idle; the request
# never reached the app, so sending it again on a fresh connection is safe.
_STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@dataclass(frozen=True)
class UploadFile:
    """One file of a multipart form: field name, file name, content."""

    field: str
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class HTTPResponse:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Form:
    """A form as found on a page: where it posts, and the values a browser would send."""

    form_id: str
    action: str
    method: str = "post"
    multipart: bool = False
    fields: list[tuple[str, str]] = field(default_factory=list)

    def values(self) -> dict[str, str]:
        return dict(self.fields)

    def filled(self, changes: Mapping[str, str]) -> list[tuple[str, str]]:
        """The form's fields with ``changes`` typed in (new names are added at the end)."""
        result = [(name, changes.get(name, value)) for name, value in self.fields]
        present = {name for name, _ in self.fields}
        result += [(name, value) for name, value in changes.items() if name not in present]
        return result


class Browser:
    """One user's browser: a cookie jar and keep-alive connections, not thread-safe."""

    def __init__(self, *, htmx: bool = True, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.htmx = htmx
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.shown: dict[str, str] = {}  # element id -> view digest of what the page shows
        self._connections: dict[tuple[str, int], http.client.HTTPConnection] = {}

    # --- requests -------------------------------------------------------------------------
    def get(
        self, url: str, *, headers: Mapping[str, str] | None = None, fragment: bool | None = None
    ) -> HTTPResponse:
        """GET; ``fragment`` (default: the browser's htmx setting) sends HX-Request."""
        return self._request("GET", url, b"", headers or {}, fragment)

    def post(
        self,
        url: str,
        fields: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        *,
        files: Sequence[UploadFile] = (),
        headers: Mapping[str, str] | None = None,
        fragment: bool | None = None,
    ) -> HTTPResponse:
        """POST form fields (urlencoded, or multipart when there are files)."""
        pairs = list(fields.items()) if isinstance(fields, Mapping) else list(fields)
        extra = dict(headers or {})
        if files:
            body, content_type = _multipart(pairs, files)
        else:
            body, content_type = (
                urlencode(pairs).encode("ascii"),
                "application/x-www-form-urlencoded",
            )
        extra["Content-Type"] = content_type
        return self._request("POST", url, body, extra, fragment)

    def submit(
        self,
        page: HTTPResponse,
        form_id: str,
        changes: Mapping[str, str] | None = None,
        *,
        files: Sequence[UploadFile] = (),
        base: str | None = None,
        fragment: bool | None = None,
    ) -> HTTPResponse:
        """Fill in the form ``form_id`` of ``page`` and send it, as a user clicking submit.

        ``base`` ("http://host:port") sends it to another server than the page came from,
        as a load balancer may.
        """
        form = find_form(page.text, form_id)
        if form is None:
            raise LookupError(f"no form #{form_id} on the page from {page.url}")
        fields = form.filled(changes or {})
        target = urljoin(base or page.url, form.action)
        if form.multipart:
            file_fields = {f.field for f in files}
            fields = [(name, value) for name, value in fields if name not in file_fields]
        return self.post(target, fields, files=files, fragment=fragment)

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- plumbing -------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        fragment: bool | None,
        redirects: int = 5,
    ) -> HTTPResponse:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = {"Accept": "text/html,*/*", "Connection": "keep-alive", **headers}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        wants_fragment = self.htmx if fragment is None else fragment
        if wants_fragment:
            sent["HX-Request"] = "true"
            sent["X-Shown-Views"] = " ".join(f"{k}={v}" for k, v in self.shown.items())
        status, headers_in, data = self._send(host, port, method, target, body, sent)
        self._store_cookies(headers_in.get_all("Set-Cookie") or [])
        if status == 200 and (headers_in.get("Content-Type") or "").startswith("text/html"):
            if not wants_fragment:
                self.shown.clear()  # a whole new page
            self.shown.update((k.decode(), v.decode()) for k, v in _SHOWN.findall(data))
        location = headers_in.get("Location")
        if status in (301, 302, 303) and location and redirects > 0:
            # What a browser does after Post/Redirect/Get: a plain GET of the new address.
            return self._request("GET", urljoin(url, location), b"", {}, False, redirects - 1)
        return HTTPResponse(status, headers_in, data, url)

    def _send(
        self,
        host: str,
        port: int,
        method: str,
        target: str,
        body: bytes,
        headers: Mapping[str, str],
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        key = (host, port)
        for attempt in range(2):
            reused = key in self._connections
            conn = self._connections.get(key) or http.client.HTTPConnection(
                host, port, timeout=self.timeout
            )
            self._connections[key] = conn
            try:
                conn.request(method, target, body=body or None, headers=dict(headers))
                response = conn.getresponse()
                data = response.read()
            except _STALE_CONNECTION:
                conn.close()
                del self._connections[key]
                if reused and attempt == 0:
                    continue
                raise
            except BaseException:
                conn.close()
                self._connections.pop(key, None)
                raise
            if response.will_close:
                conn.close()
                del self._connections[key]
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def _store_cookies(self, set_cookie_headers: list[str]) -> None:
        for header in set_cookie_headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                # Werkzeug's delete_cookie sends Max-Age=0 and an Expires date in 1970.
                expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                if expired or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def find_form(html: str, form_id: str) -> Form | None:
    """The form with this id, with the values a browser would submit for it."""
    parser = _FormParser(form_id)
    parser.feed(html)
    parser.close()
    return parser.form


class _FormParser(HTMLParser):
    """Collects one form's successful controls (HTML §4.10.21.4, the subset we use)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.form: Form | None = None
        self._inside = False
        self._select: str | None = None
        self._options: list[tuple[str | None, bool]] = []
        self._option_text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self._inside = True
            self.form = Form(
                self.form_id,
                a.get("action", ""),
                a.get("method", "get").lower(),
                a.get("enctype", "") == "multipart/form-data",
            )
            return
        if not self._inside or self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form.fields.append((name, a.get("value") or "on"))
            elif kind not in ("file", "submit", "button", "reset", "image"):
                self.form.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value"), "selected" in a))
            self._option_text = []

    def handle_data(self, data: str) -> None:
        if self._option_text is not None:
            self._option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option_text is not None and self._options:
            value, selected = self._options[-1]
            if value is None:
                self._options[-1] = ("".join(self._option_text).strip(), selected)
            self._option_text = None
        elif tag == "select" and self._select is not None and self.form is not None:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _ in self._options[:1]
            ]
            if chosen:
                self.form.fields.append((self._select, chosen[0] or ""))
            self._select = None
        elif tag == "form" and self._inside:
            self._inside = False


def _multipart(fields: Sequence[tuple[str, str]], files: Sequence[UploadFile]) -> tuple[bytes, str]:
    boundary = "----bench" + secrets.token_hex(12)
    chunks: list[bytes] = []
    for name, value in fields:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for upload in files:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{upload.field}"; '
            f'filename="{upload.filename}"\r\nContent-Type: {upload.content_type}\r\n\r\n'.encode()
            + upload.content
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
