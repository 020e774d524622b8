"""What a page shows, as the browser's app.js tells the server (issue 18), and sessions seeded
from a saved record."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from .procedure import HTMX

FINISHED = Path(__file__).parents[1] / "state" / "legacy" / "main-7743e32-state.json"
_VIEW = re.compile(r'<(?:section|nav) id="([^"]+)"[^>]* data-view="([0-9a-f]+)"')


def finished_record(**changes: object) -> dict:
    """A record with all three steps done; `changes` replace top-level keys."""
    record = json.loads(FINISHED.read_text())
    record.update(changes)
    return record


def truststore_without_password() -> dict:
    """The keystore is done; the truststore lacks only its password."""
    record = finished_record(current="truststore")
    record["truststore"]["password"] = ""
    return record


def seed(app: Flask, client: FlaskClient, record: dict) -> str:
    token = app.extensions["mtls_vault"].new_session(state=record)
    client.set_cookie(app.config["VAULT_COOKIE_NAME"], token)
    return token


class ShownPage:
    """The digests of the sections on a page, updated by each htmx answer like app.js does."""

    def __init__(self, html: str) -> None:
        self.views = dict(_VIEW.findall(html))

    def apply(self, html: str) -> None:
        self.views.update(_VIEW.findall(html))

    def headers(self) -> dict[str, str]:
        shown = " ".join(f"{element}={digest}" for element, digest in self.views.items())
        return {**HTMX, "X-Shown-Views": shown}
