"""Issue 15: /metrics under gunicorn with two workers adds up every worker's counts."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bench.browser import Browser
from bench.procedure import Materials, ProcedureWalk

from .conftest import app_env


def samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_two_workers_count_one_procedure_and_fill_latency_histograms(
    start_app, materials: Materials, tmp_path: Path
) -> None:
    metrics_dir = tmp_path / "metrics"
    (metrics_dir).mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale")  # a previous run's: must go
    app = start_app(
        app_env(
            f"sqlite:///{tmp_path / 'vault.db'}",
            materials,
            PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        )
    )
    workers = app.worker_pids()
    assert len(workers) == 2
    with Browser() as browser:
        walk = ProcedureWalk(browser, [app.base_url], materials).run()
        again = browser.get(app.base_url + "/finish/bundle.zip", fragment=False)
    assert walk.bundle and again.status == 200

    # Fresh connections, so the scrapes land on either worker: every one must see it all.
    scrapes = []
    for _ in range(8):
        status, body = app.get("/metrics")
        assert status == 200
        scrapes.append(samples(body))
    for seen in scrapes:
        assert seen[("mtls_kit_procedures_completed_total", ())] == 1
        assert seen[("mtls_kit_files_built_total", (("format", "zip"), ("kind", "bundle")))] == 2
        imports = seen[
            (
                "mtls_kit_request_duration_seconds_count",
                (("method", "POST"), ("route", "/keystore/import")),
            )
        ]
        assert imports == 1
        assert (
            seen[
                (
                    "mtls_kit_request_duration_seconds_bucket",
                    (("le", "+Inf"), ("method", "POST"), ("route", "/keystore/import")),
                )
            ]
            == 1
        )
        assert seen[("mtls_kit_upload_bytes_count", (("route", "/keystore/import"),))] == 1
        assert seen[("mtls_kit_vault_sessions", ())] == 1
    pages = [
        s[("mtls_kit_request_duration_seconds_count", (("method", "GET"), ("route", "/")))]
        for s in scrapes
    ]
    assert pages == [1] * 8
    # Both workers count into the shared folder (gunicorn.conf.py set multiprocess mode up).
    assert {f"counter_{pid}.db" for pid in workers} <= {p.name for p in metrics_dir.iterdir()}
    assert not (metrics_dir / "counter_1.db").exists()


def test_metrics_are_404_for_an_address_outside_the_allowed_networks(
    start_app, materials: Materials, tmp_path: Path
) -> None:
    app = start_app(app_env(f"sqlite:///{tmp_path / 'vault.db'}", materials, FLASK_PROXY_FIX="1"))
    with Browser() as browser:
        outsider = browser.get(
            app.base_url + "/metrics", fragment=False, headers={"X-Forwarded-For": "203.0.113.9"}
        )
        local = browser.get(app.base_url + "/metrics", fragment=False)
    assert outsider.status == 404 and "mtls_kit" not in outsider.text
    assert local.status == 200 and "mtls_kit_procedures_completed_total" in local.text
