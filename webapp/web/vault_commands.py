"""Operator commands for the session storage: ``flask --app webapp vault stats|purge``.

Expired records are still also purged during normal use (SQLite: with every 50th new session,
and by /readyz); that stays, so a deployment where nobody schedules `vault purge` keeps its
file bounded and expired (encrypted) work does not linger for long. These commands are for
"now": before a backup, after an incident, or to see how much the store holds.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .sessions import vault

__all__ = ["init_app", "vault_cli"]

vault_cli = AppGroup("vault", help="Inspect and clean the session storage (the vault).")


def init_app(app: Flask) -> None:
    app.cli.add_command(vault_cli)


@vault_cli.command("stats")
def stats_command() -> None:
    """Show how many sessions the vault holds and their size."""
    stats = vault().stats()
    bound = "" if stats.complete else " (at least: counting stopped at its limit)"
    click.echo(f"sessions: {stats.sessions}{bound}")
    click.echo(f"bytes: {stats.bytes}{bound}")


@vault_cli.command("purge")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Erase every session, unfinished work included (asks first).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (with --all).")
def purge_command(everything: bool, yes: bool) -> None:
    """Erase expired sessions now; with --all, erase every session."""
    if not everything:
        click.echo(f"purged {vault().purge_expired()} expired session(s)")
        return
    if not yes:
        click.confirm("Erase EVERY session? Users lose their unfinished work", abort=True)
    click.echo(f"purged {vault().purge_all()} session(s)")
