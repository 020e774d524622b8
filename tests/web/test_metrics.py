"""Issue 15, /metrics in one process: what is counted, labelled by URL rule, and who may read it.
(tests/deploy/test_metrics.py checks the same across two gunicorn workers.)"""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ThrowawayPki, app_config_for
from webapp import create_app

from .conftest import FormatCase
from .procedure import (
    HTMX,
    Upload,
    complete_keystore,
    download,
    import_key_pair,
    page_of,
    truststore_settings,
    upload_certificates,
)
from .test_secret_hygiene import FILE

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client, **kwargs) -> Samples:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def app(tmp_path: Path, throwaway_pki: ThrowawayPki):
    app = create_app(app_config_for(tmp_path, throwaway_pki))
    yield app
    app.extensions["mtls_vault"].close()


def test_a_procedure_is_counted_once_with_files_errors_latency_and_uploads(
    app: Flask, throwaway_pki: ThrowawayPki, keypair_uploads: dict[str, FormatCase]
):
    client = app.test_client()
    before = scrape(client)
    case = keypair_uploads[FILE]
    page_of(import_key_pair(client, Upload(case.upload.data, "mine.p12", "wrong-pw!")))
    complete_keystore(client, case.upload)
    download(client, "/keystore/download")
    uploaded = page_of(
        upload_certificates(client, [(throwaway_pki.root_pem.read_bytes(), "root.pem")])
    )
    page_of(truststore_settings(client, uploaded))
    page_of(client.post("/finish/settings", headers=HTMX, data={"dest_url": "https://p.example/"}))
    download(client, "/finish/bundle.zip")
    download(client, "/finish/bundle.zip")  # again: still one procedure
    assert client.get("/no/such/page").status_code == 404
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("mtls_kit_procedures_completed_total") == 1
    assert delta("mtls_kit_files_built_total", kind="keystore", format="jks") == 1
    assert delta("mtls_kit_files_built_total", kind="bundle", format="zip") == 2
    assert delta("mtls_kit_errors_shown_total", kind="field:key_password") == 1
    assert delta("mtls_kit_errors_shown_total", kind="alert:not-found") == 1
    assert (
        delta("mtls_kit_request_duration_seconds_count", route="/keystore/import", method="POST")
        == 2
    )
    assert delta("mtls_kit_request_duration_seconds_count", route="(unmatched)", method="GET") == 1
    assert not any("/no/such/page" in str(key) for key in after)  # raw paths never label
    assert delta("mtls_kit_upload_bytes_count", route="/keystore/import") == 2
    assert delta("mtls_kit_upload_bytes_sum", route="/keystore/import") > 2 * len(case.upload.data)
    assert value(after, "mtls_kit_vault_up") == 1
    assert value(after, "mtls_kit_vault_sessions") == 1
    assert value(after, "mtls_kit_vault_bytes") > 1000


def test_fetch_outcomes_are_counted_by_code(app: Flask):
    client = app.test_client()
    before = scrape(client)
    page_of(client.post("/truststore/fetch", headers=HTMX, data={"server_url": "ftp://x"}))
    after = scrape(client)
    assert (
        value(after, "mtls_kit_partner_fetches_total", outcome="unsupported-scheme")
        - value(before, "mtls_kit_partner_fetches_total", outcome="unsupported-scheme")
    ) == 1


def test_metrics_are_hidden_from_other_addresses(app: Flask):
    client = app.test_client()
    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert refused.status_code == 404 and "mtls_kit" not in refused.text


def test_an_operator_can_allow_the_prometheus_network_behind_the_proxy(tmp_path, throwaway_pki):
    app = create_app(
        app_config_for(
            tmp_path, throwaway_pki, PROXY_FIX=1, METRICS_ALLOWED_NETWORKS='["10.9.0.0/16"]'
        )
    )
    client = app.test_client()
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.9.8.7"}).status_code == 200
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.8.0.1"}).status_code == 404
    assert client.get("/metrics").status_code == 404  # loopback is no longer on the list
    app.extensions["mtls_vault"].close()


def test_made_up_methods_and_paths_add_no_series(app: Flask):
    """Issue 19, point 4: the method as sent was a label; 300 made-up methods grew /metrics
    from 27 KB to 503 KB (and every worker's multiprocess file)."""
    client = app.test_client()
    rng = random.Random(19)
    paths = ["/", "/keystore/import", "/finish/bundle.zip", "/no/such/page", "/static/app.css"]

    def made_up_method() -> str:
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(3, 12)))

    for path in paths:  # one of each, so "other" and every route's answer already exist
        client.open(path, method=made_up_method()).close()
        client.get(path).close()
    scrape(client)  # the scrape's own series
    before = scrape(client)
    for _ in range(300):
        client.open(
            rng.choice(paths) + rng.choice(["", "?x=1", "/" + made_up_method()]),
            method=made_up_method(),
        ).close()
    after = scrape(client)
    latency = "mtls_kit_request_duration_seconds_count"
    new_series = {key for key in after if key not in before}
    assert not new_series, sorted(new_series)[:5]
    assert sum(v for (n, _), v in after.items() if n == latency) >= 300 + sum(
        v for (n, _), v in before.items() if n == latency
    )
    methods = {dict(labels).get("method") for (n, labels) in after if n == latency}
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
