"""One blueprint per step of the procedure, plus the page that holds them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register_blueprints(app: Flask) -> None:
    """The page, the three steps (the keystore's chain files and key request apart), renewal,
    the connection test and the explain page."""
    from . import (
        chain_files,
        connection,
        explain,
        finish,
        key_request,
        keystore,
        last_year,
        main,
        renewal,
        truststore,
        truststore_update,
    )

    for module in (
        main,
        keystore,
        chain_files,
        key_request,
        truststore,
        finish,
        renewal,
        truststore_update,
        connection,
        last_year,
        explain,
    ):
        app.register_blueprint(module.bp)
