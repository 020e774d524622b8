"""Run `mtls-kit` with passwords in the environment: in-process with click's CliRunner
(`mtls_kit`, most tests: no interpreter start per call), or as the installed console script
in a subprocess (`mtls_kit_process`, the smoke tests: exit codes, argv, a real terminal)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    pkcs12,
)

from tests.conftest import ThrowawayPki
from webapp.cli import main

# Distinctive, with non-ASCII and shell metacharacters: easy to find if one ever leaks.
KEY_PASS = "kp-Ünï code $x 7731"
STORE_PASS = "sp-secret;4412"
TRUST_PASS = "tp-secret'9925"
SECRETS = (KEY_PASS, STORE_PASS, TRUST_PASS)
PASSWORD_ENV = {
    "MTLS_KEY_PASS": KEY_PASS,
    "MTLS_STORE_PASS": STORE_PASS,
    "MTLS_TRUST_PASS": TRUST_PASS,
}
KEY_ENV = ("--key-password-env", "MTLS_KEY_PASS")
STORE_ENV = ("--store-password-env", "MTLS_STORE_PASS")
TRUST_ENV = ("--truststore-password-env", "MTLS_TRUST_PASS")


@dataclass(frozen=True)
class Run:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        [line] = self.stdout.splitlines()  # one JSON object, nothing else
        parsed: dict[str, Any] = json.loads(line)
        return parsed


def command() -> list[str]:
    """The console script pip installed beside this Python, else the module."""
    script = Path(sys.executable).with_name("mtls-kit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "webapp.cli"]


# What the CLI must not see from the test run's own environment.
_UNSET = ("FLASK_FETCH_ALLOWED_NETWORKS", "FLASK_EXTRA_ROOTS")


def mtls_kit(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, secrets_may_show: bool = False
) -> Run:
    """Run mtls-kit in this process, in `cwd`, without a terminal; check no password shows."""
    argv = list(map(str, args))
    environment: dict[str, str | None] = {name: None for name in _UNSET}
    environment.update({**PASSWORD_ENV, "LC_ALL": "C.UTF-8", **(env or {})})
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(main, argv, env=environment, prog_name="mtls-kit")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a crash, not an answer: show its traceback
    return _checked(
        Run(["mtls-kit", *argv], result.exit_code, result.stdout, result.stderr),
        secrets_may_show=secrets_may_show,
    )


def mtls_kit_process(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, secrets_may_show: bool = False
) -> Run:
    """Run the installed mtls-kit as a user would: a subprocess without a terminal."""
    argv = [*command(), *map(str, args)]
    environment = {k: v for k, v in os.environ.items() if k not in _UNSET}
    environment.update({**PASSWORD_ENV, "LC_ALL": "C.UTF-8", **(env or {})})
    result = subprocess.run(
        argv,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    run = Run(argv, result.returncode, result.stdout, result.stderr)
    return _checked(run, secrets_may_show=secrets_may_show)


def _checked(run: Run, *, secrets_may_show: bool) -> Run:
    for secret in SECRETS:
        assert secret not in " ".join(run.argv)
        if not secrets_may_show:
            assert secret not in run.stdout and secret not in run.stderr, run
    return run


@pytest.fixture(scope="module")
def inputs(throwaway_pki: ThrowawayPki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's key pair as a .p12 (written by cryptography) and as PEM files."""
    folder = tmp_path_factory.mktemp("cli-inputs")
    client = throwaway_pki.client("ec256")
    (folder / "client.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"Shared Client",
            client.key,
            client.cert,
            client.chain,
            BestAvailableEncryption(KEY_PASS.encode()),
        )
    )
    (folder / "client-chain.pem").write_bytes(client.chain_pem())
    (folder / "client.key").write_bytes(client.key_pem())
    (folder / "root.pem").write_bytes(throwaway_pki.ca.root_pem())
    return folder
