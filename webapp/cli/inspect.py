"""`mtls-kit inspect`: what a key pair file, certificate bundle or store holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from webapp.cli.inputs import certificate_lines, describe_chain, load_pairs, store_lines
from webapp.cli.options import PROBLEMS, json_option
from webapp.cli.support import emit, password_options, read_input, read_password, reports_problems
from webapp.pki.certs import CertificateParseError, parse_certificates
from webapp.pki.java import StoreFormat, detect_format, read_store


@click.command(
    epilog="""\b
Examples:
  mtls-kit inspect partner-chain.pem
  mtls-kit inspect keystore.p12 --store-password-env STORE_PASS --json
"""
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@password_options("store", "key")
@json_option
@reports_problems(*PROBLEMS)
def inspect(file: Path, as_json: bool, **passwords: Any) -> None:
    """Show what a key pair file, certificate bundle or store holds, with expiry dates."""
    data = read_input(file)
    fmt = detect_format(data)
    key_file = passwords.get("key_password_env") or passwords.get("key_password_file")
    # A .p12 opened with the key pair file password is read as the page reads key pairs
    # (every key of a keytool-made file); with the store password, as a store.
    if fmt is StoreFormat.JKS or (fmt is StoreFormat.PKCS12 and not key_file):
        password = read_password(passwords, "store")
        assert password is not None
        contents = read_store(data, password)
        entries = [
            {"alias": e.alias, "kind": e.kind, "certificates": describe_chain(e.certificates)}
            for e in contents.entries
        ]
        emit(
            as_json,
            {"ok": True, "kind": "store", "format": fmt.value, "entries": entries},
            [f"{file}: {fmt.label} store with {len(entries)} entry(ies)", *store_lines(entries)],
        )
        return
    if b"PRIVATE KEY" not in data:
        try:
            certs = describe_chain(parse_certificates(data))
        except CertificateParseError:
            certs = []
        if certs:
            emit(
                as_json,
                {"ok": True, "kind": "certificates", "certificates": certs},
                [f"{file}: {len(certs)} certificate(s)", *certificate_lines(certs)],
            )
            return
    pairs = load_pairs(data, None, passwords)
    described = [
        {
            "alias": p.source_alias,
            "kind": "key pair",
            "key": p.key_description,
            "certificates": describe_chain(p.chain),
        }
        for p in pairs
    ]
    emit(
        as_json,
        {"ok": True, "kind": "key pairs", "entries": described},
        [f"{file}: {len(described)} key pair(s)", *store_lines(described)],
    )
