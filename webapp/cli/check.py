"""`mtls-kit check`: is the deployed setup still healthy? For a timer, cron or Prometheus.

Exit 0 healthy, 1 a problem found (each with a code and plain words), 2 usage (including an
unset password variable: a scheduled job must say which one, never show a traceback).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from webapp.cli.inputs import settings, stored_key_pair
from webapp.cli.options import json_option, network_option
from webapp.cli.support import InputProblem, emit, password_options, read_input, read_password
from webapp.pki.check import DEFAULT_DAYS, CheckReport, Problem, check_setup
from webapp.pki.explain import rules
from webapp.pki.java import (
    KeyPasswordRequiredError,
    NotAStoreError,
    StoreContents,
    StoreError,
    StorePasswordError,
    read_store,
)
from webapp.pki.partner import FetchError

_STORE_PROBLEMS = (
    (StorePasswordError, rules.WRONG_STORE_PASSWORD),
    (NotAStoreError, rules.NOT_A_KEYSTORE),
    (KeyPasswordRequiredError, rules.KEY_PASSWORD_MISMATCH),
)
_EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command(
    name="check",
    epilog="""\b
Example (a daily timer; see the README for systemd and cron):
  mtls-kit check --keystore /opt/certs/keystore.jks --truststore /opt/certs/truststore.jks \\
      --url https://partner.example/in --store-password-env STORE_PASS \\
      --truststore-password-env TRUST_PASS --days 30 \\
      --prometheus /var/lib/node_exporter/textfile/mtls_kit.prom
""",
)
@click.option("--keystore", "keystore_path", required=True, type=_EXISTING)
@click.option("--truststore", "truststore_path", required=True, type=_EXISTING)
@click.option("--url", required=True, help="The partner's address, as in destination.json.")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=DEFAULT_DAYS,
    show_default=True,
    help="Warn when a certificate expires within this many days.",
)
@click.option(
    "--prometheus",
    "prometheus_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a node-exporter textfile here (atomically).",
)
@network_option
@password_options("store", "truststore")
@json_option
def check(
    keystore_path: Path,
    truststore_path: Path,
    url: str,
    days: int,
    prometheus_file: Path | None,
    allow_network: tuple[str, ...],
    as_json: bool,
    **passwords: Any,
) -> None:
    """Check the deployed stores: expiry, the partner's chain today, the connection test."""
    for prefix in ("store", "truststore"):
        name = passwords.get(f"{prefix}_password_env")
        if name and name not in os.environ:
            raise click.UsageError(f"The environment variable {name} is not set.")
    outbound = settings(allow_network)
    stores: dict[str, StoreContents] = {}
    problems: list[Problem] = []
    for kind, path, prefix in (
        ("keystore", keystore_path, "store"),
        ("truststore", truststore_path, "truststore"),
    ):
        opened = _open(kind, path, read_password(passwords, prefix) or "")
        if isinstance(opened, Problem):
            problems.append(opened)
        else:
            stores[kind] = opened
    if problems:
        report = CheckReport(None, tuple(problems))
    else:
        report = _check(url, stores, outbound, days)
    if prometheus_file is not None:
        _write_metrics(prometheus_file, report, stores)
    emit(as_json, report.as_dict(), _lines(report))
    if not report.ok:
        sys.exit(1)


def _open(kind: str, path: Path, password: str) -> StoreContents | Problem:
    try:
        contents = read_store(read_input(path), password)
    except StoreError as error:
        code = next((c for t, c in _STORE_PROBLEMS if isinstance(error, t)), "unreadable-store")
        return Problem(code, f"{path} ({kind}): {error}")
    except InputProblem as error:
        return Problem("unreadable-store", error.format_message())
    return contents


def _check(url: str, stores: dict[str, StoreContents], outbound: Any, days: int) -> CheckReport:
    try:
        pair = stored_key_pair(stores["keystore"])
    except InputProblem as error:
        return CheckReport(None, (Problem("no-key-entry", error.format_message()),))
    trusted = [
        cert
        for entry in stores["truststore"].entries
        if entry.kind == "trustedCertEntry"
        for cert in entry.certificates
    ]
    try:
        return check_setup(url, key_pair=pair, trusted=trusted, settings=outbound, days=days)
    except FetchError as error:
        raise click.BadParameter(str(error), param_hint="--url") from None


def _write_metrics(path: Path, report: CheckReport, stores: dict[str, StoreContents]) -> None:
    from webapp.pki.check.prometheus import registry_for, write_textfile

    labelled = [
        (kind, entry.alias, cert)
        for kind, contents in stores.items()
        for entry in contents.entries
        for cert in entry.certificates
    ]
    labelled += [("partner", str(i), cert) for i, cert in enumerate(report.partner_chain)]
    try:
        write_textfile(str(path), registry_for(report, labelled))
    except OSError as error:
        raise InputProblem(f"{path}: cannot be written ({error.strerror}).") from None


def _lines(report: CheckReport) -> list[str]:
    if report.ok:
        return ["Healthy: the stores open, nothing expires soon, and the partner accepts them."]
    return [f"Problem ({p.code}): {p.message}" for p in report.problems]
