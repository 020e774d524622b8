"""Bytes and server time of one htmx keystore-settings POST on a finished session.

    python -m bench.step_response

The session is the finished legacy record in tests/state/legacy (throw-away test keys): all
three steps have content, so the cost of redrawing steps that did not change shows.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from webapp import create_app

RECORD = Path(__file__).resolve().parent.parent / "tests/state/legacy/main-7743e32-state.json"
ROUNDS = 50


def measure(rounds: int = ROUNDS) -> tuple[int, float]:
    """(bytes returned, median CPU seconds) for the htmx POST /keystore/settings (alias change).

    CPU time of this thread, not wall time: on a shared 2-core machine the wall clock mostly
    measures the neighbours."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-only-not-a-secret",
                "WTF_CSRF_ENABLED": False,
                "VAULT_URL": f"sqlite:///{folder}/vault.db",
            }
        )
        record = json.loads(RECORD.read_text())
        record["current"] = "keystore"
        with app.app_context():
            token = app.extensions["mtls_vault"].new_session(state=record)
        client = app.test_client()
        client.set_cookie(app.config["VAULT_COOKIE_NAME"], token)
        sizes, seconds = [], []
        for round_ in range(rounds):
            alias = f"legacy-client-{round_ % 2}"
            started = time.thread_time()
            response = client.post(
                "/keystore/settings",
                headers={"HX-Request": "true"},
                data={"alias": alias, "keystore_filename": "legacy-keystore.jks"},
            )
            seconds.append(time.thread_time() - started)
            assert response.status_code == 200, response.status_code
            sizes.append(len(response.data))
        return sizes[-1], statistics.median(seconds)


if __name__ == "__main__":
    size, median = measure()
    print(
        f"htmx POST /keystore/settings: {size} bytes, median {median * 1000:.2f} ms CPU "
        f"over {ROUNDS} rounds"
    )
