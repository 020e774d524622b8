"""Configuration defaults. Every key can be overridden from the environment with the FLASK_
prefix (FLASK_VAULT_URL, FLASK_MAX_CONTENT_LENGTH, ...), see README "Configuration"."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# Idle sessions disappear after this many seconds: partial work holds a private key.
SESSION_IDLE_TIMEOUT = 30 * 60

# One upload (and the whole request) may not exceed this: key pair files and certificate
# bundles are a few KB; 1 MiB leaves room for large chains and stops abuse early.
MAX_CONTENT_LENGTH = 1024 * 1024
# Files and fields in one form post: the truststore form has 3 fields per certificate (50 at
# most) plus a few; more is a script, not a person.
MAX_FORM_PARTS = 200

DEFAULTS: dict[str, object] = {
    "VAULT_URL": None,  # None -> sqlite:///<instance>/vault.db
    "SESSION_IDLE_TIMEOUT": SESSION_IDLE_TIMEOUT,
    # Seconds a request waits for a busy SQLite file or a silent Redis before the user gets
    # the "storage unavailable" page: long enough for a burst, short of gunicorn's timeout.
    "VAULT_STORAGE_TIMEOUT": 5.0,
    # Holds the vault token; Flask's own session cookie only carries the CSRF secret.
    "VAULT_COOKIE_NAME": "mtls_vault",
    "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
    # Werkzeug applies MAX_FORM_MEMORY_SIZE to its multipart parser's buffer too, not only to
    # text fields: it reads 64 KiB at a time and keeps the unparsed tail, so a 64 KiB cap
    # refused most valid files between 64 KiB and 1 MiB as "too large" (issue 10, hole 11).
    # The whole request is capped at MAX_CONTENT_LENGTH anyway; fields are checked by the
    # views and the core (passwords: pki.java.MAX_PASSWORD_LENGTH, ...).
    "MAX_FORM_MEMORY_SIZE": MAX_CONTENT_LENGTH,
    # Our forms have a handful of fields and a few files; errors.too_large tells "too many
    # parts" apart from "too large".
    "MAX_FORM_PARTS": MAX_FORM_PARTS,
    # JSON list of CIDRs the fetcher may reach beyond the public internet.
    "FETCH_ALLOWED_NETWORKS": "[]",
    # Proxy for partner connections: "" = HTTPS_PROXY/NO_PROXY from the environment,
    # "http://[user:pass@]host:port" = this proxy, "none"/"direct" = never (issue 15).
    "FETCH_PROXY": "",
    "FETCH_TIMEOUT": 5.0,  # seconds, for connect and for the TLS handshake each
    "FETCH_RATE_LIMIT": 10,  # fetches per session per minute
    # Fetches per client address per minute (webapp/limits.py): a few colleagues behind one
    # NAT each checking a few servers, not a port scan through us.
    "FETCH_RATE_LIMIT_PER_ADDRESS": 30,
    "EXTRA_ROOTS": None,  # path of a PEM bundle trusted in addition to certifi's Mozilla roots
    "PROXY_FIX": 0,  # number of trusted reverse proxies in front (X-Forwarded-*); 0 = none
    "LOG_JSON": False,  # request logs as JSON lines on stdout
    # Header in which the SSO proxy names the signed-in user (e.g. X-Forwarded-User); written
    # to the audit trail, and only trusted when PROXY_FIX > 0 (a trusted proxy sets it).
    "USER_HEADER": None,
    "AUDIT_STDOUT": True,  # audit lines (logger mtls_kit.audit) as JSON on stdout
    # Who may read /metrics (JSON list of CIDRs, judged after PROXY_FIX); others get 404.
    "METRICS_ALLOWED_NETWORKS": '["127.0.0.0/8", "::1/128"]',
    "WTF_CSRF_TIME_LIMIT": SESSION_IDLE_TIMEOUT,
    # Flask's own cookie carries the CSRF secret: same SameSite rule as the vault cookie
    # (Flask leaves it unset by default). Secure is added per request over HTTPS.
    "SESSION_COOKIE_SAMESITE": "Lax",
}


def load_secret_key(instance_path: str) -> bytes:
    """Read the instance secret, creating it on first start (mode 0600).

    The secret keys the HMAC that files sessions in the vault and signs CSRF tokens; several
    workers on one host share it through the instance folder.
    """
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Write a temporary file, then hard-link it into place: link() fails if another
        # worker won the race, so every worker ends up reading the same complete secret.
        tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes().strip()
