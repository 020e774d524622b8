"""One blueprint per step of the procedure, plus the page that holds them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register_blueprints(app: Flask) -> None:
    """The page, the three steps, renewal, the connection test and the explain page."""
    from . import (
        connection,
        explain,
        finish,
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
        truststore,
        finish,
        renewal,
        truststore_update,
        connection,
        last_year,
        explain,
    ):
        app.register_blueprint(module.bp)
