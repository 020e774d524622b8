"""`mtls-kit test`: the mutual-TLS connection test with the two stores."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from webapp.cli import CONNECTION_TEST
from webapp.cli.inputs import settings, stored_key_pair
from webapp.cli.options import PROBLEMS, json_option, network_option, store_paths_options
from webapp.cli.support import (
    InputProblem,
    emit,
    password_options,
    read_input,
    read_password,
    reports_problems,
)
from webapp.pki.java import read_store


@click.command(
    name="test",
    epilog="""\b
Example:
  mtls-kit test https://partner.example/in --keystore keystore.jks \\
      --truststore truststore.jks --store-password-env STORE_PASS \\
      --truststore-password-env TRUST_PASS --json
""",
)
@click.argument("url")
@store_paths_options
@network_option
@password_options("store", "truststore")
@json_option
@reports_problems(*PROBLEMS)
def connection_test(
    url: str,
    keystore_path: Path,
    truststore_path: Path,
    allow_network: tuple[str, ...],
    as_json: bool,
    **passwords: Any,
) -> None:
    """Connect to the partner with your keystore and truststore: the mutual-TLS test."""
    try:
        engine = importlib.import_module(CONNECTION_TEST)
    except ModuleNotFoundError as error:
        if error.name != CONNECTION_TEST:
            raise
        raise InputProblem("The connection test is not available in this version.") from None
    pair = stored_key_pair(
        read_store(read_input(keystore_path), read_password(passwords, "store") or "")
    )
    trusted = read_store(read_input(truststore_path), read_password(passwords, "truststore") or "")
    anchors = [
        cert
        for entry in trusted.entries
        if entry.kind == "trustedCertEntry"
        for cert in entry.certificates
    ]
    outbound = settings(allow_network)  # proxy and timeouts as the portal reads them
    result = engine.test_connection(
        url,
        key_pair=pair,
        trust_anchors=anchors,
        policy=outbound.policy,
        connect_timeout=outbound.timeout,
        handshake_timeout=outbound.timeout,
    )
    report = {
        "ok": result.outcome == "accepted",
        "outcome": result.outcome,
        "headline": result.headline,
        "next_step": result.next_step,
        "detail": getattr(result, "detail", None),
        # Issue 20: the status of the answer to the one HEAD request (None: no HTTP answer).
        "http_status": getattr(result, "http_status", None),
    }
    emit(as_json, report, [line for line in (result.headline, result.next_step) if line])
    if result.outcome != "accepted":
        sys.exit(1)
