"""Where a procedure's server time goes: the app profiled in-process, by kind of work.

The app runs in a single-threaded werkzeug server in this process, wrapped so that cProfile
sees exactly the request handling; the same virtual user walks the procedure against it.
cProfile slows pure-Python code more than OpenSSL calls, so shares of Python work
(templates, view model) are somewhat overstated; they still rank the costs.
"""

from __future__ import annotations

import cProfile
import logging
import pstats
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from werkzeug.serving import make_server

from .browser import Browser
from .procedure import Materials, walk_procedure
from .stats import median, time_calls

__all__ = ["Breakdown", "profile_procedure"]

# (label, [(file suffix, function name)]): cumulative time of these functions. The groups do
# not nest into each other on the request path, so their shares add up.
CATEGORIES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "private key reads (PKCS#12 import, saved key read back for the zip)",
        (
            ("webapp/pki/keyimport/keypairs.py", "load_key_pairs"),
            ("webapp/pki/keyimport/keypair.py", "from_pem_bundle"),
        ),
    ),
    (
        "view model: plans, certificate parsing (views/view_models.py; descriptions: in rendering)",
        (
            ("webapp/views/view_models.py", "keystore_view"),
            ("webapp/views/view_models.py", "truststore_view"),
        ),
    ),
    ("template rendering (Jinja)", (("flask/templating.py", "render_template"),)),
    (
        "session vault (load/update, AES-GCM + SQLite)",
        (("webapp/web/sessions.py", "load_state"), ("webapp/web/sessions.py", "update_state")),
    ),
    (
        "JKS writing (pyjks)",
        (
            ("webapp/pki/java/jks.py", "build_keystore"),
            ("webapp/pki/java/jks.py", "build_truststore"),
        ),
    ),
)


@dataclass(frozen=True)
class Breakdown:
    procedures: int
    total: float  # profiled seconds per procedure
    categories: list[tuple[str, float]]  # (label, seconds per procedure)
    describe_calls: float  # describe_certificate calls per procedure
    key_read_validated: float  # seconds: saved RSA key read back as today
    key_read_unvalidated: float  # seconds: same, skipping the RSA re-validation


class _Profiled:
    """WSGI middleware: profile only the time spent handling requests."""

    def __init__(self, app) -> None:
        self.app = app
        self.profile = cProfile.Profile()

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        self.profile.enable()
        try:
            return list(self.app(environ, start_response))
        finally:
            self.profile.disable()


def profile_procedure(materials: Materials, folder: Path, *, procedures: int) -> Breakdown:
    from webapp import create_app

    app = create_app(
        {
            "SECRET_KEY": "bench-profile-secret-0123456789abcdef",
            "VAULT_URL": f"sqlite:///{folder / 'profile-vault.db'}",
        }
    )
    wrapped = _Profiled(app.wsgi_app)
    app.wsgi_app = wrapped  # type: ignore[method-assign]
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in the report
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with Browser() as browser:  # warm-up (first imports, template compilation)
            walk_procedure(browser, [base], materials)
        wrapped.profile = cProfile.Profile()
        for _ in range(procedures):
            with Browser() as browser:
                walk_procedure(browser, [base], materials)
    finally:
        server.shutdown()
        thread.join()
    stats = pstats.Stats(wrapped.profile)
    entries = stats.stats  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    categories = [
        (label, _cumulative(entries, functions) / procedures) for label, functions in CATEGORIES
    ]
    describe_calls = (
        sum(
            value[1]
            for key, value in entries.items()
            if key[0].endswith("webapp/pki/certs/describe.py") and key[2] == "describe_certificate"
        )
        / procedures
    )
    validated, unvalidated = _saved_key_read(materials)
    return Breakdown(
        procedures, total / procedures, categories, describe_calls, validated, unvalidated
    )


def _cumulative(entries: dict, functions: tuple[tuple[str, str], ...]) -> float:
    total = 0.0
    for (filename, _line, name), (
        _calls,
        _primitive,
        _tottime,
        cumtime,
        _callers,
    ) in entries.items():
        if any(filename.endswith(suffix) and name == wanted for suffix, wanted in functions):
            total += cumtime
    return total


def _saved_key_read(materials: Materials) -> tuple[float, float]:
    """Reading back the saved (already validated) key, as the zip download does, with and
    without OpenSSL's RSA key check (primality tests of p and q, most of the cost)."""
    from webapp.pki.keyimport.keypairs import load_key_pairs

    pair = load_key_pairs(materials.p12, materials.p12_password)[0]
    pem = pair.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    validated = median(time_calls(lambda: serialization.load_pem_private_key(pem, None), 15))
    unvalidated = median(
        time_calls(
            lambda: serialization.load_pem_private_key(
                pem, None, unsafe_skip_rsa_key_validation=True
            ),
            15,
        )
    )
    return validated, unvalidated
