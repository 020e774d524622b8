"""mtls-kit: a guided tool that builds Java keystores and truststores for mutual TLS."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

# Flask, its extensions and the views are imported inside create_app: `mtls-kit` (webapp.cli)
# imports this package too, and needs only the PKI core (issue 18: --help in < 0.35 s).


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app: config, extensions, blueprints — nothing else."""
    from flask import Flask

    from . import config
    from .views import (
        connection,
        explain,
        finish,
        keystore,
        main,
        renewal,
        truststore,
        truststore_update,
    )
    from .web import (
        errors,
        limits,
        outbound,
        security,
        sessions,
        static_files,
        vault_commands,
    )
    from .web.ops import audit, metrics, observability

    app = Flask(
        __name__,
        instance_path=_instance_path(),
        instance_relative_config=True,
        template_folder=_data_folder("templates"),
        static_folder=_data_folder("static"),
    )
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.load_secret_key(app.instance_path)

    observability.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    limits.init_app(app)
    errors.init_app(app)
    static_files.init_app(app)
    outbound.init_app(app)
    audit.init_app(app)
    metrics.init_app(app)
    vault_commands.init_app(app)

    for module in (main, keystore, truststore, finish, renewal, truststore_update, connection):
        app.register_blueprint(module.bp)
    app.register_blueprint(explain.bp)
    return app


def _data_folder(name: str) -> str:
    """templates/ or static/: inside the package when installed (setup.py puts them there),
    at the top of the repository in a checkout or an editable install."""
    package = os.path.dirname(os.path.abspath(__file__))
    installed = os.path.join(package, name)
    return installed if os.path.isdir(installed) else os.path.join(os.path.dirname(package), name)


def _instance_path() -> str | None:
    """FLASK_INSTANCE_PATH, else Flask's default: instance/ beside the package in a checkout,
    <sys.prefix>/var/webapp-instance when installed (README "Running an instance")."""
    configured = os.environ.get("FLASK_INSTANCE_PATH")
    return os.path.abspath(configured) if configured else None
