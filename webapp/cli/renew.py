"""`mtls-kit renew`: a year later, last year's zip and a new key pair in, the new zip out.

The same rules as the page (webapp.pki.renewal): last year's stores are opened with the
passwords in destination.json, the new keystore keeps the alias, password, file name and
format, the partner's chain is fetched again, the connection is tested, and the new zip holds
the same files as "Download all". Exit 0 when the connection test passed, 1 otherwise (the
zip is written all the same: the summary says what to do), 2 for a usage error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from webapp.cli.inputs import fetch_timeout, load_pairs, outbound_policy
from webapp.cli.options import PROBLEMS, force_option, json_option, network_option
from webapp.cli.support import (
    InputProblem,
    emit,
    password_options,
    read_input,
    read_password,
    reports_problems,
    write_output,
)
from webapp.pki.keyimport import KeyPair
from webapp.pki.partner import extra_root_paths
from webapp.pki.renewal import (
    FIELD_LABELS,
    LastYear,
    LastYearError,
    Network,
    PasswordMissingError,
    PasswordWrongError,
    Renewal,
    open_last_year,
    renew,
)

# What answers a field that last year's files left open, on the command line.
_HINTS = {
    "alias": " Choose it with --alias NAME.",
    "url": " Give it with --url URL.",
    "new_key_file": " Give it with --key-file PATH.",
}
# Which option gives the password a field of last year's files asks for.
_PASSWORD_PREFIX = {"keystore_password": "store", "truststore_password": "truststore"}


@click.command(
    name="renew",
    epilog="""\b
Examples:
  export KEY_PASS=...
  mtls-kit renew mtls-files.zip --key-file new.p12 --key-password-env KEY_PASS \\
      --out mtls-files-2027.zip
  mtls-kit renew keystore.jks truststore.jks destination.json --key-file new.p12 \\
      --key-password-env KEY_PASS --out new.zip --json
""",
)
@click.argument(
    "last_year", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--key-file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new key pair file (.p12, or PEM with --key-extra).",
)
@click.option(
    "--key-extra",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A separate key or certificate file that belongs to --key-file.",
)
@click.option("--pair", type=click.IntRange(min=1), help="Which key pair when it holds several.")
@click.option("--alias", help="Which key entry of last year's keystore, when it holds several.")
@click.option("--url", help="The partner's URL, when last year's files hold none.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new zip (readable by you only).",
)
@force_option
@network_option
@password_options("key", "store", "truststore")
@json_option
@reports_problems(*PROBLEMS)
def renew_command(
    last_year: tuple[Path, ...],
    key_file: Path,
    key_extra: Path | None,
    pair: int | None,
    alias: str | None,
    url: str | None,
    out: Path,
    force: bool,
    allow_network: tuple[str, ...],
    as_json: bool,
    **passwords: Any,
) -> None:
    """Renew from last year's zip (or its keystore, truststore and destination.json).

    Both store passwords come from destination.json; --store-password-… and
    --truststore-password-… are needed only when it lacks them or they no longer open the
    stores.
    """
    if out.exists() and not force:
        raise InputProblem(
            f"{out} already exists. Choose another --out, or add --force to replace it."
        )
    try:
        last = _open(last_year, alias, passwords)
        new = _new_key_pair(key_file, key_extra, pair, passwords)
        renewal = renew(last, new, network=network_settings(allow_network), url=url)
    except LastYearError as error:  # the page's sentence, and the option that answers it
        raise InputProblem(f"{error}{_HINTS.get(error.field, '')}") from None
    write_output(out, renewal.bundle, force=force)
    emit(as_json, _report(renewal, out), _lines(renewal, out))
    if not renewal.connection.passed:
        click.echo(
            f"The connection test did not pass ({renewal.connection.outcome}); {out} is "
            "written, but do not deploy it until the test passes.",
            err=True,
        )
        sys.exit(1)


def network_settings(allow_network: tuple[str, ...]) -> Network:
    """Where the renewal may connect and for how long, read as the other commands read it.

    The one place to switch to Settings.from_env() (proxy, timeouts, allowed networks, extra
    roots) once it exists.
    """
    timeout = fetch_timeout()
    return Network(
        outbound_policy(allow_network),
        extra_roots=extra_root_paths(os.environ.get("FLASK_EXTRA_ROOTS")),
        connect_timeout=timeout,
        handshake_timeout=timeout,
    )


def _open(paths: tuple[Path, ...], alias: str | None, params: dict[str, Any]) -> LastYear:
    """Open last year's files; a password destination.json lacks (or has wrong) comes from
    its option, else a hidden prompt, else exit 1 naming the option."""
    files = [(path.name, read_input(path)) for path in paths]
    typed: dict[str, str | None] = {
        field: _given(params, prefix) for field, prefix in _PASSWORD_PREFIX.items()
    }
    prompted: set[str] = set()
    while True:
        try:
            return open_last_year(
                files,
                keystore_password=typed["keystore_password"],
                truststore_password=typed["truststore_password"],
                alias=alias,
            )
        except (PasswordMissingError, PasswordWrongError) as error:
            prefix = _PASSWORD_PREFIX.get(error.field)
            if prefix is None or error.field in prompted or not sys.stdin.isatty():
                hint = (
                    f" Give it with --{prefix}-password-env NAME or --{prefix}-password-file PATH."
                    if prefix
                    else ""
                )
                raise InputProblem(f"{error}{hint}") from None
            click.echo(str(error), err=True)
            prompted.add(error.field)
            label = FIELD_LABELS[error.field]
            typed[error.field] = click.prompt(label.capitalize(), hide_input=True, err=True)


def _given(params: dict[str, Any], prefix: str) -> str | None:
    """The password given with --<prefix>-password-env/-file; None (no prompt) if neither."""
    if params.get(f"{prefix}_password_env") or params.get(f"{prefix}_password_file"):
        return read_password(params, prefix)
    return None


def _new_key_pair(
    key_file: Path, extra: Path | None, pair: int | None, params: dict[str, Any]
) -> KeyPair:
    pairs = load_pairs(read_input(key_file), read_input(extra) if extra else None, params)
    if len(pairs) > 1 and pair is None:
        raise InputProblem(
            f"{key_file} holds {len(pairs)} key pairs. Choose one with --pair NUMBER "
            "(see `mtls-kit inspect`)."
        )
    if pair is not None and pair > len(pairs):
        raise InputProblem(f"{key_file} holds only {len(pairs)} key pair(s).")
    return pairs[(pair or 1) - 1]


def _lines(renewal: Renewal, out: Path) -> list[str]:
    return [f"Wrote {out}.", renewal.summary, *(f"  {line}" for line in renewal.details)]


def _report(renewal: Renewal, out: Path) -> dict[str, Any]:
    """The --json object: no password, no key; destination.json's settings masked."""
    last, test = renewal.last_year, renewal.connection
    return {
        "ok": test.passed,
        "file": str(out),
        "summary": renewal.summary,
        "details": list(renewal.details),
        "validity": {
            "old": renewal.old_not_after.date().isoformat(),
            "new": renewal.new_not_after.date().isoformat(),
        },
        "keystore": {
            "file": renewal.keystore[0],
            "format": last.keystore.format.value,
            "alias": last.alias,
        },
        "truststore": {
            "file": renewal.truststore[0],
            "format": last.truststore.format.value,
            "changes": [
                {
                    "alias": entry.alias,
                    "subject": entry.certificate.subject.rfc4514_string(),
                    "action": entry.action,
                    "own": entry.own,
                    "not_after": entry.certificate.not_valid_after_utc.date().isoformat(),
                }
                for entry in renewal.trust.entries
            ],
        },
        "destination": renewal.destination.as_dict(mask=True),
        "connection_test": {
            "outcome": test.outcome,
            "headline": test.headline,
            "next_step": test.next_step,
        },
        "warnings": list(renewal.partner_warnings),
    }
