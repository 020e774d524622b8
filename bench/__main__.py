"""`make bench`: run every benchmark, print the tables, write bench/results.md.

python -m bench            # the full run (about two minutes on 2 cores)
python -m bench --quick    # fewer samples, for checking the harness itself
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

from .breakdown import profile_procedure
from .floor import procedure_in_process
from .hostile_chain import measure_hostile_chains, render_hostile_chains
from .latency import measure_keystore_latency
from .load import run_load
from .machine import cores, describe_machine
from .memory import redis_vault_sizes, sqlite_vault_sizes
from .page_budget import SAMPLES, measure_page_budget, render_page_budget
from .procedure import Materials, make_materials
from .report import Report, Variant, render
from .servers import AppServer, RedisServer, rss_bytes
from .stats import median, time_calls
from .vs_keytool import compare_with_keytool

RESULTS = Path(__file__).resolve().parent / "results.md"
# (users, procedures per user): enough procedures per level for a stable p95 in seconds.
LOAD_LEVELS = ((1, 20), (10, 10), (50, 4))
QUICK_LOAD_LEVELS = ((1, 3), (10, 1), (50, 1))
# People read a page before the next click; half a second is a fast user. Under it, N = 10
# no longer saturates 2 cores, so step latency shows service time instead of queueing.
THINK_TIME = 0.5
MEMORY_SESSIONS = 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="few samples (harness check only)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="markdown report path")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = Report(machine=describe_machine(), quick=args.quick, workers=cores())
    levels = QUICK_LOAD_LEVELS if args.quick else LOAD_LEVELS
    with tempfile.TemporaryDirectory(prefix="mtls-bench-") as scratch:
        folder = Path(scratch)
        rsa = make_materials(folder / "rsa2048", key_kind="rsa2048")
        ec = make_materials(folder / "ec256", key_kind="ec256")
        _progress("hostile chain fetch (cross-signed certificates)")
        hostile = measure_hostile_chains(folder)
        _progress(render_hostile_chains(hostile))
        report.floor_per_procedure = median(
            time_calls(lambda: procedure_in_process(rsa), 5 if args.quick else 30)
        )
        _progress("crypto floor per procedure: %.1f ms" % (report.floor_per_procedure * 1000))

        db = folder / "vault.db"
        env = _app_env(f"sqlite:///{db}", workers=report.workers)
        with AppServer(folder, env=env, name="sqlite") as app:
            _progress("(a) keystore build latency")
            report.latency = [
                measure_keystore_latency(
                    app.base_url, rsa, key_kind="RSA 2048", samples=5 if args.quick else 30
                ),
                measure_keystore_latency(
                    app.base_url, ec, key_kind="EC P-256", samples=3 if args.quick else 15
                ),
            ]
            _progress("first page budget (Chromium)")
            page_budget = measure_page_budget(app.base_url, samples=5 if args.quick else SAMPLES)
            workers = app.worker_pids()
            report.rss_warm = sum(rss_bytes(pid) for pid in workers)
            _progress("(c) keytool comparison")
            report.keytool = compare_with_keytool(
                app.base_url,
                rsa,
                keytool_runs=2 if args.quick else 3,
                http_runs=3 if args.quick else 15,
            )
            for users, per_user in levels:
                _progress(f"(b) {users} concurrent users")
                report.load.append(
                    run_load(
                        app.base_url,
                        rsa,
                        users=users,
                        procedures_per_user=per_user,
                        worker_pids=workers,
                    )
                )
            _progress(f"(b) 10 users with {THINK_TIME} s think time")
            report.load.append(
                run_load(
                    app.base_url,
                    rsa,
                    users=10,
                    think=THINK_TIME,
                    procedures_per_user=1 if args.quick else 2,
                    worker_pids=workers,
                )
            )
            _progress("(d) memory")
            target = 60 if args.quick else MEMORY_SESSIONS
            while (sessions := sqlite_vault_sizes(db).sessions) < target:
                missing = target - sessions
                run_load(
                    app.base_url,
                    rsa,
                    users=10,
                    procedures_per_user=max(1, -(-missing // 10)),
                    worker_pids=workers,
                )
            report.vault_sqlite = sqlite_vault_sizes(db)
            report.rss_after = sum(rss_bytes(pid) for pid in workers)
            report.worker_count = len(workers)

        _progress("(b) variants at N=10: Redis vault; gunicorn.conf.py's default workers")
        with RedisServer(folder / "redis") as redis_server:
            env = _app_env(redis_server.url, workers=report.workers)
            report.variants.append(
                _variant(
                    f"Redis vault, {report.workers} workers × 4 threads",
                    env,
                    folder,
                    rsa,
                    args.quick,
                )
            )
            report.vault_redis = redis_vault_sizes(redis_server.url)
        env = _app_env(f"sqlite:///{folder / 'vault-default.db'}", workers=None)
        report.variants.append(
            _variant(
                f"SQLite, {2 * report.workers} workers × 4 threads (gunicorn.conf.py default)",
                env,
                folder,
                rsa,
                args.quick,
            )
        )

        _progress("where the time goes (in-process profile)")
        report.breakdown = profile_procedure(rsa, folder, procedures=2 if args.quick else 10)

    report.duration = time.perf_counter() - started
    text = render(report) + render_page_budget(page_budget) + render_hostile_chains(hostile)
    print(text)
    args.output.write_text(text)
    print(f"\nWritten to {args.output}", file=sys.stderr)
    return 0


def _variant(
    label: str, env: dict[str, str], folder: Path, materials: Materials, quick: bool
) -> Variant:
    """N=10 saturated and with think time, against a fresh instance configured by `env`."""
    with AppServer(folder, env=env, name="variant") as app:
        workers = app.worker_pids()
        run_load(
            app.base_url,
            materials,
            users=4,
            procedures_per_user=2,  # warm-up
            worker_pids=workers,
        )
        saturated = run_load(
            app.base_url,
            materials,
            users=10,
            procedures_per_user=1 if quick else 10,
            worker_pids=workers,
        )
        paced = run_load(
            app.base_url,
            materials,
            users=10,
            think=THINK_TIME,
            procedures_per_user=1 if quick else 2,
            worker_pids=workers,
        )
    return Variant(label, saturated, paced)


def _app_env(vault_url: str, *, workers: int | None) -> dict[str, str]:
    """The instance's environment; workers=None leaves the count to gunicorn.conf.py."""
    env = {"FLASK_VAULT_URL": vault_url, "FLASK_SECRET_KEY": "bench-" + secrets.token_hex(24)}
    if workers is not None:
        env["WEB_CONCURRENCY"] = str(workers)
    return env


def _progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
