"""HTTP-level protections: CSRF, security headers, and an optional trusted proxy."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

# No 'unsafe-inline' or 'unsafe-eval': htmx is configured not to inject styles or evaluate
# code (see templates/base.html), so the page works under the strictest policy.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed session cookie (it carries only the CSRF secret), flagged like ours.

    SESSION_COOKIE_SECURE is fixed at start-up, but the same app may be reached over plain
    HTTP in development and over HTTPS behind a proxy: mark the cookie Secure per request.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    """Wire CSRF protection, the proxy fix and the headers into the app."""
    app.session_interface = CookieSessionInterface()
    csrf.init_app(app)
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Every page and download: strict CSP, no framing, no sniffing, never cached."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        # Pages and downloads can hold keys and passwords: keep them out of every cache.
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
