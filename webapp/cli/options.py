"""Options and result fields that several `mtls-kit` commands share, written once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from webapp.pki.certs import CertificateParseError
from webapp.pki.java import AliasError, StoreError, StoreFormat
from webapp.pki.keyimport import KeyPairError
from webapp.pki.partner import FetchError

__all__ = [
    "PROBLEMS",
    "force_option",
    "format_option",
    "json_option",
    "network_option",
    "store_paths_options",
    "written_store",
]

F = TypeVar("F", bound=Callable[..., Any])

# The exception types whose str() is a sentence for the user: exit 1, not a traceback.
PROBLEMS = (KeyPairError, StoreError, AliasError, CertificateParseError, FetchError)

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
force_option = click.option("--force", is_flag=True, help="Replace --out if it exists.")
format_option = click.option(
    "--format",
    "format_name",
    type=click.Choice(["jks", "pkcs12"], case_sensitive=False),
    help="Store format; default: from the --out extension (.p12/.pfx), else jks.",
)
network_option = click.option(
    "--allow-network",
    multiple=True,
    metavar="CIDR",
    help="Also allow this network (repeatable), as FLASK_FETCH_ALLOWED_NETWORKS does.",
)


def store_paths_options(command: F) -> F:
    """--keystore and --truststore, both required: the two files `config` and `test` read."""
    for name in ("truststore", "keystore"):  # applied bottom-up: --keystore is listed first
        command = click.option(
            f"--{name}",
            f"{name}_path",
            required=True,
            type=click.Path(dir_okay=False, path_type=Path),
        )(command)
    return command


def written_store(out: Path, fmt: StoreFormat) -> dict[str, Any]:
    """The --json fields every store-building command starts its result with."""
    return {"ok": True, "file": str(out), "format": fmt.value, "type": fmt.java_type}
