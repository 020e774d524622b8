"""The benchmark report: markdown tables, printed and written to bench/results.md."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .breakdown import Breakdown
from .latency import REQUESTS, KeystoreLatency
from .load import LoadResult
from .memory import VaultSizes
from .procedure import KEY_DECRYPTING_STEPS, STEPS
from .stats import median, ms, percentile
from .vs_keytool import KeytoolComparison

__all__ = ["Report", "Variant", "render"]

# The targets of issue 6.
KEYSTORE_RATIO_TARGET = 1.15
THROUGHPUT_SHARE_TARGET = 0.80
QUICK_STEP_P95_TARGET = 0.050  # seconds, at N = 10
KEYTOOL_SPEEDUP_TARGET = 10.0


@dataclass(frozen=True)
class Variant:
    """Another deployment shape, at N = 10: saturated, and with think time."""

    label: str
    saturated: LoadResult
    paced: LoadResult


@dataclass
class Report:
    machine: dict[str, str]
    quick: bool
    workers: int
    threads: int = 4
    floor_per_procedure: float = 0.0
    latency: list[KeystoreLatency] = field(default_factory=list)
    load: list[LoadResult] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    keytool: KeytoolComparison | None = None
    vault_sqlite: VaultSizes | None = None
    vault_redis: VaultSizes | None = None
    rss_warm: int = 0
    rss_after: int = 0
    worker_count: int = 0
    breakdown: Breakdown | None = None
    duration: float = 0.0

    @property
    def ceiling(self) -> float:
        """Procedures per second if the cores did nothing but the cryptography."""
        return self.workers / self.floor_per_procedure if self.floor_per_procedure else 0.0


def render(r: Report) -> str:
    out: list[str] = ["# mtls-kit benchmarks", ""]
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out += [
        f"Measured {when} by `make bench` (`python -m bench`) in {r.duration:.0f} s"
        + (" — **quick mode: too few samples to quote**" if r.quick else "")
        + ".",
        "",
    ]
    out += ["## Machine", "", *_table(["", ""], [[k, v] for k, v in r.machine.items()]), ""]
    out += [
        "## Setup",
        "",
        f"- The app under gunicorn with `gunicorn.conf.py`, configured only through the "
        f"environment as in production: {r.workers} workers (one per usable core, "
        f"`WEB_CONCURRENCY={r.workers}`) × {r.threads} threads and the default embedded SQLite "
        "vault, unless a variant says otherwise. All traffic is HTTP on loopback.",
        "- Virtual users are threads of the benchmark process on the same machine: their CPU "
        "time is taken from the server's cores and is reported below.",
        "- The user's key pair: an RSA 2048 client certificate (chain: intermediate, root) in a "
        ".p12 as `openssl pkcs12 -export` writes it with OpenSSL 3 defaults (PBES2, AES-256, "
        "PBKDF2 2048 iterations). The partner's root and intermediate are uploaded as two PEM "
        "files; the truststore then holds those and the user's own chain (5 certificates).",
        "- The procedure: open the page → import the .p12 → keystore settings → upload the "
        "partner's certificates → truststore settings → finish settings → download all (zip). "
        "Each step submits the form found in the previous response, as htmx does "
        "(`HX-Request: true`, the changed step sections back).",
        "",
    ]
    out += _latency(r) + _load(r) + _keytool(r) + _memory(r) + _breakdown(r) + _targets(r)
    return "\n".join(out) + "\n"


def _latency(r: Report) -> list[str]:
    rows = []
    for lat in r.latency:
        rows.append(
            [
                lat.key_kind,
                f"{ms(median(lat.http)):.1f}",
                *(f"{ms(median(lat.per_request[name])):.1f}" for name in REQUESTS),
                f"{ms(median(lat.floor)):.1f}",
                f"{lat.ratio:.2f}×",
                _verdict(lat.ratio <= KEYSTORE_RATIO_TARGET),
            ]
        )
    return [
        "## (a) Keystore build: HTTP request latency vs the crypto floor",
        "",
        "HTTP = POST /keystore/import (the .p12) + POST /keystore/settings + GET "
        "/keystore/download, one user, idle server. Floor = `load_key_pairs` + "
        "`build_keystore` in-process, measured in between. Medians, ms.",
        "",
        *_table(
            [
                "key",
                "HTTP total",
                "import",
                "settings",
                "download",
                "floor",
                "ratio",
                f"≤ {KEYSTORE_RATIO_TARGET}×",
            ],
            rows,
        ),
        "",
    ]


def _load(r: Report) -> list[str]:
    out = [
        "## (b) Whole procedure, N concurrent virtual users",
        "",
        f"Crypto floor per procedure (in-process: .p12 decryption, keystore, truststore, zip): "
        f"**{ms(r.floor_per_procedure):.1f} ms** → crypto-bound ceiling = {r.workers} cores ÷ "
        f"floor = **{r.ceiling:.1f} procedures/s**.",
        "",
    ]
    rows = []
    for run in r.load:
        done = max(run.completed, 1)
        rows.append(
            [
                _users(run),
                str(run.completed),
                f"{run.throughput:.2f}",
                f"{run.throughput / r.ceiling:.0%}" if r.ceiling and not run.think else "n/a",
                f"{ms(run.server_cpu / done):.0f}",
                f"{ms(run.client_cpu / done):.0f}",
                f"{run.other_cpu / run.wall:.2f}" if run.wall else "-",
                str(run.failed),
            ]
        )
    out += _table(
        [
            "N",
            "procedures",
            "procedures/s",
            "of ceiling",
            "server CPU ms/proc.",
            "client CPU ms/proc.",
            "other load (cores)",
            "failed",
        ],
        rows,
    )
    out += [
        "",
        "*other load*: CPU used meanwhile by processes that are neither the app nor the "
        "virtual users (other jobs on the machine), in cores; above ~0.1 it lowers "
        "throughput and raises latency.",
        "",
    ]
    busiest = max((run.other_cpu / run.wall for run in r.load if run.wall), default=0.0)
    if busiest > 0.2:
        out += [
            f"**The machine was not idle: other processes used up to {busiest:.1f} of the "
            f"{r.workers} cores during these runs. Throughput and latency figures are "
            "pessimistic; run `make bench` again on a quiet machine before quoting them.**",
            "",
        ]
    header = ["step"] + [f"N={_users(run)} p50 / p95" for run in r.load]
    rows = []
    for step in STEPS:
        mark = " (key)" if step in KEY_DECRYPTING_STEPS else ""
        rows.append(
            [step + mark]
            + [
                f"{ms(percentile(run.times.seconds[step], 0.5)):.0f} / "
                f"{ms(percentile(run.times.seconds[step], 0.95)):.0f}"
                for run in r.load
            ]
        )
    out += ["Per step, ms ((key) = the step reads a private key):", "", *_table(header, rows), ""]
    for run in r.load:
        for error in run.errors[:3]:
            out.append(f"- N={_users(run)} failure: `{error}`")
    main_sat = next((run for run in r.load if run.users == 10 and not run.think), None)
    main_paced = next((run for run in r.load if run.users == 10 and run.think), None)
    rows = []
    if main_sat is not None and main_paced is not None:
        rows.append(
            _variant_row(
                r,
                f"SQLite, {r.workers} workers × {r.threads} threads (above)",
                main_sat,
                main_paced,
            )
        )
    rows += [_variant_row(r, v.label, v.saturated, v.paced) for v in r.variants]
    if rows:
        think = main_paced.think if main_paced else 0
        out += [
            "",
            'Variants at N = 10 (worker variants, vault backends); "quick" = the steps '
            "without key reads:",
            "",
            *_table(
                [
                    "setup",
                    "procedures/s",
                    "of ceiling",
                    "worst quick p95, saturated",
                    f"worst quick p95, {think:g} s think",
                    "failed",
                ],
                rows,
            ),
            "",
        ]
    return out


def _keytool(r: Report) -> list[str]:
    k = r.keytool
    if k is None:
        return []
    return [
        "## (c) Against keytool",
        "",
        f"keytool: `-importkeystore` (.p12 → JKS, `-destkeypass`) then `-importcert -noprompt` "
        f"for each of the {k.truststore_certificates} truststore certificates "
        f"({k.keytool_commands} JVM runs), whole-process wall time. Ours: the whole HTTP "
        "procedure above for one user (which also writes the config and the zip). Medians.",
        "",
        *_table(
            [
                "keytool sequence",
                "our HTTP procedure",
                "speed-up",
                f"≥ {KEYTOOL_SPEEDUP_TARGET:.0f}×",
            ],
            [
                [
                    f"{ms(median(k.keytool_runs)):.0f} ms",
                    f"{ms(median(k.http_runs)):.0f} ms",
                    f"{k.speedup:.1f}×",
                    _verdict(k.speedup >= KEYTOOL_SPEEDUP_TARGET),
                ]
            ],
        ),
        "",
    ]


def _memory(r: Report) -> list[str]:
    out = ["## (d) Memory", ""]
    rows = []
    for name, sizes, note in (
        ("SQLite (default)", r.vault_sqlite, "file + WAL bytes / sessions"),
        ("Redis", r.vault_redis, "MEMORY USAGE per key"),
    ):
        if sizes is not None:
            rows.append(
                [
                    name,
                    str(sizes.sessions),
                    f"{sizes.mean_record:,.0f}",
                    f"{sizes.max_record:,}",
                    f"{sizes.storage_per_session:,.0f} ({note})",
                ]
            )
    out += [
        "Server-side bytes per session: the encrypted vault record. A finished procedure's record "
        "is the largest (RSA 2048 key, 3 + 2 certificates, both passwords, settings); the "
        "SQLite mean also counts the keystore-only sessions of (a).",
        "",
        *_table(
            ["vault", "sessions", "mean record bytes", "finished procedure", "storage per session"],
            rows,
        ),
        "",
    ]
    if r.vault_sqlite is not None and r.worker_count:
        out += [
            f"gunicorn worker RSS ({r.worker_count} workers, summed): "
            f"{r.rss_warm / 2**20:.1f} MiB after warm-up → {r.rss_after / 2**20:.1f} MiB after "
            f"{r.vault_sqlite.sessions:,} sessions (each a whole procedure) — "
            f"{(r.rss_after - r.rss_warm) / 2**20:+.1f} MiB; per worker "
            f"{r.rss_after / r.worker_count / 2**20:.1f} MiB.",
            "",
        ]
    return out


def _breakdown(r: Report) -> list[str]:
    b = r.breakdown
    if b is None:
        return []
    rows = [
        [label, f"{ms(seconds):.1f}", f"{seconds / b.total:.0%}"] for label, seconds in b.categories
    ]
    rest = b.total - sum(seconds for _, seconds in b.categories)
    rows.append(
        [
            "everything else (Flask, Werkzeug, CSRF, multipart parsing, ...)",
            f"{ms(rest):.1f}",
            f"{rest / b.total:.0%}",
        ]
    )
    return [
        "## Where the server time goes",
        "",
        f"One procedure, the app in-process under cProfile (mean of {b.procedures}; profiling "
        f"inflates Python code, so read the shares, not the absolute figures). Total "
        f"{ms(b.total):.0f} ms per procedure.",
        "",
        *_table(["work", "ms / procedure", "share"], rows),
        "",
        f"- `describe_certificate` runs {b.describe_calls:.0f} times per procedure: once per "
        "request for each certificate a redrawn step shows (views/certificates.py); steps "
        "that did not change are not redrawn.",
        "- Reading a saved RSA key back would cost "
        f"{ms(b.key_read_validated):.1f} ms "
        f"with OpenSSL's RSA key check and costs {ms(b.key_read_unvalidated):.2f} ms without "
        "it: the vault's own keys (validated once at import, stored authenticated with "
        "AES-GCM) skip the check in KeyPair.from_pem_bundle (issue 19); uploads never do.",
        "",
    ]


def _targets(r: Report) -> list[str]:
    out = ["## Targets", ""]
    if r.latency:
        lat = r.latency[0]
        out.append(
            f"- (a) keystore request ≤ {KEYSTORE_RATIO_TARGET}× floor ({lat.key_kind}): "
            f"{lat.ratio:.2f}× — {_verdict(lat.ratio <= KEYSTORE_RATIO_TARGET)}"
        )
    saturating = [run for run in r.load if not run.think]
    if saturating and r.ceiling:
        best = max(saturating, key=lambda run: run.throughput)
        share = best.throughput / r.ceiling
        out.append(
            f"- (b) throughput ≥ {THROUGHPUT_SHARE_TARGET:.0%} of the ceiling: best "
            f"{best.throughput:.2f}/s at N={best.users} = {share:.0%} of "
            f"{r.ceiling:.1f}/s — {_verdict(share >= THROUGHPUT_SHARE_TARGET)}"
        )
    for run in r.load:
        if run.users == 10:
            worst = _worst_quick_p95(run)
            how = f"with {run.think:g} s think time" if run.think else "saturated, no think time"
            out.append(
                f"- (b) p95 of steps without key reads ≤ {ms(QUICK_STEP_P95_TARGET):.0f} ms "
                f"at N=10 ({how}): worst {ms(worst[0]):.0f} ms ({worst[1]}) — "
                f"{_verdict(worst[0] <= QUICK_STEP_P95_TARGET)}"
            )
    for v in r.variants:
        share = v.saturated.throughput / r.ceiling if r.ceiling else 0.0
        worst_sat, worst_paced = _worst_quick_p95(v.saturated)[0], _worst_quick_p95(v.paced)[0]
        out.append(
            f"- (b) for comparison, {v.label}: {share:.0%} of the ceiling; quick-step p95 "
            f"{ms(worst_sat):.0f} ms saturated, {ms(worst_paced):.0f} ms with think time"
        )
    if r.keytool is not None:
        out.append(
            f"- (c) ≥ {KEYTOOL_SPEEDUP_TARGET:.0f}× faster than keytool: "
            f"{r.keytool.speedup:.1f}× — {_verdict(r.keytool.speedup >= KEYTOOL_SPEEDUP_TARGET)}"
        )
    return [*out, ""]


def _worst_quick_p95(run: LoadResult) -> tuple[float, str]:
    return max(
        (percentile(run.times.seconds[s], 0.95), s) for s in STEPS if s not in KEY_DECRYPTING_STEPS
    )


def _variant_row(r: Report, label: str, saturated: LoadResult, paced: LoadResult) -> list[str]:
    return [
        label,
        f"{saturated.throughput:.2f}",
        f"{saturated.throughput / r.ceiling:.0%}" if r.ceiling else "-",
        f"{ms(_worst_quick_p95(saturated)[0]):.0f} ms",
        f"{ms(_worst_quick_p95(paced)[0]):.0f} ms",
        str(saturated.failed + paced.failed),
    ]


def _users(run: LoadResult) -> str:
    return f"{run.users} ({run.think:g} s think)" if run.think else str(run.users)


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        return (
            "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)) + " |"
        )

    return [
        line(header),
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
        *(line(row) for row in rows),
    ]
