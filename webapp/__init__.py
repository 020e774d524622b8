"""mtls-kit: a guided tool that builds Java keystores and truststores for mutual TLS."""

from __future__ import annotations

import os

from flask import Flask

from . import config, errors, limits, observability, security, sessions, static_compression


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app: config, extensions, blueprints — nothing else."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
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

    from .views import finish, keystore, main, truststore

    for module in (main, keystore, truststore, finish):
        app.register_blueprint(module.bp)
    return app
