"""mtls-kit: a guided tool that builds Java keystores and truststores for mutual TLS."""

from __future__ import annotations

import os

from flask import Flask

from . import (
    audit,
    config,
    errors,
    limits,
    metrics,
    observability,
    outbound_config,
    security,
    sessions,
    static_compression,
    vault_commands,
)


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app: config, extensions, blueprints — nothing else."""
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
    static_compression.init_app(app)
    outbound_config.init_app(app)
    audit.init_app(app)
    metrics.init_app(app)
    vault_commands.init_app(app)

    from .views import (
        connection,
        finish,
        keystore,
        main,
        renewal,
        truststore,
        truststore_update,
    )

    for module in (main, keystore, truststore, finish, renewal, truststore_update, connection):
        app.register_blueprint(module.bp)
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
