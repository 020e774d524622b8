"""What every `mtls-kit` command shares: passwords, reading and writing files, output.

Passwords never come from a plain argument (it would sit in the shell history and in every
`ps` listing): an environment variable named with --…-password-env, a file named with
--…-password-file, or a hidden prompt when a terminal is attached.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from webapp.config import MAX_CONTENT_LENGTH
from webapp.pki.java import StoreFormat, check_store_password

__all__ = [
    "InputProblem",
    "emit",
    "password_options",
    "read_input",
    "read_password",
    "reports_problems",
    "write_output",
]

F = TypeVar("F", bound=Callable[..., Any])

# The three passwords a command may need, by option prefix: what the prompt calls it.
PASSWORDS = {
    "key": "key pair file",
    "store": "keystore",
    "truststore": "truststore",
}


class InputProblem(click.ClickException):
    """A problem with what the user gave us: exit 1, the page's sentence on stderr."""

    exit_code = 1

    def __init__(self, message: str, *, as_json: bool = False) -> None:
        super().__init__(message)
        self.as_json = as_json

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)
        if self.as_json:  # --json still prints its one object, on stdout
            click.echo(
                json.dumps({"ok": False, "error": self.format_message()}, ensure_ascii=False)
            )


def reports_problems(*problems: type[Exception]) -> Callable[[F], F]:
    """Turn the core's plain-sentence errors into exit 1 (and --json's error object)."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def run(**params: Any) -> Any:
            try:
                return command(**params)
            except InputProblem as problem:
                problem.as_json = bool(params.get("as_json"))
                raise
            except problems as error:
                raise InputProblem(str(error), as_json=bool(params.get("as_json"))) from None

        return run  # type: ignore[return-value]

    return decorate


def password_options(*prefixes: str) -> Callable[[F], F]:
    """--<prefix>-password-env NAME and --<prefix>-password-file PATH for each prefix."""

    def decorate(command: F) -> F:
        for prefix in reversed(prefixes):
            what = PASSWORDS[prefix]
            command = click.option(
                f"--{prefix}-password-file",
                type=click.Path(dir_okay=False, path_type=Path),
                metavar="PATH",
                help=f"Read the {what} password from this file (first line).",
            )(command)
            command = click.option(
                f"--{prefix}-password-env",
                metavar="NAME",
                help=f"Read the {what} password from this environment variable.",
            )(command)
        return command

    return decorate


def read_password(
    params: dict[str, Any],
    prefix: str,
    *,
    new: bool = False,
    required: bool = True,
    format: StoreFormat = StoreFormat.JKS,
) -> str | None:
    """The password for `prefix` from its env variable, its file, or a hidden prompt.

    `new`: a password for a store we are about to write, checked by the page's rule (and
    asked twice at the prompt). Not `required`: None when none was given and no terminal.
    """
    what = PASSWORDS[prefix]
    env_name, path = params.get(f"{prefix}_password_env"), params.get(f"{prefix}_password_file")
    if env_name and path:
        raise click.UsageError(
            f"Give the {what} password once: --{prefix}-password-env or "
            f"--{prefix}-password-file, not both."
        )
    if env_name:
        password = os.environ.get(env_name)
        if password is None:
            raise InputProblem(f"The environment variable {env_name} is not set.")
    elif path:
        password = _first_line(path)
    elif sys.stdin.isatty():
        password = click.prompt(
            f"{what.capitalize()} password", hide_input=True, confirmation_prompt=new, err=True
        )
    elif required:
        raise click.UsageError(
            f"Give the {what} password with --{prefix}-password-env NAME or "
            f"--{prefix}-password-file PATH."
        )
    else:
        return None
    if new:
        try:
            check_store_password(password, password, format)
        except ValueError as error:
            raise InputProblem(f"The {what} password cannot be used: {error}") from None
    return password


def _first_line(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputProblem(f"The password file {path} cannot be read.") from None
    return text.split("\n", 1)[0].removesuffix("\r")


def read_input(path: Path) -> bytes:
    """A file the user names, within the size limit the web page applies to uploads."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONTENT_LENGTH + 1)
    except OSError as error:
        raise InputProblem(f"{path}: cannot be read ({error.strerror}).") from None
    if len(data) > MAX_CONTENT_LENGTH:
        raise InputProblem(
            f"{path}: this file is larger than {MAX_CONTENT_LENGTH // 1024} KB; "
            "key pair files and certificates are a few KB."
        )
    if not data:
        raise InputProblem(f"{path}: this file is empty.")
    return data


def write_output(path: Path, data: bytes, *, force: bool) -> None:
    """Write a new file readable by its owner only (stores hold keys and trust decisions).

    With --force, an existing file is replaced, never written through (issue 19): the data
    goes to a new owner-only file beside it, which is then renamed over `path`. A symlink
    at `path` is replaced itself, not followed to what it points at, and an old file's
    wider mode (0644) is not kept.
    """
    if force:
        _replace(path, data)
        return
    try:
        # O_EXCL never follows a symlink: one at `path` counts as "already exists".
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputProblem(
            f"{path} already exists. Choose another --out, or add --force to replace it."
        ) from None
    except OSError as error:
        raise InputProblem(f"{path}: cannot be written ({error.strerror}).") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _replace(path: Path, data: bytes) -> None:
    try:
        # mkstemp: O_EXCL, mode 0600, a random name in the same folder (so the rename is
        # atomic: one file system).
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise InputProblem(f"{path}: cannot be written ({error.strerror}).") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise InputProblem(f"{path}: cannot be written ({error.strerror}).") from None


def emit(as_json: bool, result: dict[str, Any], lines: list[str]) -> None:
    """One JSON object with --json, else the lines a person reads."""
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, default=str))
    else:
        for line in lines:
            click.echo(line)
